"""Page-shaped reads of tickets; each starts from tickets.access."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core import prepared as core_prepared

from . import access, caching, search, sla
from .filters import DEFAULT_SORT, TicketFilter, in_use, order_fields
from .models import (
    Asset,
    Attachment,
    Component,
    Event,
    Priority,
    Project,
    SavedFilter,
    Status,
    Ticket,
    TicketType,
)
from .paging import CAP, CompiledList, capped_count, count_rows, ids_values, rows_by_ids

# Status, priority and type are attached from tickets.caching by rows_by_ids, not joined.
LIST_RELATED = ("organization", "requester", "last_activity_by")
# The columns a row shows (queue, dashboard, related tickets): the rest is never read there, and
# building 25 rows of 7 models with every column is a good part of a page's time.
_PERSON = ("first_name", "last_name", "email")
LIST_FIELDS = (
    "number",
    "title",
    "is_overdue",
    # What tickets.sla.is_overdue reads: rows say "Overdue" from the minute the due date passes.
    "resolution_due_at",
    "sla_paused_at",
    "resolved_at",
    "closed_at",
    "contact_email",
    "created_at",
    "last_activity_at",
    "type",
    "status",
    "priority",
    "organization__name",
    *(f"requester__{name}" for name in _PERSON),
    *(f"last_activity_by__{name}" for name in _PERSON),
)


def ticket_list_rows(user) -> QuerySet[Ticket]:
    """The ticket lists: newest activity first, with what a row shows (the queue also shows
    the assignees: with_assignee_names)."""
    return (
        access.visible_tickets(user)
        .select_related(*LIST_RELATED)
        .only(*LIST_FIELDS)
        .order_by("-last_activity_at", "-id")
    )


@dataclass(frozen=True)
class SavedTab:
    """A saved filter set as the queue's tabs show it."""

    pk: int
    name: str
    query: str


def saved_filters(user) -> list[SavedTab]:
    """The person's saved queue filters, by name: read on every queue page, so kept until they
    save or delete one (tickets.caching.saved_filters)."""
    if not access.can_use_saved_views(user):
        return []

    def rows():
        return list(SavedFilter.objects.filter(owner=user).values_list("pk", "name", "query"))

    return [SavedTab(*row) for row in caching.saved_filters(user, rows)]


def with_assignee_names(tickets: list[Ticket]) -> list[Ticket]:
    """Give each ticket of a queue page its assignee_names (full name, or email), in the
    users' order: one query on the assignees table, where a prefetch builds a queryset and a
    user per assignee."""
    names: dict[int, list[str]] = {ticket.pk: [] for ticket in tickets}
    if names:
        ids = list(names)
        _, rows = _assignee_names_statement(len(ids)).rows(**ids_values(ids))
        for ticket_id, first_name, last_name, email in rows:
            names[ticket_id].append(f"{first_name} {last_name}".strip() or email)
    for ticket in tickets:
        ticket.assignee_names = names[ticket.pk]
    return tickets


@functools.lru_cache(maxsize=64)
def _assignee_names_statement(count: int) -> caching.Prepared:
    """with_assignee_names' query for count tickets, compiled once per process."""

    def make(**ids):
        return (
            Ticket.assignees.through.objects.filter(ticket_id__in=list(ids.values()))
            .order_by(*(f"user__{field}" for field in User._meta.ordering))
            .values_list("ticket_id", *(f"user__{field}" for field in _PERSON))
        )

    return caching.Prepared(make, *ids_values(range(count)))


def related_tickets(
    user, *, organization=None, contact=None, asset=None, project=None
) -> QuerySet[Ticket]:
    """Tickets concerning an organization, an equipment or a project, or concerning
    (requester) or filed by (reporter) a contact, that user may see: newest activity first
    (seed 003, a contact's record, an equipment's history)."""
    rows = ticket_list_rows(user)
    if asset is not None:
        rows = rows.filter(asset=asset)
    if project is not None:
        rows = rows.filter(project=project)
    if organization is not None:
        rows = rows.filter(organization=organization)
    if contact is not None:
        rows = rows.filter(Q(requester=contact) | Q(reporter=contact))
    return rows


