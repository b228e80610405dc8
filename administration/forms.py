"""Forms of the admins' pages (outbox, webhooks, reference data, calendar, settings): they
validate and keep what was typed."""

from __future__ import annotations

import re
import zoneinfo

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Role
from accounts.policies import environment_value
from core import forms as core_forms
from core import net
from notifications.models import ChatWebhook, DeliveryStatus
from tickets.models import (
    Asset,
    BusinessCalendar,
    CannedReply,
    Component,
    Criticality,
    Priority,
    Project,
    Status,
    TicketType,
)

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


# --- reference data, calendar, settings (Administration) ---------------------------------------

COLOUR_HELP = _("The badge shows a light tint of it, with text dark enough to read.")


class ReferenceForm(core_forms.ModelForm):
    """A reference entry's form; `seen` carries the fingerprint of the row the admin saw (an
    edit made on an older copy is refused: tickets.services.reference)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args, seen: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["seen"] = seen
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = _(
                "Used in links and imports. Left empty, it is made from the French name."
            )
        for name in ("colour",):
            if name in self.fields:
                self.fields[name].widget = forms.TextInput(attrs={"type": "color"})
                self.fields[name].help_text = COLOUR_HELP

    def clean_colour(self):
        colour = self.cleaned_data["colour"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
            raise forms.ValidationError(_("Give a colour as #rrggbb."))
        return colour.lower()


NAMES = ["name_fr", "name_en"]


class StatusForm(ReferenceForm):
    class Meta:
        model = Status
        fields = [*NAMES, "code", "category", "colour", "is_default", "is_active"]
        help_texts = {
            "category": _(
                "What the status means for the queue, the SLA and the client: resolved, closed "
                "and cancelled are final (work is over until the ticket is reopened)."
            ),
            "is_default": _("Every new ticket starts with this status."),
        }

    def _get_validation_exclusions(self):
        # One default status: the service moves the mark from the old one in its transaction.
        return {*super()._get_validation_exclusions(), "is_default"}


class TicketTypeForm(ReferenceForm):
    class Meta:
        model = TicketType
        fields = [*NAMES, "code", "is_development", "is_active"]


class PriorityForm(ReferenceForm):
    class Meta:
        model = Priority
        fields = [
            *NAMES,
            "code",
            "colour",
            "first_response_hours",
            "resolution_hours",
            "is_default",
            "is_active",
        ]

    def clean(self):
        data = super().clean()
        first, resolution = data.get("first_response_hours"), data.get("resolution_hours")
        if first is not None and resolution is not None and resolution < first:
            self.add_error(
                "resolution_hours", _("The resolution target cannot come before the first reply.")
            )
        return data


class CriticalityForm(ReferenceForm):
    class Meta:
        model = Criticality
        fields = [*NAMES, "code", "colour", "is_default", "is_active"]
        help_texts = {"is_default": _("What a ticket gets when its sender gives none.")}


class ComponentForm(ReferenceForm):
    class Meta:
        model = Component
        fields = [*NAMES, "code", "is_development", "is_active"]


class CannedReplyForm(ReferenceForm):
    class Meta:
        model = CannedReply
        fields = ["title", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


class OrganizationItemForm(ReferenceForm):
    class Meta:
        fields = ["organization", "name", "reference", "location", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(is_active=True).order_by(
            "name"
        )


class AssetForm(OrganizationItemForm):
    class Meta(OrganizationItemForm.Meta):
        model = Asset


class ProjectForm(OrganizationItemForm):
    class Meta(OrganizationItemForm.Meta):
        model = Project


class CannedPreviewForm(core_forms.Form):
    body = forms.CharField(required=False, widget=forms.Textarea)
    ticket = forms.IntegerField(required=False, min_value=1, max_value=2_000_000_000)


class CalendarForm(ReferenceForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (1, _("Monday")),
            (2, _("Tuesday")),
            (3, _("Wednesday")),
            (4, _("Thursday")),
            (5, _("Friday")),
            (6, _("Saturday")),
            (7, _("Sunday")),
        ],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"))

    class Meta:
        model = BusinessCalendar
        fields = ["working_days", "day_start", "day_end", "time_zone"]
        widgets = {
            "day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [(zone, zone) for zone in zones]
        if not self.is_bound:
            self.initial["working_days"] = sorted(self.instance.weekdays)

    def clean_working_days(self):
        days = self.cleaned_data["working_days"]
        if not days:
            raise forms.ValidationError(_("Choose at least one working day."))
        return ",".join(str(d) for d in sorted(set(days)))

    def clean(self):
        data = super().clean()
        start, end = data.get("day_start"), data.get("day_end")
        if start and end and end <= start:
            self.add_error("day_end", _("The working day must end after it starts."))
        return data


class HolidayForm(core_forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=100)


class HolidayImportForm(core_forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def _email_list(text: str) -> list[str]:
    addresses = [a.strip() for a in re.split(r"[\s,;]+", text or "") if a.strip()]
    for address in addresses:
        validate_email(address)
    return list(dict.fromkeys(a.lower() for a in addresses))


class SettingsForm(core_forms.Form):
    """The policies of accounts.policies; an empty field (or "Server setting") keeps the
    environment's value, shown as the field's placeholder or help."""

    INHERIT = ""
    YES_NO = [(INHERIT, _("Server setting")), ("yes", _("Yes")), ("no", _("No"))]

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    auto_close_days = forms.IntegerField(
        label=_("Close tickets waiting on the client after (days)"),
        required=False,
        min_value=1,
        max_value=365,
    )
    auto_close_warning_days = forms.IntegerField(
        label=_("Warn the client this many days before closing"),
        required=False,
        min_value=1,
        max_value=30,
    )
    hotline_emails = forms.CharField(
        label=_("Hotline addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Told of every step of a change request; one address per line. Empty: the server "
            "setting. Write “none” to tell nobody."
        ),
    )
    signup_open = forms.ChoiceField(label=_("Public sign-up open"), required=False, choices=YES_NO)
    signup_requires_approval = forms.ChoiceField(
        label=_("New accounts wait for an admin's approval"), required=False, choices=YES_NO
    )
    two_factor = forms.ChoiceField(
        label=_("Second factor (code by email) asked of"),
        required=False,
        choices=[
            (INHERIT, _("Server setting")),
            ("everyone", _("Everyone")),
            ("roles", _("The roles ticked below")),
            ("nobody", _("Nobody")),
        ],
    )
    two_factor_roles = forms.MultipleChoiceField(
        label=_("Roles asked for a second factor"),
        required=False,
        choices=Role.Code.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    text_limits = {"hotline_emails": 5000}

    def __init__(self, *args, row=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        for name in ("auto_close_days", "auto_close_warning_days"):
            self.fields[name].widget.attrs["placeholder"] = str(environment_value(name))
        if row is not None and not self.is_bound:
            self.initial.update(
                version=row.version,
                auto_close_days=row.auto_close_days,
                auto_close_warning_days=row.auto_close_warning_days,
                hotline_emails=(
                    "" if row.hotline_emails is None else "\n".join(row.hotline_emails) or "none"
                ),
                signup_open=self._yes_no(row.signup_open),
                signup_requires_approval=self._yes_no(row.signup_requires_approval),
            )
            roles_ = row.two_factor_roles
            if roles_ is None:
                self.initial["two_factor"] = self.INHERIT
            elif "*" in roles_:
                self.initial["two_factor"] = "everyone"
            elif not roles_:
                self.initial["two_factor"] = "nobody"
            else:
                self.initial["two_factor"] = "roles"
                self.initial["two_factor_roles"] = list(roles_)

    @staticmethod
    def _yes_no(value):
        return "" if value is None else ("yes" if value else "no")

    def clean_hotline_emails(self):
        text = self.cleaned_data["hotline_emails"].strip()
        if not text:
            return None
        if text.lower() == "none":
            return []
        try:
            return _email_list(text)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("One of these is not an email address: give one address per line.")
            ) from None

    def clean(self):
        data = super().clean()
        days, warning = data.get("auto_close_days"), data.get("auto_close_warning_days")
        days = days if days is not None else environment_value("auto_close_days")
        if warning is not None and warning >= days:
            self.add_error(
                "auto_close_warning_days",
                _("The warning must come before the closing (fewer days than the delay)."),
            )
        if data.get("two_factor") == "roles" and not data.get("two_factor_roles"):
            self.add_error("two_factor_roles", _("Tick at least one role."))
        return data

    def values(self) -> dict:
        """The cleaned values as accounts.services.save_site_settings takes them."""
        data = self.cleaned_data

        def yes_no(name):
            return None if not data.get(name) else data[name] == "yes"

        two_factor = {
            self.INHERIT: None,
            "everyone": ["*"],
            "nobody": [],
            "roles": list(data.get("two_factor_roles") or []),
        }[data.get("two_factor") or self.INHERIT]
        return {
            "auto_close_days": data.get("auto_close_days"),
            "auto_close_warning_days": data.get("auto_close_warning_days"),
            "hotline_emails": data.get("hotline_emails"),
            "signup_open": yes_no("signup_open"),
            "signup_requires_approval": yes_no("signup_requires_approval"),
            "two_factor_roles": two_factor,
        }
