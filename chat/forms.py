from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import Form


class StartChatForm(Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.CHAT_MESSAGE_MAX,
    )
    wants_transcript = forms.BooleanField(
        label=_("Email me the transcript when the chat ends"), required=False
    )


class VisitorStartForm(Form):
    """A web form's visitor opens a chat; `website` is the honeypot (hidden from people)."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Your email address"))
    body = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.CHAT_MESSAGE_MAX,
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class AvailabilityForm(Form):
    available = forms.BooleanField(required=False)


class TransferForm(Form):
    agent = forms.TypedChoiceField(label=_("To an agent"), coerce=int, required=False)
    level = forms.TypedChoiceField(
        label=_("Or to a level"),
        coerce=int,
        required=False,
        choices=[("", _("—")), (1, _("Level 1")), (2, _("Level 2")), (3, _("Level 3"))],
    )

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", _("—"))] + [
            (a.pk, a.get_full_name() or a.email) for a in agents
        ]

    def clean(self):
        data = super().clean()
        if not data.get("agent") and not data.get("level"):
            raise forms.ValidationError(_("Choose an agent or a level."))
        return data


class EndChatForm(Form):
    ticket_number = forms.IntegerField(
        label=_("Attach to the existing ticket number"),
        required=False,
        min_value=1,
        max_value=2_000_000_000,
        help_text=_("Leave empty to create a new ticket."),
    )
