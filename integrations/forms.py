from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from core import net
from core.forms import Form, ModelForm
from notifications.models import ChatWebhook
from tickets import caching as tickets_caching
from tickets.models import TicketType

from . import erp, sync, webforms
from .models import ApiToken, SyncSource, WebForm


class TokenForm(Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “ERP sync”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )


class WebFormForm(ModelForm):
    fields_shown = forms.MultipleChoiceField(
        label=_("Fields asked besides the email address and the subject"),
        choices=WebForm.Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    offers_chat = forms.BooleanField(
        label=_("Offer a live chat with an agent"),
        required=False,
        help_text=_(
            "During business hours, when an agent is available, visitors may chat instead of "
            "filling the form; the conversation becomes a ticket like the form's."
        ),
    )

    class Meta:
        model = WebForm
        fields = ["name", "default_type", "allowed_origins", "is_active"]
        widgets = {"allowed_origins": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "allowed_origins": _(
                "The websites that may show the form, one a line, e.g. https://www.client.fr. "
                "Any other site is refused."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_type"].queryset = TicketType.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["fields_shown"].initial = self.instance.fields
            self.fields["offers_chat"].initial = self.instance.offers_chat

    def clean_allowed_origins(self):
        origins, refused = webforms.clean_origins(self.cleaned_data["allowed_origins"])
        if refused:
            raise forms.ValidationError(
                _("Not an origin (https://host[:port], no path): %(lines)s"),
                params={"lines": ", ".join(refused[:5])},
            )
        return "\n".join(origins)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["fields"] = data.pop("fields_shown")
        if data.pop("offers_chat"):
            data["fields"].append(WebForm.OFFERS_CHAT)
        return data


class SubmissionForm(Form):
    """What a website's visitor fills in; `website` is the honeypot (hidden from people)."""

    email = forms.EmailField(label=_("Your email address"))
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Your request"), widget=forms.Textarea(attrs={"rows": 6}))
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=TicketType.objects.none(),
        required=False,
        empty_label=_("I do not know"),
    )
    criticality = forms.ChoiceField(
        label=_("Criticality"),
        choices=tickets_caching.criticality_choices,
        initial=tickets_caching.default_criticality,
        required=False,
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, web_form: WebForm, **kwargs):
        super().__init__(*args, **kwargs)
        shown = set(web_form.fields)
        for optional in (WebForm.Field.DESCRIPTION, WebForm.Field.TYPE, WebForm.Field.CRITICALITY):
            if optional not in shown:
                del self.fields[optional]
        if "type" in self.fields:
            self.fields["type"].queryset = TicketType.objects.filter(
                is_active=True, is_development=False
            )

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class PersonalWebhookForm(ModelForm):
    """A person's own chat webhook: the address (write-only once saved) and the events of
    their tickets it hears about."""

    events = forms.MultipleChoiceField(
        label=_("Tell me when, on my tickets"),
        choices=ChatWebhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ChatWebhook
        fields = ["url", "events", "is_active"]
        field_classes = {"url": forms.URLField}
        labels = {"url": _("Incoming-webhook address")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"
        self.fields["url"].help_text = _(
            "From your chat tool (Slack, Mattermost, Rocket.Chat): messages go to you only."
        )
        if self.instance.pk:
            self.initial["url"] = ""
            self.fields["url"].required = False
            self.fields["url"].help_text = _(
                "Now %(url)s. Leave empty to keep it, or paste a new address."
            ) % {"url": escape(self.instance.masked_url)}
        else:
            self.initial.setdefault(
                "events",
                [ChatWebhook.Event.REPLIED, ChatWebhook.Event.STATUS_CHANGED],
            )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url and self.instance.pk:
            return self.instance.url
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Give an http or https address."))
        try:
            net.check_url(url)
        except net.RefusedAddress:
            raise forms.ValidationError(
                _("This address is on an internal network: it is refused.")
            ) from None
        except net.CouldNotResolve:
            pass  # checked again at each post
        return url


class SyncUploadForm(Form):
    file = forms.FileField(label=_("Export of the ERP's clients (.csv or .xlsx)"))
    source = forms.SlugField(
        label=_("Source"),
        max_length=50,
        initial="erp",
        help_text=_(
            "A short name of the ERP: organizations are matched by it and their reference."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > erp.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Give a .csv or .xlsx file."))
        return upload


class SyncMappingForm(Form):
    """Their column for each of our fields (the reference and the name are needed)."""

    def __init__(self, *args, columns: list[str], initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)"))] + [(title, title) for title in columns]
        lowered = {title.lower(): title for title in columns}
        for name, label in erp.FIELDS.items():
            guess = (
                initial_mapping.get(name) or lowered.get(name) or lowered.get(str(label).lower())
            )
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=name in erp.REQUIRED,
                initial=guess if guess in columns else "",
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


class SyncSourceForm(ModelForm):
    """Where the ERP publishes its export, and how often it is read."""

    class Meta:
        model = SyncSource
        fields = ["name", "source", "kind", "folder", "url", "every_hours", "is_active"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "folder": _("A folder inside the drop folder of the server, e.g. “filemaker”."),
            "url": _("An https address where the ERP publishes its export (.csv or .xlsx)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"
        self.fields["every_hours"].min_value = 1
        self.fields["every_hours"].max_value = 720
        self.fields["every_hours"].widget.attrs.update(min=1, max=720)

    def clean_folder(self):
        folder = self.cleaned_data["folder"].strip().replace("\x00", "")
        if folder:
            try:
                sync.folder_path(folder)
            except sync.SourceUnavailable as error:
                raise forms.ValidationError(str(error)) from None
        return folder

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if not url:
            return url
        if not url.lower().startswith("https://"):
            raise forms.ValidationError(_("Give an https address."))
        try:
            net.check_url(url)
        except net.RefusedAddress:
            raise forms.ValidationError(
                _("This address is on an internal network: it is refused.")
            ) from None
        except net.CouldNotResolve:
            pass  # checked again at each run
        return url

    def clean(self):
        data = super().clean()
        kind, errors = data.get("kind"), self.errors
        if kind == SyncSource.Kind.FOLDER and not data.get("folder") and "folder" not in errors:
            self.add_error("folder", _("Give the folder where the ERP drops its export."))
        if kind == SyncSource.Kind.URL and not data.get("url") and "url" not in errors:
            self.add_error("url", _("Give the address where the ERP publishes its export."))
        return data
