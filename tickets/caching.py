"""Every cached read of tickets, and what makes each one stale. Services call one function after
a change, and nothing else clears these caches (no signals, nothing wired at import):

- tickets_changed(): any ticket write (a verb, a periodic job, the demo seed). The counters, the
  queue's page counts, its ranked search blocks and its rendered rows are cached under one
  generation number, which this moves on; each value is also kept at most
  HELPDESK_COUNTERS_CACHE_SECONDS (rows: and not past the moment one turns overdue).
- reference_changed(): a status, priority, ticket type, component, the calendar, a holiday or a
  canned reply was saved or deleted (the Django admin is where they are edited: tickets.admin).
  It also moves the tickets generation: the queue's cached rows show statuses and priorities.
- saved_filters_changed(user): the person saved or deleted one of their saved queue filters
  (the tabs read on every queue page).

Reference rows (statuses, priorities, types on every row of every list; the calendar and the
canned replies on every ticket page) are a handful each. Joining them into the rows query costs
PostgreSQL more to plan than to run, so lists attach them from here (attach_reference). Each
process keeps its own copy, valid while the version number in the shared cache is the one it was
loaded under: a page reads one small integer rather than the rows. A write that did not call
reference_changed() (a bulk update in a shell) shows once the copy is REFERENCE_CACHE_SECONDS old.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from core.cache import stale

from . import sla
from .models import CannedReply, Component, Priority, Status, TicketType

T = TypeVar("T")

# --- reference rows: one copy per process --------------------------------------------------------

REFERENCE_VERSION_KEY = "tickets:reference:version"
REFERENCE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Reference:
    """Each table by primary key, in its display order."""

    statuses: dict[int, Status]
    priorities: dict[int, Priority]
    types: dict[int, TicketType]
    # The shared version this copy was loaded under: a key for what is rendered from these
    # rows (the ticket page's status and type pickers, cached as template fragments).
    version: int = 0

    # Read by ticket pages only: loaded at the first read of this copy.
    @functools.cached_property
    def calendar(self) -> sla.Calendar:
        return sla.load_calendar()

    @functools.cached_property
    def components(self) -> dict[int, Component]:
        """Every component by primary key (a ticket page shows its ticket's)."""
        return {row.pk: row for row in Component.objects.all()}

    @functools.cached_property
    def canned_replies(self) -> tuple[CannedReply, ...]:
        """The active ones, in display order."""
        return tuple(CannedReply.objects.filter(is_active=True))

    def status_ids(self, categories) -> list[int]:
        """Ids of the statuses in these categories (filters and counters use the indexed
        status_id rather than a join on the status table)."""
        wanted = set(categories)
        return [pk for pk, status in self.statuses.items() if status.category in wanted]

    def active(self, table: dict) -> list:
        return [row for row in table.values() if row.is_active]


def _load_reference() -> Reference:
    return Reference(
        statuses={row.pk: row for row in Status.objects.all()},
        priorities={row.pk: row for row in Priority.objects.all()},
        types={row.pk: row for row in TicketType.objects.all()},
    )


# This process's copy: (version it was loaded under, when, the rows).
_reference_copy: tuple[int, float, Reference] | None = None


def reference() -> Reference:
    """The reference rows: this process's copy, reloaded when the shared version moved."""
    global _reference_copy
    version = cache.get(REFERENCE_VERSION_KEY)
    if version is None:
        # A new number (the cache was emptied): no process's copy can claim it.
        cache.add(REFERENCE_VERSION_KEY, time.time_ns(), None)
        version = cache.get(REFERENCE_VERSION_KEY)
    copy = _reference_copy
    if copy and copy[0] == version and time.monotonic() - copy[1] < REFERENCE_CACHE_SECONDS:
        return copy[2]
    data = dataclasses.replace(_load_reference(), version=version)
    _reference_copy = (version, time.monotonic(), data)
    return data


# Ticket foreign key -> the Reference table holding its rows.
_ATTACHED = {"status": "statuses", "priority": "priorities", "type": "types"}


def attach_reference(tickets, data: Reference | None = None) -> None:
    """Give each ticket its status, priority and type objects without querying them (data: the
    reference copy when the caller holds it)."""
    if not tickets:
        return
    data = data or reference()
    for name, table in _ATTACHED.items():
        rows = getattr(data, table)
        field = tickets[0]._meta.get_field(name)
        for ticket in tickets:
            related = rows.get(getattr(ticket, field.attname))
            if related is not None:
                field.set_cached_value(ticket, related)


def reference_version() -> int:
    """The shared version of the reference rows (in the URL of the badges' style sheet)."""
    version = cache.get(REFERENCE_VERSION_KEY)
    if version is None:
        cache.add(REFERENCE_VERSION_KEY, time.time_ns(), None)
        version = cache.get(REFERENCE_VERSION_KEY)
    return version


def reference_changed() -> None:
    """Reference rows changed: every process reloads its copy at its next read (now, and
    again on commit: a page rendered in between cannot keep the old rows). The queue's cached
    rows show statuses, priorities and types: they go too, as after a ticket change."""
    stale(_next_reference_version)
    stale(_next_tickets_version)


def _next_reference_version() -> None:
    try:
        cache.incr(REFERENCE_VERSION_KEY)
    except ValueError:
        cache.add(REFERENCE_VERSION_KEY, time.time_ns(), None)


# --- counters, page counts, search blocks: until the next ticket change --------------------------

TICKETS_VERSION_KEY = "tickets:counters:version"


def tickets_changed() -> None:
    """A ticket was written: the counters, page counts and search blocks are stale (now, and
    again on commit, so a page counted in between is not kept)."""
    stale(_next_tickets_version)


def _next_tickets_version() -> None:
    try:
        cache.incr(TICKETS_VERSION_KEY)
    except ValueError:
        cache.set(TICKETS_VERSION_KEY, 1, None)


def _until_tickets_change(
    scope: str, compute: Callable[[], T], lifetime: Callable[[T], float] | None = None
) -> T:
    """compute() cached under the current tickets version: any ticket write moves the version,
    so a value is never older than the last change this cache saw (at most
    HELPDESK_COUNTERS_CACHE_SECONDS when several processes keep their own memory cache, and at
    most lifetime(value) seconds when given)."""
    version = cache.get_or_set(TICKETS_VERSION_KEY, 1, None)
    key = f"tickets:counters:{version}:{scope}"
    value = cache.get(key)
    if value is None:
        value = compute()
        timeout = settings.HELPDESK_COUNTERS_CACHE_SECONDS
        if lifetime is not None:
            timeout = max(0, int(min(timeout, lifetime(value))))
        cache.set(key, value, timeout)
    return value


def dashboard_counts(scope: str, day, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The dashboard counters of scope ("all", or one person's) for that day."""
    return _until_tickets_change(f"dashboard:{scope}:{day:%Y%m%d}", compute)


def _seconds_until(moment: float | None) -> float:
    """Seconds until moment (a timestamp; None: never)."""
    return float("inf") if moment is None else moment - time.time()


def overdue_count(scope: str, compute: Callable[[], tuple[int, float | None]]) -> int:
    """The dashboard's overdue counter of scope: compute() gives (count, when the next open
    ticket turns overdue); kept until the next ticket change and no later than that moment."""
    count, _turns = _until_tickets_change(
        f"overdue:{scope}", compute, lambda value: _seconds_until(value[1])
    )
    return count


def todo_count(user, compute: Callable[[], int]) -> int:
    """The number in the person's top bar."""
    return _until_tickets_change(f"todo:user{user.pk}", compute)


def _filters_digest(params) -> str:
    """The queue's filters in params (a QueryDict), whatever their order; page and sort aside."""
    shown = sorted(
        (k, v) for k, values in params.lists() if k not in ("page", "sort") for v in values
    )
    return hashlib.sha256(urlencode(shown).encode()).hexdigest()[:32]


def queue_count(user, params, compute: Callable[[], int]) -> int:
    """The capped count behind "Page 1 of 400+", for this person and these filters: read on
    every load and every refresh of the queue."""
    return _until_tickets_change(f"queue:user{user.pk}:{_filters_digest(params)}", compute)


@dataclass(frozen=True)
class QueueRows:
    """A queue page's rows as rendered (templates/tickets/_queue_table_rows.jinja): html, how
    many rows, and the first moment one of them may turn overdue (a timestamp, or None)."""

    html: str
    count: int
    turns_at: float | None = None


def queue_rows(user, params, shown: str, compute: Callable[[], QueueRows]) -> QueueRows:
    """The rendered rows of one page of the queue, for this person, these filters and shown
    (the page, the sort, the language, the time zone and whatever else the caller's rows
    depend on): kept until the next ticket change (a reference change counts as one), and no
    later than the moment a row turns overdue, which time alone does. A renamed person or
    organization shows within HELPDESK_COUNTERS_CACHE_SECONDS."""

    scope = f"rows:user{user.pk}:{_filters_digest(params)}:{shown}"
    return _until_tickets_change(scope, compute, lambda rows: _seconds_until(rows.turns_at))


def dashboard_rows(user, shown: str, compute: Callable[[], QueueRows]) -> QueueRows:
    """The rendered list of the person's open tickets on the dashboard (shown: the language, the
    time zone), kept until the next ticket change."""
    return _until_tickets_change(f"dashboard-rows:user{user.pk}:{shown}", compute)


def ranked_search(user, params, compute: Callable[[], T]) -> T:
    """A ranked search's counts and ranked block (tickets.search.RankedSearch.ranked), for this
    person and these filters: the queue refreshing itself every minute on a search, or paging
    through its results, searches once per ticket change."""
    return _until_tickets_change(f"search:user{user.pk}:{_filters_digest(params)}", compute)


# --- the ticket page's timeline: its items are cached template fragments ----------------------

TIMELINE_VERSION_KEY = "tickets:timeline:version"


def timeline_generation() -> int:
    """Part of every timeline fragment's key (templates/tickets/_timeline.html): events are
    never edited by the ticket verbs, so their rendering is kept a day; a write that rewrites
    past events (an erasure scrubbing their text, a renamed person shown at once) calls
    timelines_changed() and every timeline renders again."""
    return cache.get_or_set(TIMELINE_VERSION_KEY, 1, None)


def timelines_changed() -> None:
    """Past events were rewritten: drop every cached timeline (now, and again on commit)."""

    def bump():
        try:
            cache.incr(TIMELINE_VERSION_KEY)
        except ValueError:
            cache.set(TIMELINE_VERSION_KEY, 2, None)

    stale(bump)


# --- saved filter tabs: until their owner saves or deletes one -----------------------------------


def _saved_filters_key(user_id: int) -> str:
    return f"tickets:saved-filters:{user_id}"


def saved_filters(user, compute: Callable[[], list[tuple]]) -> list[tuple]:
    """The (pk, name, query) rows of the person's saved queue filters."""
    key = _saved_filters_key(user.pk)
    rows = cache.get(key)
    if rows is None:
        rows = compute()
        cache.set(key, rows, None)
    return rows


def saved_filters_changed(user) -> None:
    """The person saved or deleted a saved filter."""
    stale(lambda: cache.delete(_saved_filters_key(user.pk)))
