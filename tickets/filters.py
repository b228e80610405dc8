"""Queue filters, sorts and saved views: everything lives in the URL (shareable, back button).

The filter set narrows a queryset that already comes from access.visible_tickets(user); it
never widens it. Assignee and follower filters use EXISTS subqueries (no join + distinct).
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Organization, Role
from accounts.selectors import organization_names
from core import forms as core_forms

from . import access, caching, search, sla
from .forms import show_reference_rows
from .models import FINAL_CATEGORIES, Component, Priority, Status, Ticket, TicketType


def yes_no():
    """A yes/no filter that shows "—" (no filter) rather than "Unknown"."""
    return forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))])


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


class TicketFilter(django_filters.FilterSet):
    ASSIGNEE_CHOICES = [("me", _("Me")), ("none", _("Unassigned")), ("any", _("Anyone"))]

    status = django_filters.ModelMultipleChoiceFilter(
        distinct=False, label=_("Status"), queryset=Status.objects.order_by("order")
    )
    category = django_filters.MultipleChoiceFilter(
        distinct=False,
        label=_("Status category"),
        choices=Status.Category.choices,
        method="filter_category",
    )
    open = django_filters.BooleanFilter(label=_("Open only"), method="filter_open", widget=yes_no())
    type = django_filters.ModelMultipleChoiceFilter(
        distinct=False, label=_("Type"), queryset=TicketType.objects.order_by("order")
    )
    priority = django_filters.ModelMultipleChoiceFilter(
        distinct=False, label=_("Priority"), queryset=Priority.objects.order_by("order")
    )
    criticality = django_filters.MultipleChoiceFilter(
        distinct=False, label=_("Criticality"), choices=Ticket.Criticality.choices
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"),
        choices=ASSIGNEE_CHOICES,
        method="filter_assignee",
        empty_label=_("All"),
    )
    followed = django_filters.BooleanFilter(
        label=_("Followed by me"), method="filter_followed", widget=yes_no()
    )
    organization = django_filters.ModelChoiceFilter(
        label=_("Client"), queryset=Organization.objects.none()
    )
    sales_rep = django_filters.ModelChoiceFilter(
        label=_("Sales rep"), queryset=None, method="filter_sales_rep"
    )
    support_level = django_filters.TypedMultipleChoiceFilter(
        distinct=False, label=_("Support level"), choices=Ticket.Level.choices, coerce=int
    )
    component = django_filters.ModelMultipleChoiceFilter(
        distinct=False, label=_("Component"), queryset=Component.objects.order_by("order")
    )
    channel = django_filters.MultipleChoiceFilter(
        distinct=False, label=_("Channel"), choices=Ticket.Channel.choices
    )
    created = django_filters.DateFromToRangeFilter(
        label=_("Created between"), field_name="created_at"
    )
    updated = django_filters.DateFromToRangeFilter(
        label=_("Updated between"), field_name="last_activity_at"
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=yes_no()
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
        if "sales_rep" in self.filters:
            self.filters["sales_rep"].queryset = roles.users_with_role(Role.Code.SALES).order_by(
                "last_name"
            )

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            # The options shown come from the cached reference data rather than a query a
            # page; a chosen value is still checked against the table (the field's queryset).
            data = caching.reference()
            for name, table in REFERENCE_FILTERS.items():
                if name in form.fields:
                    show_reference_rows(form.fields[name], getattr(data, table).values())
            if (
                "organization" in form.fields
                and roles.visible_organization_ids(self.user) is roles.ALL
            ):
                # Every organization: the cached names, not hundreds of model instances.
                field = form.fields["organization"]
                field.widget.choices = [("", field.empty_label), *organization_names()]
        return self._form

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
        through = Ticket.assignees.through
        assigned = through.objects.filter(ticket_id=OuterRef("pk"))
        if value == "me":
            return queryset.filter(Exists(assigned.filter(user_id=self.user.pk)))
        if value == "none":
            return queryset.filter(is_assigned=False)
        if value == "any":
            return queryset.filter(is_assigned=True)
        return queryset

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


# Filters on reference tables -> the reference copy (tickets.caching) holding their rows.
REFERENCE_FILTERS = {"status": "statuses", "priority": "priorities", "type": "types"}


def _status_ids(categories) -> list[int]:
    return caching.reference().status_ids(categories)


def access_organizations(user):
    """The client filter offers only organizations the person may see."""
    if user is None:
        return Organization.objects.none()
    return roles.visible_organizations(user).order_by("name")