def ticket_queue(user, params, *, only=None):
    """The filtered, sorted queue: (filter set for the form, rows, sort). Rows are a queryset,
    a tickets.search.RankedSearch for a search in the default order (PostgreSQL), or, for staff
    who see every ticket (what their SQL is made from is the filters and the person), a
    tickets.paging.CompiledList; either of the last two counts and reads its ids by SQL kept
    per process. only: the filters to build, when the others have no value
    (tickets.filters.TicketFilter)."""
    rows = ticket_list_rows(user)
    filterset = TicketFilter(params, queryset=rows, user=user, only=only)
    valid = filterset.is_valid()
    sort = params.get("sort") or ""
    text = (filterset.form.cleaned_data.get("q") or "").strip() if valid else ""
    key = _statement_key(user, filterset) if valid else None
    if text and not sort and search.uses_full_text():
        # A search without a chosen sort: best match first (tickets.search).
        unsearched = filterset.filter_unsearched(rows)
        with_internal = access.sees_internal(user)
        ranked = search.RankedSearch(unsearched, text, with_internal=with_internal, key=key)
        return filterset, ranked, sort
    if text and not sort:
        order = ("-search_rank", "-last_activity_at", "-id")
    else:
        sort = sort or DEFAULT_SORT
        order = order_fields(sort)
    if key is not None:
        return filterset, CompiledList(lambda: filterset.qs.order_by(*order), key, rows), sort
    if valid:
        rows = filterset.qs
    return filterset, rows.order_by(*order), sort


def _statement_key(user, filterset) -> tuple | None:
    """What the SQL of user's queue with these valid filters is made from
    (tickets.paging.compiled; the sort is among the parameters), or None when it is not to be
    kept: people who do not see every ticket (their scope is in the SQL), filters that depend
    on the time of day."""
    if not access.sees_every_ticket(user):
        return None
    values = filterset.statement_values()
    if values is None:
        return None
    return (user.pk, access.sees_internal(user), caching.reference().version, values)


def _final_ids() -> list[int]:
    """Ids of the final statuses, so counters filter on the indexed status_id."""
    return caching.reference().status_ids(FINAL)


def queue_found(user, params, rows) -> int:
    """The queue's capped count for the paginator, cached until the next ticket change
    (tickets.caching.queue_count). A ranked search (search.RankedSearch) keeps its count and
    its ranked block the same way (caching.ranked_search)."""
    if isinstance(rows, search.RankedSearch):
        return rows.restore(caching.ranked_search(user, params, lambda: rows.ranked(CAP)))
    if in_use(params, "overdue"):
        # Time alone changes who is overdue: counted at each read, like the dashboard's.
        return count_rows(rows)
    return caching.queue_count(user, params, lambda: count_rows(rows))


def _scope(user) -> str:
    """Users who see every ticket share the organization-wide counters."""
    return "all" if access.sees_every_ticket(user) else f"user{user.pk}"


# The to-do count stops here (shown "999+", templatetags.tickets.counter): counting tens of
# thousands of assignments cost a tenth of a second after every ticket change.
COUNTER_CAP = 999


def _my_open_count(user, final: list[int]) -> int:
    """Open tickets assigned to user (up to COUNTER_CAP + 1), counted from the assignees table
    (indexed on user)."""
    if access.sees_every_ticket(user):
        return _assigned_open_statement(tuple(final)).count(user=user.pk)
    rows = Ticket.assignees.through.objects.filter(user_id=user.pk).exclude(
        ticket__status_id__in=final
    )
    rows = rows.filter(ticket__in=access.visible_tickets(user))
    return capped_count(rows, COUNTER_CAP)


