"""Queue filters, sorts and saved views: everything lives in the URL (shareable, back button).

The filter set narrows a queryset that already comes from access.visible_tickets(user); it
never widens it. Assignee and follower filters use EXISTS subqueries (no join + distinct).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Organization, Role
from core import forms as core_forms

from . import access, caching, search, sla
from .forms import show_reference_rows
from .models import (
    FINAL_CATEGORIES,
    Asset,
    Component,
    Priority,
    Project,
    Status,
    Ticket,
    TicketType,
)


def yes_no():
    """A yes/no filter that shows "—" (no filter) rather than "Unknown"."""
    return forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))])


class DatePickerRange(django_filters.widgets.DateRangeWidget):
    """A date range as two of the browser's date pickers (the values travel as 2025-03-31,
    which every language's date field reads), each named for the screen readers."""

    template_name = "django/forms/widgets/date_range.html"

    def __init__(self, attrs=None):
        widgets = [
            forms.DateInput(
                attrs={"type": "date", "aria-label": label, "class": "form-control-sm"},
                format="%Y-%m-%d",
            )
            for label in (
                pgettext_lazy("date range start", "From"),
                pgettext_lazy("date range end", "To"),
            )
        ]
        # Past RangeWidget.__init__, which would make them two text boxes.
        forms.MultiWidget.__init__(self, widgets, attrs)


# Sortable columns: URL value -> order_by fields (ties broken by id, newest first).
SORTS = {
    "number": ("number",),
    "title": ("title", "-id"),
    "client": ("organization__name", "-id"),
    "status": ("status__order", "-id"),
    "priority": ("priority__order", "-id"),
    "created": ("created_at", "id"),
    "updated": ("last_activity_at", "id"),
}
DEFAULT_SORT = "-updated"

# Saved views for staff: name -> (label, query parameters).
SAVED_VIEWS = {
    "mine": (_("My tickets"), {"assignee": "me", "open": "1"}),
    "unassigned": (_("Unassigned"), {"assignee": "none", "open": "1"}),
    "overdue": (_("Overdue"), {"overdue": "1"}),
    "new": (_("New"), {"category": Status.Category.NEW}),
    "followed": (_("Followed"), {"followed": "1", "open": "1"}),
}


# The queue's tabs open to everyone: which tickets by their status. Without a state, a status
# or a status category in the URL, the queue shows the open ones (not closed nor cancelled).
CLOSED_CATEGORIES = (Status.Category.CLOSED, Status.Category.CANCELLED)
STATES = {
    "open": pgettext_lazy("tickets", "Open"),
    "closed": pgettext_lazy("tickets", "Closed"),
    "all": pgettext_lazy("tickets", "All"),
}
DEFAULT_STATE = "open"
# Filters that say which statuses the person wants: any of them replaces the default state.
STATUS_FILTERS = ("state", "open", "category", "status")


def with_default_state(params) -> bool:
    """Put the default state (open tickets) in params (a mutable QueryDict) unless a status
    filter is there; True when it did."""
    if any(in_use(params, name) for name in STATUS_FILTERS):
        return False
    params["state"] = DEFAULT_STATE
    return True


# A date range filter comes in the URL as <name>_after and <name>_before.
RANGE_SUFFIXES = ("_after", "_before")


def in_use(params, name: str) -> bool:
    """Whether the filter name has a value in params."""
    return any(params.get(key) for key in (name, *(name + s for s in RANGE_SUFFIXES)))


def filter_query(params) -> str:
    """The filters, sort and saved view in params (a QueryDict) as a query string: known
    names only, no page and no empty value, in a stable order. What a saved filter stores,
    and how the queue recognizes the one shown."""
    names = set(TicketFilter.base_filters) | {"sort", "view"}
    kept = []
    for key in sorted(params.keys()):
        base = key.rsplit("_", 1)[0] if key.endswith(RANGE_SUFFIXES) else key
        if base in names:
            kept += [(key, value) for value in params.getlist(key) if value]
    return urlencode(kept)


