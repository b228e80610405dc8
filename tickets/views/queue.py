"""The ticket queue: the list with its filter menus and chips, sort, tabs (open, closed, all,
saved views) and the secondary filters panel loaded when opened; the person's row density.
Rows come from tickets.selectors (access.visible_tickets)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import services as account_services
from accounts.errors import AccountError

from .. import access, caching, selectors
from ..filters import (
    SAVED_VIEWS,
    STATES,
    TicketFilter,
    active_chips,
    filter_query,
    in_use,
    menu_options,
    with_default_state,
)
from ..paging import CappedPaginator, rows_by_ids
from ..templatetags.tickets import queue_rows

PAGE_SIZE = 25

# The filters of the bar (a menu each, the search box); the others are under "More filters".
MAIN_FILTERS = ("q", "state", "category", "status", "priority", "type", "organization", "assignee")


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
    default_state = with_default_state(params)
    # A filter costs its form field: built only when it has a value (the menus take their
    # options from the reference data, tickets.filters.menu_options), or every one of them for
    # the "More filters" panel, when asked for or when the person set one of its filters.
    if every_filter or _person_set_secondary(request):
        only = None
    else:
        only = ("q", *(name for name in TicketFilter.base_filters if in_use(params, name)))
    filterset, rows, sort = selectors.ticket_queue(request.user, params, only=only)
    return params, view, filterset, rows, sort, default_state


def _turns_overdue_at(tickets) -> float | None:
    """The first moment one of these rows may turn overdue (the earliest due date still ahead):
    their rendering is kept no later (tickets.caching.queue_rows)."""
    now = timezone.now()
    ahead = [t.resolution_due_at for t in tickets if t.resolution_due_at]
    ahead = [due for due in ahead if due > now]
    return min(ahead).timestamp() if ahead else None


def _page_rows(paginator, number, can_bulk, shown) -> tuple[caching.QueueRows, list]:
    """A page of the queue rendered: each row kept until its ticket changes
    (tickets.caching.queue_row_markup), only the others read and rendered. Also the tickets
    read."""
    ids, queryset = paginator.page_ids(number)
    tickets = []

    def render(missing):
        read = selectors.with_assignee_names(rows_by_ids(queryset, missing))
        tickets.extend(read)
        return {
            t.pk: caching.RowMarkup(queue_rows([t], can_bulk), _turns_overdue_at([t])) for t in read
        }

    rows = caching.queue_row_markup(ids, shown, render)
    turns = [row.turns_at for row in rows if row.turns_at is not None]
    parts = tuple(row.html for row in rows)
    return caching.QueueRows(parts, len(rows), min(turns) if turns else None), tickets


@vary_on_headers("HX-Request")
def ticket_list(request):
    params, view, filterset, rows, sort, default_state = _queue(request)
    found = selectors.queue_found(request.user, params, rows)
    paginator = CappedPaginator(rows, PAGE_SIZE, found=found)
    number = paginator.number_of(request.GET.get("page"))
    can_bulk = access.can_bulk_edit(request.user)
    tickets = None

    # What a row's markup depends on besides its ticket.
    row_shown = f"{int(can_bulk)}:{get_language()}:{get_current_timezone_name()}"

    def render_rows() -> caching.QueueRows:
        nonlocal tickets
        rows, tickets = _page_rows(paginator, number, can_bulk, row_shown)
        return rows

    # The page's rows are kept until the next ticket change (tickets.caching.queue_rows): what
    # they depend on besides the filters is in the key. Then only the changed rows render.
    shown = f"{number}:{sort}:{row_shown}"
    rows_shown = caching.queue_rows(request.user, params, shown, render_rows)
    refresh = bool(request.htmx and request.htmx.target == "queue-rows")
    context = {
        "page": Page(tickets or [], number, paginator),
        # The page's tickets when rendered by this request (None when the rows were cached).
        "tickets": tickets,
        "rows": rows_shown,
        "filter": filterset,
        "sort": sort,
        "view": view,
        "state": params.get("state", ""),
        "default_state": default_state,
        "columns": _sortable_columns(request, sort),
        "can_create": access.can_create_ticket(request.user),
        # The bulk bar's list of changes (people, statuses, priorities) is loaded when a first
        # row is ticked (bulk_changes): most views of the queue tick none.
        "can_bulk": can_bulk,
        "density": request.user.queue_density,
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
        "nav_active": "tickets",
    }
    if refresh:
        # The refresh every HELPDESK_REFRESH_SECONDS: the rows, and the top bar's to-do count
        # out of band, rather than the whole page.
        return render(request, "tickets/_queue_rows.html", {**context, "refresh": True})
    return render(request, "tickets/list.html", {**context, **_filter_bar(request, filterset)})


def _filter_bar(request, filterset) -> dict:
    """What the filter bar shows: tabs, a menu per main filter (ticked from the URL, not from a
    saved view), the chips of the filters set, the panel of the others, saved filter tabs."""
    user, chosen = request.user, request.GET
    pickers = access.uses_queue_pickers(user)
    people = access.queue_assignee_names(user, chosen.getlist("assignee")) if pickers else {}
    more_open = _person_set_secondary(request) or any(
        name in SECONDARY_FILTERS for name in filterset.form.errors
    )
    current_query = filter_query(chosen)
    saved = selectors.saved_filters(user)
    active_saved = next((f for f in saved if f.query == current_query), None)
    form = filterset.form
    tabs = _state_tabs(request)
    counts = {name: sum(1 for v in chosen.getlist(name) if v) for name in MAIN_FILTERS}
    counts["status"] += counts["category"]
    kept = chosen.copy()
    for name in list(kept):
        if name not in ("state", "view", "sort"):
            kept.pop(name)
    return {
        "main_filters": MAIN_FILTERS,
        "tabs": tabs,
        "counts": counts,
        "clear_url": "?" + kept.urlencode(),
        "all_url": "?" + _with(chosen, state="all"),
        "menus": {
            "category": menu_options(user, "category", chosen.getlist("category")),
            "status": menu_options(user, "status", chosen.getlist("status")),
            "priority": menu_options(user, "priority", chosen.getlist("priority")),
            "type": menu_options(user, "type", chosen.getlist("type")),
            # Customers tick among their organizations; staff search them (a picker).
            "organization": []
            if pickers
            else menu_options(user, "organization", chosen.getlist("organization")),
            "assignee": menu_options(user, "assignee", chosen.getlist("assignee")),
        },
        "chosen_organizations": [
            (str(row.pk), row.name)
            for row in (form.cleaned_data.get("organization") or [])
            if pickers and str(row.pk) in chosen.getlist("organization")
        ],
        "chosen_people": list(people.items()),
        "pickers": pickers,
        "chips": active_chips(filterset, chosen, people),
        "filter_errors": [
            (form.fields[name].label, error)
            for name, errors in form.errors.items()
            if name in form.fields
            for error in errors
        ],
        "more_filters_open": more_open,
        "more_filters_active": sum(1 for name in SECONDARY_FILTERS if in_use(chosen, name)),
        "saved_views": SAVED_VIEWS if access.can_use_saved_views(user) else {},
        "saved_filters": saved,
        "active_saved": active_saved,
        "current_query": current_query,
        "can_save_filter": bool(current_query) and access.can_use_saved_views(user),
    }


def _state_tabs(request) -> list[dict]:
    """Open (the default), Closed, All: like the saved views, a tab starts without filters."""
    current = request.GET.get("state", "") or ("" if request.GET.get("view") else "open")
    return [
        {
            "key": key,
            "label": label,
            "url": "?" if key == "open" else f"?state={key}",
            "active": key == current,
        }
        for key, label in STATES.items()
    ]


def more_filters(request):
    """The queue's secondary filters, loaded when the person opens them."""
    filterset = _queue(request, every_filter=True)[2]
    return render(
        request,
        "tickets/_more_filters.html",
        {"filter": filterset, "main_filters": MAIN_FILTERS},
    )