@functools.lru_cache(maxsize=16)
def _assigned_open_statement(final: tuple[int, ...]) -> caching.Prepared:
    """The to-do count of staff who see every ticket, the same statement for each of them
    (compiled once per process for these final statuses): it is counted again after every
    ticket change, on every page."""

    def make(user):
        rows = Ticket.assignees.through.objects.filter(user_id=user)
        rows = rows.exclude(ticket__status_id__in=list(final))
        return rows.values("pk").order_by()[: COUNTER_CAP + 1]

    return caching.Prepared(make, "user")


_STATEMENTS: dict[tuple, tuple] = {}


def _every_ticket_statements(user, key: tuple, build: Callable) -> tuple:
    """build(tickets, *key[1:]): statements over the tickets of staff who see every ticket (the
    same queryset for each of them, access.visible_tickets), compiled once per process for key
    (the statuses they depend on)."""
    statements = _STATEMENTS.get(key)
    if statements is None:
        if len(_STATEMENTS) > 32:  # reference statuses changed many times: start again
            _STATEMENTS.clear()
        statements = _STATEMENTS[key] = build(access.visible_tickets(user), *key[1:])
    return statements


def _shared_counts_statements(tickets, final: tuple[int, ...], new: tuple[int, ...]):
    """The dashboard's shared counters of staff who see every ticket (dashboard_counts: new,
    unassigned, closed today, closed this week), counted in one round trip after every ticket
    change."""
    tickets = tickets.order_by().values("pk")
    closed = caching.Prepared(
        lambda since: tickets.filter(closed_at__gte=since), moments=("since",)
    )
    return (
        caching.Prepared(lambda: tickets.filter(status_id__in=list(new))),
        caching.Prepared(
            lambda: tickets.filter(is_assigned=False).exclude(status_id__in=list(final))
        ),
        closed,
        closed,
    )


def _overdue_statements(tickets, final: tuple[int, ...]):
    """overdue_count's two reads for staff who see every ticket."""
    open_tickets = tickets.exclude(status_id__in=list(final)).order_by()

    def late(now):
        return open_tickets.filter(sla.overdue_q(now)).values("pk")

    def following(now):
        # The next one to turn overdue (overdue_q's conditions, due from now on): the same index.
        rows = open_tickets.filter(
            resolved_at__isnull=True,
            closed_at__isnull=True,
            sla_paused_at__isnull=True,
            resolution_due_at__gte=now,
        )
        return rows.order_by("resolution_due_at").values_list("resolution_due_at")[:1]

    return (
        caching.Prepared(late, moments=("now",)),
        caching.Prepared(following, moments=("now",)),
    )


def dashboard_counts(user) -> dict[str, int]:
    """Staff dashboard counters: indexed COUNTs, cached until the next ticket change
    (tickets.caching.dashboard_counts)."""

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())

    def shared():
        final = _final_ids()
        new = caching.reference().status_ids([Status.Category.NEW])
        if access.sees_every_ticket(user):
            statements = _every_ticket_statements(
                user, ("shared", tuple(final), tuple(new)), _shared_counts_statements
            )
            values = ({}, {}, {"since": today}, {"since": week})
            numbers = core_prepared.counts(*zip(statements, values, strict=True))
            names = ("new", "unassigned", "closed_today", "closed_week")
            return dict(zip(names, numbers, strict=True))
        tickets = access.visible_tickets(user)
        return {
            "new": tickets.filter(status_id__in=new).count(),
            "unassigned": tickets.filter(is_assigned=False).exclude(status_id__in=final).count(),
            "closed_today": tickets.filter(closed_at__gte=today).count(),
            "closed_week": tickets.filter(closed_at__gte=week).count(),
        }

    counts = dict(caching.dashboard_counts(_scope(user), today, shared))
    counts["overdue"] = overdue_count(user)
    counts["mine"] = todo_count(user)
    return counts


