"""The filters of a report (read from the query string) and the subscription form."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdc.models import ChangeRequest
from core.forms import Form
from tickets.models import Priority, Ticket, TicketType

from . import access
from .catalog import ReportInfo
from .selectors import Filters, dimension_choices

DEFAULT_DAYS = 30
MAX_DAYS = 5 * 366
EARLIEST = dt.date(2000, 1, 1)

PERIOD_CHOICES = [
    ("auto", _("Automatic")),
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _freeze_choices(field: forms.ModelChoiceField) -> None:
    """Read a menu's options once, in one query: the page lists them, and Django's iterator
    would count them and then read them through a server-side cursor (four round trips)."""
    rows = list(field.queryset)
    field.choices = [("", field.empty_label), *((o.pk, field.label_from_instance(o)) for o in rows)]


class ReportFilterForm(Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    organization = forms.ModelChoiceField(
        label=_("Client"), queryset=None, required=False, empty_label=_("All clients")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=None, required=False, empty_label=_("All agents")
    )
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=None, required=False, empty_label=_("All types")
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=None, required=False, empty_label=_("All priorities")
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("All levels")), *Ticket.Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of request"),
        choices=[("", _("All kinds")), *ChangeRequest.Kind.choices],
        required=False,
    )
    group = forms.ChoiceField(label=_("Group by"), required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)

    def __init__(self, data, *, user, report: ReportInfo, **kwargs):
        super().__init__(data, **kwargs)
        self.report = report
        self.fields["organization"].queryset = access.filter_organizations(user)
        self.fields["type"].queryset = TicketType.objects.all()
        self.fields["priority"].queryset = Priority.objects.all()
        if access.sees_agents(user) and (report.ticket_filters or report.cdc_filters):
            self.fields["agent"].queryset = access.filter_agents(user)
            self.fields["agent"].label_from_instance = lambda u: u.get_full_name() or u.email
        else:
            del self.fields["agent"]
        if not report.ticket_filters:
            for name in ("type", "priority", "level"):
                del self.fields[name]
        if not report.cdc_filters:
            del self.fields["kind"]
        groups = dimension_choices(report.groups, user)
        if groups:
            self.fields["group"].choices = groups
        else:
            del self.fields["group"]
        if not report.uses_period:
            del self.fields["period"]
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                _freeze_choices(field)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("end", _("The end date must be on or after the start date."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("Choose a range of at most five years."))
        elif start < EARLIEST:
            self.add_error("start", _("Choose a date after 1 January 2000."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            organization=data.get("organization"),
            agent=data.get("agent"),
            type=data.get("type"),
            priority=data.get("priority"),
            level=data.get("level"),
            kind=data.get("kind") or "",
            group=data.get("group") or "",
            period=data.get("period") or "auto",
        )

    def query(self, *, without_dates: bool = False) -> str:
        """The query string of what the form holds (links to exports, a subscription)."""
        skip = {"start", "end"} if without_dates else set()
        pairs = []
        for name in self.fields:
            if name in skip:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, dt.date):
                value = value.isoformat()
            pairs.append((name, value))
        return urlencode(pairs)