@require_POST
def queue_density(request):
    """The person's choice of compact or comfortable rows, kept on their account."""
    try:
        account_services.set_queue_density(
            actor=request.user, density=request.POST.get("density", "")
        )
    except AccountError as error:
        messages.error(request, str(error))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("tickets:list")
    return redirect(back)


def _with(params, **values) -> str:
    """params as a query string with values set, without the page."""
    params = params.copy()
    params.pop("page", None)
    for name, value in values.items():
        params[name] = value
    return params.urlencode()


def _sortable_columns(request, sort):
    """Header links: clicking a column sorts by it, clicking again reverses; filters kept."""
    columns = []
    for key, label, css in (
        ("number", _("Number"), "q-number"),
        ("title", _("Title"), "q-title"),
        ("client", _("Client"), "q-client"),
        ("status", _("Status"), "q-status"),
        ("priority", _("Priority"), "q-priority"),
        (None, _("Assignees"), "q-assignees"),
        ("created", _("Created"), "q-created"),
        ("updated", _("Last update"), "q-updated"),
    ):
        if key is None:
            columns.append({"label": label, "css": css})
            continue
        params = request.GET.copy()
        params.pop("page", None)
        current = sort.lstrip("-") == key
        params["sort"] = key if current and sort.startswith("-") else f"-{key}"
        direction = ("desc" if sort.startswith("-") else "asc") if current else ""
        columns.append(
            {"label": label, "url": "?" + params.urlencode(), "direction": direction, "css": css}
        )
    return columns