def overdue_count(user) -> int:
    """Open tickets past their due date now (tickets.sla.overdue_q): an index scan of the
    overdue open tickets (ticket_due_idx). Time alone makes a ticket overdue, so the count is
    kept until the next ticket change and no later than the next due date among the open
    tickets (tickets.caching.overdue_count)."""

    def compute() -> tuple[int, float | None]:
        now = timezone.now()
        if access.sees_every_ticket(user):
            final = tuple(_final_ids())
            late_statement, next_statement = _every_ticket_statements(
                user, ("overdue", final), _overdue_statements
            )
            late = late_statement.count(now=now)
            _, rows = next_statement.rows(now=now)
            following = rows[0][0] if rows else None
            return late, following.timestamp() if following else None
        open_tickets = access.visible_tickets(user).exclude(status_id__in=_final_ids())
        late = open_tickets.filter(sla.overdue_q(now)).count()
        # The next one to turn overdue (overdue_q's conditions, due from now on): the same index.
        following = (
            open_tickets.filter(
                resolved_at__isnull=True,
                closed_at__isnull=True,
                sla_paused_at__isnull=True,
                resolution_due_at__gte=now,
            )
            .order_by("resolution_due_at")
            .values_list("resolution_due_at", flat=True)
            .first()
        )
        return late, following.timestamp() if following else None

    return caching.overdue_count(_scope(user), compute)


def todo_count(user) -> int:
    """The number in the top bar: staff, their open assigned tickets; customers, their tickets
    waiting on them."""

    def compute():
        if access.sees_internal(user):
            return _my_open_count(user, _final_ids())
        waiting = caching.reference().status_ids([Status.Category.WAITING_CLIENT])
        return capped_count(access.visible_tickets(user).filter(status_id__in=waiting), COUNTER_CAP)

    return caching.todo_count(user, compute)


def dashboard_rows(user, *, limit: int = 10) -> list[Ticket]:
    """Staff: the open tickets assigned to them. Customers: their open visible tickets."""
    rows = ticket_list_rows(user).exclude(status_id__in=_final_ids())
    if access.sees_internal(user):
        rows = rows.filter(assignees=user)
    # Ids first, then the rows by id (tickets.paging).
    return rows_by_ids(rows, list(rows.values_list("pk", flat=True)[:limit]))


FINAL = {Status.Category.RESOLVED, Status.Category.CLOSED, Status.Category.CANCELLED}

_FIELD_MODELS = {
    "priority": Priority,
    "type": TicketType,
    "component": Component,
    "asset": Asset,
    "project": Project,
}


def timeline(user, ticket: Ticket, *, ids=None) -> list[Event]:
    """The events user may see, oldest first, with attachments and readable old/new values;
    ids: only those events (a window of the timeline, timeline_outline).

    A fixed number of queries whatever the number of events: events, attachments, and one query
    per equipment or project table named in the changes."""
    if ids is not None:
        # The ticket page's window (after a change, the one new event): both reads compiled
        # once per process for each number of ids.
        ids = list(dict.fromkeys(ids))
        values = {"ticket": ticket.pk, **ids_values(ids)}
        statement = _events_statement(access.sees_internal(user), len(ids))
        events = statement.models(**values) if ids else []
        _attach_attachments(events)
    else:
        events = list(
            access.visible_events(user, ticket)
            .select_related("actor")
            .prefetch_related(
                Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
            )
            .order_by("action_at", "id")
        )
    status_ids: set[int] = set()
    field_ids: dict[str, set[int]] = {name: set() for name in _FIELD_MODELS}
    for event in events:
        data = event.data or {}
        if event.kind in (Event.Kind.STATUS, Event.Kind.REOPEN, Event.Kind.CLAIM) and data:
            status_ids.update(v for v in (data.get("old"), data.get("new")) if v)
        if event.kind == Event.Kind.FIELD and data.get("field") in field_ids:
            field_ids[data["field"]].update(v for v in (data.get("old"), data.get("new")) if v)
    # Statuses, priorities, types and components from the reference copy (every row, retired
    # ones included): a query only for the equipment and projects named.
    reference = caching.reference()
    names = {
        "status": reference.statuses,
        "priority": reference.priorities,
        "type": reference.types,
        "component": reference.components,
    }
    for name, model in _FIELD_MODELS.items():
        if name not in names:
            names[name] = _names(model, field_ids[name])
    for event in events:
        _describe(event, names)
    return events


