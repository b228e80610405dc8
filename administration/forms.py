"""Forms of the outbox and webhook pages: they validate and keep what was typed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from core import forms as core_forms
from core import net
from notifications.models import ChatWebhook, DeliveryStatus

REFUSED_ADDRESS = _(
    "This address is on an internal, private or reserved network (such as 127.0.0.1, "
    "10.x.x.x, 192.168.x.x or 169.254.169.254): the helpdesk does not post there. An admin "
    "of the server may allow a named internal host with HELPDESK_ALLOWED_INTERNAL_HOSTS."
)


class OutboxFilterForm(core_forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("problems", _("Failed or retrying")), *DeliveryStatus.choices],
    )
    q = forms.CharField(label=_("Recipient or subject"), required=False, max_length=100)
    ticket = forms.IntegerField(label=_("Ticket"), required=False, min_value=1)


class ChatWebhookForm(core_forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Post when"),
        choices=ChatWebhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Most teams post new and reopened tickets."),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=settings.LANGUAGES)

    class Meta:
        model = ChatWebhook
        fields = ["name", "url", "events", "language", "is_active"]
        help_texts = {
            "url": _(
                "The incoming-webhook address your chat tool gives (Slack, Mattermost, "
                "Rocket.Chat...). It is a secret: it is shown masked afterwards."
            )
        }
        field_classes = {"url": forms.URLField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"
        if self.instance.pk:
            # Write-only, like a mailbox password: the address stays unless a new one is given.
            self.initial["url"] = ""
            self.fields["url"].required = False
            # Help texts are rendered as HTML: the address (typed by an admin) is escaped.
            self.fields["url"].help_text = _(
                "Now %(url)s. Leave empty to keep it, or paste a new address."
            ) % {"url": escape(self.instance.masked_url)}
        else:
            self.initial.setdefault(
                "events", [ChatWebhook.Event.CREATED, ChatWebhook.Event.REOPENED]
            )
            self.initial.setdefault("language", settings.LANGUAGE_CODE)

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url and self.instance.pk:
            return self.instance.url
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Give an http or https address."))
        try:
            net.check_url(url)
        except net.RefusedAddress:
            raise forms.ValidationError(REFUSED_ADDRESS) from None
        except net.CouldNotResolve:
            pass  # checked again at each post: the chat tool's name may not resolve from here yet
        return url
