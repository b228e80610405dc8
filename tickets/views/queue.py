"""The ticket queue: the list with its filters, sort and saved-view tabs, and the secondary
filters panel loaded when opened. Rows come from tickets.selectors (access.visible_tickets)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from .. import access, selectors
from ..filters import SAVED_VIEWS, TicketFilter, filter_query, in_use
from ..paging import CappedPaginator

PAGE_SIZE = 25


MAIN_FILTERS = ("q", "category", "priority", "organization")


SECONDARY_FILTERS = tuple(name for name in TicketFilter.base_filters if name not in MAIN_FILTERS)


def _person_set_secondary(request) -> bool:
    """The person chose one of the filters under "More filters" (not a saved view)."""
    return any(in_use(request.GET, name) for name in SECONDARY_FILTERS)


def _queue(request, *, every_filter=False):
    params = request.GET.copy()
    view = params.pop("view", [""])[0]
    if view in SAVED_VIEWS and access.can_use_saved_views(request.user):
        # The view's filters are defaults: a filter the person set in the form wins (picking
        # "Me" as assignee in "Unassigned" shows their tickets).
        for name, value in SAVED_VIEWS[view][1].items():
            params.setdefault(name, value)
    # The other filters are built only when the panel that shows them is: when asked for, or
    # when the person set one of them. Otherwise the main ones and those a saved view sets,
    # each filter costing its form field.
    if every_filter or _person_set_secondary(request):
        only = None
    else:
        only = (*MAIN_FILTERS, *(name for name in SECONDARY_FILTERS if in_use(params, name)))
    filterset, rows, sort = selectors.ticket_queue(request.user, params, only=only)
    return params, view, filterset, rows, sort


@vary_on_headers("HX-Request")
def ticket_list(request):
    params, view, filterset, rows, sort = _queue(request)
    found = selectors.queue_found(request.user, params, rows)
    page = CappedPaginator(rows, PAGE_SIZE, found=found).get_page(request.GET.get("page"))
    # The other filters are rendered when opened (htmx), unless the person set one of them:
    # those a saved view sets leave the panel closed, so the rows come first, and the summary
    # says how many are active.
    more_open = _person_set_secondary(request) or any(
        name in SECONDARY_FILTERS for name in filterset.form.errors
    )
    more_active = sum(1 for name in SECONDARY_FILTERS if in_use(params, name))
    refresh = bool(request.htmx and request.htmx.target == "queue-rows")
    # The person's saved filter sets (tabs), and the one shown if any (not for a refresh).
    current_query = filter_query(request.GET)
    saved = [] if refresh else selectors.saved_filters(request.user)
    active_saved = next((f for f in saved if f.query == current_query), None)
    context = {
        "page": page,
        "tickets": selectors.with_assignee_names(list(page.object_list)),
        "filter": filterset,
        "sort": sort,
        "view": view,
        "main_filters": MAIN_FILTERS,
        "more_filters_open": more_open,
        "more_filters_active": more_active,
        "saved_views": SAVED_VIEWS if access.can_use_saved_views(request.user) else {},
        "saved_filters": saved,
        "active_saved": active_saved,
        "current_query": current_query,
        "can_save_filter": bool(current_query) and access.can_use_saved_views(request.user),
        "columns": _sortable_columns(request, sort),
        "can_create": access.can_create_ticket(request.user),
        # The bulk bar's list of changes (people, statuses, priorities) is loaded when a first
        # row is ticked (bulk_changes): most views of the queue tick none.
        "can_bulk": access.can_bulk_edit(request.user),
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
        "nav_active": "tickets",
    }
    if refresh:
        # The refresh every HELPDESK_REFRESH_SECONDS: the rows, and the top bar's to-do count
        # out of band, rather than the whole page.
        return render(request, "tickets/_queue_rows.html", {**context, "refresh": True})
    return render(request, "tickets/list.html", context)


def more_filters(request):
    """The queue's secondary filters, loaded when the person opens them."""
    filterset = _queue(request, every_filter=True)[2]
    return render(
        request,
        "tickets/_more_filters.html",
        {"filter": filterset, "main_filters": MAIN_FILTERS},
    )


def _sortable_columns(request, sort):
    """Header links: clicking a column sorts by it, clicking again reverses; filters kept."""
    columns = []
    for key, label in (
        ("number", _("Number")),
        ("title", _("Title")),
        ("client", _("Client")),
        ("status", _("Status")),
        ("priority", _("Priority")),
        (None, _("Assignees")),
        ("created", _("Created")),
        ("updated", _("Last update")),
    ):
        if key is None:
            columns.append({"label": label})
            continue
        params = request.GET.copy()
        params.pop("page", None)
        current = sort.lstrip("-") == key
        params["sort"] = key if current and sort.startswith("-") else f"-{key}"
        direction = ("desc" if sort.startswith("-") else "asc") if current else ""
        columns.append({"label": label, "url": "?" + params.urlencode(), "direction": direction})
    return columns