@functools.lru_cache(maxsize=128)
def _events_statement(with_internal: bool, count: int) -> caching.Prepared:
    def make(ticket, **ids):
        events = access.events_shown(ticket, with_internal=with_internal)
        events = events.filter(pk__in=list(ids.values())).select_related("actor")
        return events.order_by("action_at", "id")

    return caching.Prepared(make, "ticket", *ids_values(range(count)))


@functools.lru_cache(maxsize=64)
def _attachments_statement(count: int) -> caching.Prepared:
    def make(**ids):
        return Attachment.objects.filter(event_id__in=list(ids.values())).order_by(
            "created_at", "id"
        )

    return caching.Prepared(make, *ids_values(range(count)))


def _attach_attachments(events: list[Event]) -> None:
    """Each event's attachments (in upload order) as event.attachments.all() gives them, read in
    one query, as a prefetch would."""
    by_id = {event.pk: event for event in events}
    files: dict[int, list[Attachment]] = {pk: [] for pk in by_id}
    if by_id:
        for attachment in _attachments_statement(len(by_id)).models(**ids_values(list(by_id))):
            Attachment.event.field.set_cached_value(attachment, by_id[attachment.event_id])
            files[attachment.event_id].append(attachment)
    for event in events:
        rows = event.attachments.all()
        rows._result_cache = files[event.pk]
        rows._prefetch_done = True
        event._prefetched_objects_cache = {"attachments": rows}


# The ticket page shows this many of the newest events; earlier ones are loaded on demand, as
# many at a time (tickets.views.detail.ticket_timeline_earlier).
TIMELINE_SHOWN = 30


@dataclass(frozen=True)
class TimelineOutline:
    """What the ticket page needs to know of its timeline without reading the events."""

    ids: list[int]  # the shown events' ids, oldest first (the newest TIMELINE_SHOWN)
    filed_at: object  # the creation event's action time (a phone call's time), or None
    development_numbers: list[int]  # development tickets made from it, newest first
    earlier: int | None  # the oldest shown event's id when earlier ones exist, else None

    @property
    def event_ids(self) -> str:
        """The shown events' ids, comma-separated: the cache key of their rendering."""
        return ",".join(map(str, self.ids))


_OUTLINE_FIELDS = ("pk", "kind", "action_at", "data")


def _outline_statement(with_internal: bool, window: bool) -> caching.Prepared:
    """The visible events' ids, kinds, times and data, newest first: the shown window (one
    more, to know whether earlier ones exist), or only the creation and the transfers."""

    def make(ticket):
        rows = access.events_shown(ticket, with_internal=with_internal)
        if not window:
            rows = rows.filter(kind__in=[Event.Kind.CREATED, Event.Kind.LINK])
        rows = rows.order_by("-action_at", "-id").values_list(*_OUTLINE_FIELDS)
        return rows[: TIMELINE_SHOWN + 1] if window else rows

    return caching.Prepared(make, "ticket")


_OUTLINES = {
    (internal, window): _outline_statement(internal, window)
    for internal in (True, False)
    for window in (True, False)
}


