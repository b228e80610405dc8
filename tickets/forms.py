"""Ticket forms: they validate and keep what the person typed; services do the saving."""

from __future__ import annotations

from functools import partial

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts import selectors as account_selectors
from accounts.forms import PickerSelect, PickerSelectMultiple
from accounts.models import Role, User
from core import forms as core_forms
from core.files import max_upload_bytes, validate_upload

from . import access, caching, workflow
from .models import (
    Asset,
    CannedReply,
    Component,
    Event,
    Priority,
    Project,
    Status,
    Ticket,
    TicketType,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files; each checked by core.files.validate_upload (size, sniffed type)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned, errors = [], []
        for uploaded in files:
            uploaded = super().clean(uploaded, initial)
            try:
                validate_upload(uploaded)
            except ValidationError as exc:
                errors.extend(exc.messages)
            cleaned.append(uploaded)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _attachments_field():
    return MultipleFileField(
        label=_("Attachments"),
        help_text=_("Screenshots, PDF, documents: several files, up to %(mb)s MB each."),
    )


class _LookupChoice(forms.ModelChoiceField):
    """A row chosen by id: when the form sets lookup (a function of the posted id giving the
    row, or None when it is not a valid choice), the posted value is checked with it, and the
    queryset (for showing the options) need not be built."""

    lookup = None

    def to_python(self, value):
        if value in self.empty_values or self.lookup is None:
            return super().to_python(value)
        try:
            row = self.lookup(int(value))
        except (ValueError, TypeError):
            row = None
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return row


class _PersonChoice(_LookupChoice):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} <{obj.email}>" if name else obj.email


class _PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class _ReferenceChoice(forms.ModelChoiceField):
    """A reference row (a type, a priority) chosen among rows given by the form (the cached
    copy's active ones, as show_reference_rows offers them): a posted value is checked
    against those rows, without a query."""

    rows: dict | None = None

    def to_python(self, value):
        if value in self.empty_values or self.rows is None:
            return super().to_python(value)
        try:
            return self.rows[int(value)]
        except (KeyError, ValueError, TypeError):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


def active(model):
    return model.objects.filter(is_active=True)


def show_reference_rows(field, rows) -> None:
    """Offer rows (tickets.caching reference copy) as the options of a model choice field, instead
    of querying its queryset each time the form is shown; a posted value is still checked
    against the queryset."""
    empty = [] if getattr(field, "empty_label", None) is None else [("", field.empty_label)]
    field.widget.choices = empty + [(row.pk, field.label_from_instance(row)) for row in rows]


def _active_reference(table: str) -> list:
    data = caching.reference()
    return data.active(getattr(data, table))


def assignable_people():
    return roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN).order_by(
        "first_name", "last_name"
    )