def order_fields(sort: str) -> list[str]:
    """order_by() arguments for a sort parameter such as "-updated"; unknown -> default."""
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"))
    if fields is None:
        return order_fields(DEFAULT_SORT)
    if descending:
        return [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    return list(fields)


class AssigneeField(forms.MultipleChoiceField):
    """Assignees: "me", "none" (unassigned), "any" (assigned to someone) or people's ids, any
    number of them (one or the other). The ids are checked against the people tickets may be
    assigned to when the filter runs (accounts.access.pickable_agents)."""

    def valid_value(self, value):
        return value in TicketFilter.ASSIGNEE_WORDS or str(value).isdigit()


class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField


class ReferenceChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Statuses, priorities or types chosen in the queue, checked against the reference copy
    (tickets.caching, given as reference_rows by the form) rather than by a query a page; the
    same answers as the table's: the rows, or the field's error for an unknown or malformed id."""

    reference_rows: dict | None = None

    def _check_values(self, value):
        rows = self.reference_rows
        if rows is None:
            return super()._check_values(value)
        chosen = []
        for raw in dict.fromkeys(value):
            self.validate_no_null_characters(raw)
            try:
                pk = int(str(raw).strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": raw},
                ) from None
            row = rows.get(pk)
            if row is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": raw},
                )
            chosen.append(row)
        return chosen


class ReferenceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = ReferenceChoiceField


class TicketFilter(django_filters.FilterSet):
    ASSIGNEE_CHOICES = [("me", _("Me")), ("none", _("Unassigned")), ("any", _("Anyone"))]
    ASSIGNEE_WORDS = {value for value, label in ASSIGNEE_CHOICES}

    state = django_filters.ChoiceFilter(
        label=_("Tickets"), choices=list(STATES.items()), method="filter_state"
    )

    status = ReferenceFilter(
        distinct=False, label=_("Status"), queryset=Status.objects.order_by("order")
    )
    category = django_filters.MultipleChoiceFilter(
        distinct=False,
        label=_("Status category"),
        choices=Status.Category.choices,
        method="filter_category",
    )
    open = django_filters.BooleanFilter(label=_("Open only"), method="filter_open", widget=yes_no())
    type = ReferenceFilter(
        distinct=False, label=_("Type"), queryset=TicketType.objects.order_by("order")
    )
    priority = ReferenceFilter(
        distinct=False, label=_("Priority"), queryset=Priority.objects.order_by("order")
    )
    criticality = django_filters.MultipleChoiceFilter(
        distinct=False,
        label=_("Criticality"),
        choices=caching.criticality_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = AssigneeFilter(label=_("Assignee"), method="filter_assignee")
    followed = django_filters.BooleanFilter(
        label=_("Followed by me"), method="filter_followed", widget=yes_no()
    )
    organization = django_filters.ModelMultipleChoiceFilter(
        label=_("Client"), queryset=Organization.objects.none(), method="filter_organization"
    )
    sales_rep = django_filters.ModelChoiceFilter(
        label=_("Sales rep"), queryset=None, method="filter_sales_rep", empty_label="—"
    )
    support_level = django_filters.TypedMultipleChoiceFilter(
        distinct=False,
        label=_("Support level"),
        choices=Ticket.Level.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    component = django_filters.ModelMultipleChoiceFilter(
        distinct=False,
        label=_("Component"),
        queryset=Component.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
    )
    channel = django_filters.MultipleChoiceFilter(
        distinct=False,
        label=_("Channel"),
        choices=Ticket.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    created = django_filters.DateFromToRangeFilter(
        label=_("Created between"), field_name="created_at", widget=DatePickerRange
    )
    updated = django_filters.DateFromToRangeFilter(
        label=_("Updated between"), field_name="last_activity_at", widget=DatePickerRange
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=yes_no()
    )
    # From an equipment's or a project's page ("Open in the queue"): no menu, a chip.
    asset = django_filters.ModelChoiceFilter(
        label=_("Equipment"), queryset=Asset.objects.none(), widget=forms.HiddenInput
    )
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=Project.objects.none(), widget=forms.HiddenInput
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = Ticket
        fields: list[str] = []
        # The search box gets the limits of every form (core.forms).
        form = core_forms.Form

    def __init__(self, *args, user=None, only=None, **kwargs):
        """only: the names of the filters to build (the others are then left out of the form
        and the filtering: pass it only when they have no value)."""
        if only is not None:
            self.base_filters = {n: f for n, f in self.base_filters.items() if n in only}
        super().__init__(*args, **kwargs)
        self.user = user
        if "organization" in self.filters:
            self.filters["organization"].queryset = access_organizations(user)
        for name, model in (("asset", Asset), ("project", Project)):
            if name in self.filters:
                # Only those of organizations the person sees (a forged id is refused).
                self.filters[name].queryset = model.objects.filter(roles.organization_q(user))
        if "sales_rep" in self.filters:
            self.filters["sales_rep"].queryset = roles.users_with_role(Role.Code.SALES).order_by(
                "last_name"
            )

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            form.label_suffix = ""  # the panel's labels read like its checkbox groups' legends
            # The options shown, and the chosen values checked, against the cached reference
            # data rather than a query a page (ReferenceChoiceField).
            data = caching.reference()
            for name, table in REFERENCE_FILTERS.items():
                if name in form.fields:
                    show_reference_rows(form.fields[name], getattr(data, table).values())
                    form.fields[name].reference_rows = getattr(data, table)
            if "assignee" in form.fields:
                form.fields["assignee"].choices = self.ASSIGNEE_CHOICES
        return self._form

    def statement_values(self) -> tuple | None:
        """The parameters and the cleaned value of each filter, hashable: with the person and
        the reference rows, what the filtered, sorted queryset's SQL is made from (a key for
        tickets.paging.compiled). None when the time of day decides it too (overdue). Only
        once is_valid() said yes."""
        cleaned = self.form.cleaned_data
        if cleaned.get("overdue") is not None:
            return None
        data = tuple(sorted((k, tuple(v)) for k, v in self.data.lists() if k != "page"))
        return data, tuple((name, _hashable(value)) for name, value in sorted(cleaned.items()))

    def filter_queryset(self, queryset):
        """Every filter, the search last."""
        queryset = self.filter_unsearched(queryset)
        return self.filters["q"].filter(queryset, self.form.cleaned_data.get("q") or "")

    def filter_unsearched(self, queryset):
        """Every filter but the search (for tickets.search.RankedSearch); is_valid() first."""
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_category(self, queryset, name, value):
        # On the ticket's indexed status_id rather than through a join on the status table.
        if not value:
            return queryset
        return queryset.filter(status_id__in=_status_ids(value))

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.exclude(status_id__in=_status_ids(CLOSED_CATEGORIES))
        if value == "closed":
            return queryset.filter(status_id__in=_status_ids(CLOSED_CATEGORIES))
        return queryset

    def filter_organization(self, queryset, name, value):
        # The chosen organizations were checked against those the person sees (the field's
        # queryset); on the indexed organization_id. (None chosen: an empty queryset, which
        # costs a compilation to find empty.)
        if not self.data.getlist(name):
            return queryset
        return queryset.filter(organization_id__in=[organization.pk for organization in value])

    def filter_open(self, queryset, name, value):
        if value:
            return queryset.exclude(status_id__in=_status_ids(FINAL_CATEGORIES))
        return queryset

    def filter_overdue(self, queryset, name, value):
        # Past the due date now (tickets.sla.overdue_q), not the flag the periodic job sets.
        if value is None:
            return queryset
        overdue = sla.overdue_q() & ~Q(status_id__in=_status_ids(FINAL_CATEGORIES))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_assignee(self, queryset, name, value):
        """Tickets of any of the chosen: me, unassigned, anyone, people (by id)."""
        if not value:
            return queryset
        assigned = Ticket.assignees.through.objects.filter(ticket_id=OuterRef("pk"))
        people = {int(v) for v in value if v.isdigit()}
        if "me" in value and self.user is not None:
            people.add(self.user.pk)
        either = Q(is_assigned=False) if "none" in value else Q()
        if "any" in value:
            either |= Q(is_assigned=True)
        if people:
            either |= Q(Exists(assigned.filter(user_id__in=sorted(people))))
        return queryset.filter(either)

    def filter_followed(self, queryset, name, value):
        if not value:
            return queryset
        through = Ticket.followers.through
        return queryset.filter(
            Exists(through.objects.filter(ticket_id=OuterRef("pk"), user_id=self.user.pk))
        )

    def filter_sales_rep(self, queryset, name, value):
        represented = Organization.sales_reps.through.objects.filter(user_id=value.pk)
        org_ids = represented.values("organization_id")
        return queryset.filter(
            Q(organization_id__in=org_ids) | Q(organization__parent_id__in=org_ids)
        )

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return search.search(
            queryset, value, with_internal=self.user is not None and access.sees_internal(self.user)
        )


def _hashable(value):
    """A cleaned filter value as a key: rows by model and primary key, ranges by their ends."""
    if isinstance(value, Model):
        return (value._meta.label, value.pk)
    if isinstance(value, slice):
        return ("range", value.start, value.stop)
    if isinstance(value, list | tuple | QuerySet):
        return tuple(_hashable(item) for item in value)
    return value


# Filters on reference tables -> the reference copy (tickets.caching) holding their rows.
REFERENCE_FILTERS = {"status": "statuses", "priority": "priorities", "type": "types"}


def _status_ids(categories) -> list[int]:
    return caching.reference().status_ids(categories)


def access_organizations(user):
    """The client filter offers only organizations the person may see."""
    if user is None:
        return Organization.objects.none()
    return roles.visible_organizations(user).order_by("name")


# --- The queue's filter bar: what its menus offer and which filters are active ----------------


@dataclass(frozen=True)
class Option:
    """A checkbox of a filter menu (name, value and id already escaped)."""

    name: str
    value: str
    label: str
    checked: bool
    id: str


@dataclass(frozen=True)
class Chip:
    """An active filter (one value of it) and the query string without it."""

    name: str
    value: str
    url: str


def menu_options(user, name: str, chosen) -> list[Option]:
    """The choices of the filter name as checkboxes, those in chosen (the values in the URL)
    ticked. Statuses, priorities and types come from the cached reference rows; the
    organizations (customers' menu) are those the person sees, one query. The filter set is
    not needed: a filter without a value is not built (tickets.views.queue)."""
    if name == "category":
        choices = Status.Category.choices
    elif name == "assignee":
        choices = TicketFilter.ASSIGNEE_CHOICES
    elif name == "organization":
        choices = access_organizations(user).values_list("pk", "name")
    else:
        data = caching.reference()
        choices = [(row.pk, row.name) for row in getattr(data, REFERENCE_FILTERS[name]).values()]
    wanted = set(chosen)
    options = []
    for value, label in choices:
        value = str(value)
        options.append(Option(name, value, label, value in wanted, f"qf-{name}-{value}"))
    return options


def _without(params, name: str, value: str | None = None) -> str:
    """params as a query string without the filter name (or only its value), nor the page."""
    kept = params.copy()
    kept.pop("page", None)
    if value is None:
        for key in (name, *(name + suffix for suffix in RANGE_SUFFIXES)):
            kept.pop(key, None)
    else:
        kept.setlist(name, [v for v in kept.getlist(name) if v != value])
    return "?" + kept.urlencode()


def _period(value: slice) -> str:
    """A date range filter's value as words."""
    start, end = (
        formats.date_format(d, "SHORT_DATE_FORMAT") if d else "" for d in (value.start, value.stop)
    )
    if start and end:
        return gettext("%(start)s to %(end)s") % {"start": start, "end": end}
    if start:
        return gettext("from %(start)s") % {"start": start}
    return gettext("until %(end)s") % {"end": end}


def active_chips(filterset, explicit, people: dict[str, str]) -> list[Chip]:
    """The filters the person set (explicit: the URL's parameters, not a saved view's), one
    chip per value, in the form's order. A value the form refused has no chip (the page says
    why). people: names of the assignees chosen by id."""
    form = filterset.form
    cleaned = getattr(form, "cleaned_data", {})
    chips = []
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if name == "state" or not in_use(explicit, name) or value in (None, "", []):
            continue
        label = str(field.label)
        if isinstance(value, slice):
            chips.append(Chip(label, _period(value), _without(explicit, name)))
        elif isinstance(value, bool):
            answer = gettext("Yes") if value else gettext("No")
            chips.append(Chip(label, answer, _without(explicit, name)))
        elif isinstance(value, str):
            chips.append(Chip(label, f"“{value}”", _without(explicit, name)))
        elif isinstance(value, Model):
            chips.append(Chip(label, str(value), _without(explicit, name)))
        else:
            if name == "assignee":
                names = {**dict(TicketFilter.ASSIGNEE_CHOICES), **people}
            elif isinstance(field, forms.ModelMultipleChoiceField):
                names = {str(row.pk): str(row) for row in value}
            else:
                names = dict(field.choices)
            names = {str(key): str(text) for key, text in names.items()}
            for raw in dict.fromkeys(explicit.getlist(name)):
                if raw in names:
                    chips.append(Chip(label, names[raw], _without(explicit, name, raw)))
    return chips