def timeline_outline(user, ticket: Ticket) -> TimelineOutline:
    """One query of the newest visible events' ids, kinds and times (no actors, attachments
    or bodies): the page renders the timeline from its cache under these ids, and reads the
    events (timeline()) only when that list of events is not cached yet. A longer timeline
    shows its newest TIMELINE_SHOWN events, and a second query finds its creation and
    transfers."""
    internal = access.sees_internal(user)
    _, rows = _OUTLINES[internal, True].rows(ticket=ticket.pk)
    shown = rows[:TIMELINE_SHOWN]
    earlier = shown[-1][0] if len(rows) > TIMELINE_SHOWN else None
    if earlier is not None:
        _, rows = _OUTLINES[internal, False].rows(ticket=ticket.pk)
    filed_at = next((at for _, kind, at, _ in rows if kind == Event.Kind.CREATED), None)
    # A transfer's event names the ticket it made (tickets.services.filing).
    development = [
        data["number"]
        for _, kind, _, data in rows
        if kind == Event.Kind.LINK
        and (data or {}).get("link") == "transferred_to"
        and data.get("number")
    ]
    return TimelineOutline([row[0] for row in reversed(shown)], filed_at, development, earlier)


@dataclass(frozen=True)
class TimelineWindow:
    """The ticket page's shown events as ids, newest first, and read(ids) giving the events of
    some of them (timeline()): the page's timeline tag reads only those whose item is not
    cached (tickets.templatetags.tickets.timeline_events)."""

    ids: list[int]
    read: Callable[[list[int]], list[Event]]


def timeline_window(user, ticket: Ticket, outline: TimelineOutline) -> TimelineWindow:
    return TimelineWindow(
        outline.ids[::-1], lambda ids: timeline(user, ticket, ids=ids) if ids else []
    )


def timeline_before(user, ticket: Ticket, before) -> tuple[list[Event], int | None]:
    """The TIMELINE_SHOWN visible events just before the visible event before (an id), oldest
    first, and the oldest one's id when there are earlier ones still (else None); Http404 for
    an event the person does not see."""
    events = access.visible_events(user, ticket)
    try:
        anchor = events.filter(pk=int(before)).values_list("action_at", "id").get()
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    at, pk = anchor
    older = events.filter(Q(action_at__lt=at) | Q(action_at=at, id__lt=pk))
    newest_first = older.order_by("-action_at", "-id").values_list("pk", flat=True)
    ids = list(newest_first[: TIMELINE_SHOWN + 1])
    shown = ids[:TIMELINE_SHOWN]
    rows = timeline(user, ticket, ids=shown) if shown else []
    return rows, (shown[-1] if len(ids) > TIMELINE_SHOWN else None)


def _names(model, ids: set[int]) -> dict[int, object]:
    if not ids:
        return {}
    return {row.pk: row for row in model.objects.filter(pk__in=ids)}


def _describe(event: Event, names: dict) -> None:
    data = event.data or {}
    event.old_display = event.new_display = None
    if event.kind in (Event.Kind.STATUS, Event.Kind.REOPEN, Event.Kind.CLAIM) and data.get("new"):
        event.old_display = names["status"].get(data.get("old"))
        event.new_display = names["status"].get(data.get("new"))
    elif event.kind == Event.Kind.FIELD:
        field = data.get("field")
        old, new = data.get("old"), data.get("new")
        if field in _FIELD_MODELS:
            old, new = names[field].get(old), names[field].get(new)
        elif field == "support_level":
            old, new = Ticket.Level(old).label if old else old, Ticket.Level(new).label
        elif field == "criticality":
            known = caching.reference().criticalities
            old, new = (known[code].name if code in known else code for code in (old, new))
        elif field == "followers":
            old, new = ", ".join(old or []), ", ".join(new or [])
        elif field == "description":
            old = new = None  # too long for a line: the ticket shows the current text
        event.old_display, event.new_display = old, new
        event.field_label = FIELD_LABELS.get(field, field)


def _field_labels():
    return {
        name: Ticket._meta.get_field(name).verbose_name
        for name in (
            "title",
            "description",
            "priority",
            "type",
            "component",
            "support_level",
            "criticality",
            "asset",
            "project",
            "followers",
        )
    }


FIELD_LABELS = _field_labels()