class TicketCreateForm(core_forms.Form):
    """Seed 004: clients give title, message, type, criticality and files; agents and sales
    reps also the client organization and contact, priority, a canned answer and an internal
    note; admins also the assignees; agents take phone calls (channel, call time)."""

    organization = _LookupChoice(
        label=_("Client organization"),
        queryset=None,
        widget=PickerSelect(reverse_lazy("accounts:pick-organizations")),
    )
    requester = _PersonChoice(
        label=_("Contact"),
        queryset=None,
        required=False,
        widget=PickerSelect(reverse_lazy("accounts:pick-people"), include="#id_organization"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 7}))
    type = _ReferenceChoice(label=_("Type"), queryset=None, empty_label=_("Choose a type…"))
    criticality = forms.ChoiceField(
        label=_("Criticality"),
        choices=caching.criticality_choices,
        initial=caching.default_criticality,
        help_text=_("How much it hinders your work."),
    )
    priority = _ReferenceChoice(
        label=_("Priority"),
        queryset=None,
        required=False,
        empty_label=_("Default priority"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=Ticket.Channel.choices, initial=Ticket.Channel.WEB
    )
    reported_at = forms.DateTimeField(
        label=_("Call or report time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now."),
    )
    assignees = _PeopleChoice(
        label=_("Assign to"),
        queryset=None,
        required=False,
        widget=PickerSelectMultiple(reverse_lazy("accounts:pick-agents")),
    )
    canned_reply = forms.ModelChoiceField(
        label=_("Canned answer"),
        queryset=None,
        required=False,
        empty_label=_("No canned answer"),
        help_text=_("Sent to the client as the first answer."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hidden from the client."),
    )
    attachments = _attachments_field()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["attachments"].help_text = self.fields["attachments"].help_text % {
            "mb": _max_mb()
        }
        types = [kind for kind in _active_reference("types") if not kind.is_development]
        show_reference_rows(self.fields["type"], types)
        self.fields["type"].rows = {kind.pk: kind for kind in types}
        self.staff = access.can_file_for_client(user)
        if self.staff:
            # A posted organization and contact are read by id; the querysets are built only
            # when the form is shown (_offer_querysets).
            self.fields["organization"].lookup = partial(
                account_selectors.organization_to_act_for, user
            )
            self.fields["requester"].lookup = partial(account_selectors.contact_to_act_for, user)
            priorities = _active_reference("priorities")
            show_reference_rows(self.fields["priority"], priorities)
            self.fields["priority"].rows = {priority.pk: priority for priority in priorities}
            self.fields["canned_reply"].queryset = active(CannedReply)
        else:
            for name in ("organization", "requester", "priority", "canned_reply", "internal_note"):
                del self.fields[name]
        if not access.can_take_phone_call(user):
            del self.fields["channel"]
            del self.fields["reported_at"]
        else:
            self.fields["channel"].choices = [
                c for c in Ticket.Channel.choices if c[0] != Ticket.Channel.EMAIL
            ]
        if access.can_assign_on_create(user):
            self.fields["assignees"].queryset = assignable_people()
        else:
            del self.fields["assignees"]
        self._querysets_offered = False
        if not self.is_bound:
            self._offer_querysets()

    def _offer_querysets(self) -> None:
        """The querysets the fields show their options from (and check a value against when
        no lookup is set): built once, when the form is shown, not for a valid post."""
        if self._querysets_offered:
            return
        self._querysets_offered = True
        self.fields["type"].queryset = active(TicketType).filter(is_development=False)
        show_reference_rows(self.fields["type"], self.fields["type"].rows.values())
        if self.staff:
            orgs = roles.visible_organizations(self.user).filter(is_active=True).order_by("name")
            self.fields["organization"].queryset = orgs
            self.fields["requester"].queryset = User.objects.filter(
                organization__in=orgs, is_active=True
            ).order_by("last_name", "first_name")
            # The contact picker lists the chosen organization's people only (static/js/
            # picker.js empties the contact when the organization changes).
            self.fields["requester"].widget.url = f"{reverse('accounts:pick-people')}?contact=1"
            self.fields["priority"].queryset = active(Priority)
            show_reference_rows(self.fields["priority"], self.fields["priority"].rows.values())

    def add_error(self, field, error):
        # A form with an error is shown again: its fields need their querysets.
        self._offer_querysets()
        super().add_error(field, error)

    def clean(self):
        data = super().clean()
        org, requester = data.get("organization"), data.get("requester")
        if org and requester and requester.organization_id != org.pk:
            self.add_error("requester", _("This contact belongs to another organization."))
        if data.get("channel") == Ticket.Channel.PHONE and self.staff and not requester:
            self.add_error("requester", _("Choose the caller."))
        return data


def _max_mb():
    return max_upload_bytes() // (1024 * 1024)


class ReplyForm(core_forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown: **bold**, *italics*, lists, links."),
    )
    internal = forms.BooleanField(label=_("Internal note (hidden from the client)"), required=False)
    action_type = forms.ChoiceField(
        label=_("Action type"),
        # Blank: the service picks (answer for a reply, information for a note).
        choices=[("", _("Automatic")), *Event.ActionType.choices],
        required=False,
    )
    action_at = forms.DateTimeField(
        label=_("Action date"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("For a call taken earlier; leave empty for now."),
    )
    attachments = _attachments_field()

    def __init__(self, *args, user: User, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = self.fields["attachments"].help_text % {
            "mb": _max_mb()
        }
        if not access.can_add_internal_note(user, ticket):
            del self.fields["internal"]
        if not access.can_backdate(user):
            del self.fields["action_type"]
            del self.fields["action_at"]

    def clean(self):
        data = super().clean()
        empty = not (data.get("body") or "").strip() and not data.get("attachments")
        if empty and "attachments" not in self.errors:
            raise ValidationError(_("Write a message or attach a file."))
        return data


class VersionForm(core_forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(VersionForm):
    # The ticket always has a status: no empty choice.
    status = forms.ModelChoiceField(label=_("Status"), queryset=None, empty_label=None)

    def __init__(self, *args, current: Status | None = None, **kwargs):
        """current: the ticket's status; then only it and the statuses tickets.workflow lets
        it move to are offered (a posted value is still checked by the service)."""
        super().__init__(*args, **kwargs)
        if self.is_bound:  # shown, the options come from the reference copy (no queryset)
            self.fields["status"].queryset = active(Status)
        rows = _active_reference("statuses")
        if current is not None:
            allowed = {s.pk for s in workflow.settable_statuses(current, rows)}
            rows = [s for s in rows if s.pk in allowed or s.pk == current.pk]
            if not current.is_active:
                # A retired status the ticket still has: not offered, nothing shown chosen.
                self.fields["status"].empty_label = _("Choose a status…")
        self.offers_a_change = any(current is None or s.pk != current.pk for s in rows)
        show_reference_rows(self.fields["status"], rows)


class PriorityForm(VersionForm):
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=None, empty_label=_("Choose a priority…")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("priority"):
            self.fields["priority"].empty_label = None  # once set, never back to none
        if self.is_bound:
            self.fields["priority"].queryset = active(Priority)
        show_reference_rows(self.fields["priority"], _active_reference("priorities"))


class FieldsForm(VersionForm):
    type = forms.ModelChoiceField(label=_("Type"), queryset=None, required=False)
    component = forms.ModelChoiceField(label=_("Component"), queryset=None, required=False)
    support_level = forms.TypedChoiceField(
        label=_("Support level"), choices=Ticket.Level.choices, coerce=int
    )
    criticality = forms.ChoiceField(label=_("Criticality"), choices=caching.criticality_choices)
    asset = forms.ModelChoiceField(label=_("Equipment"), queryset=None, required=False)
    project = forms.ModelChoiceField(label=_("Project"), queryset=None, required=False)
    followers = _PeopleChoice(
        label=_("Followers"), queryset=None, required=False, widget=PickerSelectMultiple()
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("type", "component", "asset", "project"):
            self.fields[name].empty_label = "—"  # none, as the ticket page's details say it
        self.fields["type"].queryset = active(TicketType)
        show_reference_rows(self.fields["type"], _active_reference("types"))
        # A retired criticality the ticket still has stays shown (and may be kept).
        self.fields["criticality"].choices = caching.criticality_choices(ticket.criticality_id)
        self.fields["component"].queryset = active(Component)
        org = ticket.organization_id
        self.fields["asset"].queryset = Asset.objects.filter(organization_id=org, is_active=True)
        self.fields["project"].queryset = Project.objects.filter(
            organization_id=org, is_active=True
        )
        # Followers: staff, and the people of the ticket's organization.
        self.fields[
            "followers"
        ].widget.url = f"{reverse('accounts:pick-people')}?staff=1&organization={org or 0}"
        self.fields["followers"].queryset = (
            roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN, Role.Code.SALES)
            | User.objects.filter(organization_id=org, is_active=True)
        ).order_by("first_name", "last_name")


class AssignForm(VersionForm):
    assignees = _PeopleChoice(
        label=_("Assignees"),
        queryset=None,
        required=False,
        widget=PickerSelectMultiple(reverse_lazy("accounts:pick-agents")),
    )

    def __init__(self, *args, current=(), **kwargs):
        """current: the ticket's assignees, already read by the ticket page: the picker shows
        them without querying them again."""
        super().__init__(*args, **kwargs)
        self.label_suffix = ""  # in the side panel, under "Status" and "Priority" (no colon)
        if self.is_bound or not current:
            self.fields["assignees"].queryset = assignable_people()
        if current:
            label = self.fields["assignees"].label_from_instance
            self.fields["assignees"].widget.known = {str(p.pk): label(p) for p in current}


class EditForm(VersionForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class EscalateForm(core_forms.Form):
    reason = forms.CharField(
        label=_("Reason for escalation"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""  # in the side panel, as AssignForm


class ReopenForm(core_forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SavedFilterForm(core_forms.Form):
    """The queue's "save this view": a name, and the filters as a query string (the service
    keeps the known filters only and checks the name)."""

    name = forms.CharField(label=_("Name of the view"), required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    text_limits = {"query": 10_000}


class TransferForm(core_forms.Form):
    type = forms.ModelChoiceField(
        label=_("Development type"),
        queryset=None,
        empty_label=_("Choose a development type…"),
    )
    title = forms.CharField(
        label=_("Title of the development ticket"),
        required=False,
        max_length=core_forms.TITLE_MAX,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.fields["type"].queryset = active(TicketType).filter(is_development=True)
        types = [kind for kind in _active_reference("types") if kind.is_development]
        show_reference_rows(self.fields["type"], types)


class BulkForm(core_forms.Form):
    """The queue's bulk bar: the selected ticket numbers and one change ("assign:<id>",
    "assign:none", "status:<id>", "priority:<id>"), offered as one grouped list."""

    tickets = forms.TypedMultipleChoiceField(coerce=int, label=_("Tickets"))
    change = forms.ChoiceField(
        label=_("Change"),
        widget=forms.Select(
            attrs={"class": "form-select form-select-sm w-auto", "id": "bulk-change"}
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Any number may be posted; visibility is checked ticket by ticket by the service.
        posted = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(n, n) for n in posted[:1000]]
        self.fields["tickets"].error_messages["required"] = _("Select at least one ticket.")
        people = list(assignable_people())
        self._people = {p.pk: p for p in people}
        self._statuses = {s.pk: s for s in _active_reference("statuses")}
        self._priorities = {p.pk: p for p in _active_reference("priorities")}
        self.fields["change"].choices = [
            ("", _("Choose a change…")),
            (
                _("Assign to"),
                [(f"assign:{user.pk}", _("Me"))]
                + [(f"assign:{p.pk}", p.get_full_name() or p.email) for p in people if p != user]
                + [("assign:none", _("Nobody (unassign)"))],
            ),
            (_("Status"), [(f"status:{s.pk}", s.name) for s in self._statuses.values()]),
            (_("Priority"), [(f"priority:{p.pk}", p.name) for p in self._priorities.values()]),
        ]

    def clean_tickets(self):
        value = self.cleaned_data["tickets"]
        if any(n <= 0 for n in value):
            raise ValidationError(_("Select at least one ticket."))
        return value

    def clean(self):
        data = super().clean()
        action, _sep, key = (data.get("change") or "").partition(":")
        if action == "assign":
            data["action"] = "assign"
            if key == "none":
                data["value"] = []
            elif key.isdigit() and int(key) in self._people:
                data["value"] = [self._people[int(key)]]
        elif action in ("status", "priority") and key.isdigit():
            choices = self._statuses if action == "status" else self._priorities
            if int(key) in choices:
                data["action"], data["value"] = action, choices[int(key)]
        if "change" in data and "value" not in data:
            self.add_error("change", _("Choose a change."))
        return data
