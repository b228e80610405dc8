"""Every cached read of tickets, and what makes each one stale. Services call one function after
a change, and nothing else clears these caches (no signals, nothing wired at import):

- tickets_changed(ids): any ticket write (a verb, a periodic job, the demo seed). The counters, the
  queue's page counts, its ranked search blocks and its rendered pages of rows are cached under
  one generation number, which this moves on; each value is also kept at most
  HELPDESK_COUNTERS_CACHE_SECONDS (rows: and not past the moment one turns overdue). Each row
  is also kept on its own until its ticket is named in a change (or any change names none), so
  a page rendered again after a change renders only the changed rows.
- reference_changed(): a status, priority, criticality, ticket type, component, the calendar, a
  holiday or a canned reply was saved or deleted (edited in the Administration area).
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from core.cache import stale
from core.prepared import Prepared  # noqa: F401 - the ticket reads use caching.Prepared

from . import sla
from .models import (
    DEFAULT_CRITICALITY,
    CannedReply,
    Component,
    Criticality,
    Priority,
    Status,
    TicketType,
)

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
    def criticalities(self) -> dict[str, Criticality]:
        """Every criticality by code (what tickets point at), in display order."""
        return {row.code: row for row in Criticality.objects.all()}

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


# The shared version as this process last read it, and when: a request reads the reference rows
# several times (the ticket fetch, the page, its forms), and asks the shared cache once
# (VERSION_RECHECK_SECONDS). A change made here forgets it at once (_next_reference_version);
# another process's change shows at its next request, as before.
VERSION_RECHECK_SECONDS = 0.05
_version_read: tuple[int, float] | None = None


def forget_version_reads() -> None:
    """Ask the shared cache for the versions at the next read (tests empty it between two
    requests)."""
    global _version_read, _generation_read
    _version_read = _generation_read = None


def reference() -> Reference:
    """The reference rows: this process's copy, reloaded when the shared version moved."""
    global _reference_copy, _version_read
    read = _version_read
    if read is not None and time.monotonic() - read[1] < VERSION_RECHECK_SECONDS:
        version = read[0]
    else:
        version = cache.get(REFERENCE_VERSION_KEY)
        if version is None:
            # A new number (the cache was emptied): no process's copy can claim it.
            cache.add(REFERENCE_VERSION_KEY, time.time_ns(), None)
            version = cache.get(REFERENCE_VERSION_KEY)
        _version_read = (version, time.monotonic())
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


def criticality_choices(current: str = "") -> list[tuple[str, str]]:
    """(code, name) of the criticalities a person may choose, in display order, with current
    (a retired one a ticket still has) kept so that its form shows it."""
    rows = reference().criticalities.values()
    return [(row.code, row.name) for row in rows if row.is_active or row.code == current]


def default_criticality(data: Reference | None = None) -> str:
    """The code new tickets get when their sender gives none: the active default entry."""
    rows = (data or reference()).criticalities.values()
    found = next((row for row in rows if row.is_default and row.is_active), None)
    found = found or next((row for row in rows if row.is_active), None)
    return found.code if found else DEFAULT_CRITICALITY


def reference_version() -> int:
    """The shared version of the reference rows (in the URL of the badges' style sheet)."""
    return reference().version


def reference_changed() -> None:
    """Reference rows changed: every process reloads its copy at its next read (now, and
    again on commit: a page rendered in between cannot keep the old rows). The queue's cached
    rows show statuses, priorities and types: they go too, as after a ticket change."""
    stale(_next_reference_version)
    stale(_next_tickets_version)
    stale(_next_rows_generation)


def _next_reference_version() -> None:
    forget_version_reads()
    try:
        cache.incr(REFERENCE_VERSION_KEY)
    except ValueError:
        cache.add(REFERENCE_VERSION_KEY, time.time_ns(), None)


# --- counters, page counts, search blocks: until the next ticket change --------------------------

TICKETS_VERSION_KEY = "tickets:counters:version"


def tickets_changed(ticket_ids: Iterable[int] | None = None) -> None:
    """A ticket was written: the counters, page counts and search blocks are stale (now, and
    again on commit, so a page counted in between is not kept). ticket_ids: the tickets
    written, when the caller names every one: the queue's rendered rows of the others are
    kept (queue_row_markup); None: every row renders again."""
    stale(_next_tickets_version)
    if ticket_ids is None:
        stale(_next_rows_generation)
    else:
        ids = list(ticket_ids)
        stale(lambda: _mark_rows(ids))


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
    """A queue page's rows as rendered: parts, the fragments each rendered and escaped by its
    template (a row of templates/tickets/_queue_table_rows.jinja each, or the dashboard's whole
    list), which the page's template writes one after the other; how many rows; and the first
    moment one of them may turn overdue (a timestamp, or None)."""

    parts: tuple[str, ...]
    count: int
    turns_at: float | None = None


def queue_rows(user, params, shown: str, compute: Callable[[], QueueRows]) -> QueueRows:
    """The rendered rows of one page of the queue, for this person, these filters and shown
    (the page, the sort, the language, the time zone and whatever else the caller's rows
    depend on): kept until the next ticket change (a reference change counts as one), and no
    later than the moment a row turns overdue, which time alone does. A renamed person or
    organization shows within HELPDESK_COUNTERS_CACHE_SECONDS."""

    scope = f"page-rows:user{user.pk}:{_filters_digest(params)}:{shown}"
    return _until_tickets_change(scope, compute, lambda rows: _seconds_until(rows.turns_at))


def dashboard_rows(user, shown: str, compute: Callable[[], QueueRows]) -> QueueRows:
    """The rendered list of the person's open tickets on the dashboard (shown: the language, the
    time zone), kept until the next ticket change."""
    return _until_tickets_change(f"dashboard-list:user{user.pk}:{shown}", compute)


def ranked_search(user, params, compute: Callable[[], T]) -> T:
    """A ranked search's counts and ranked block (tickets.search.RankedSearch.ranked), for this
    person and these filters: the queue refreshing itself every minute on a search, or paging
    through its results, searches once per ticket change."""
    return _until_tickets_change(f"search:user{user.pk}:{_filters_digest(params)}", compute)


# --- the queue's rows, each kept until its ticket changes ----------------------------------------

ROWS_GENERATION_KEY = "tickets:rows:generation"
# How long a row's mark (when its ticket last changed) is kept: a row without one gets a new
# mark, which no rendering kept earlier has in its key, so an expired mark costs a rendering,
# never a stale row.
ROW_MARK_SECONDS = 86400


def _row_mark_key(pk: int) -> str:
    return f"tickets:row-mark:{pk}"


def _mark_rows(ids: list[int]) -> None:
    mark = time.time_ns()
    cache.set_many({_row_mark_key(pk): mark for pk in ids}, ROW_MARK_SECONDS)


def _next_rows_generation() -> None:
    try:
        cache.incr(ROWS_GENERATION_KEY)
    except ValueError:
        cache.set(ROWS_GENERATION_KEY, time.time_ns(), None)


@dataclass(frozen=True)
class RowMarkup:
    """One ticket's row as rendered, and the moment it turns overdue (a timestamp, or None)."""

    html: str
    turns_at: float | None = None


def queue_row_markup(
    ids: list[int], shown: str, render: Callable[[list[int]], dict[int, RowMarkup]]
) -> list[RowMarkup]:
    """The rendered row of each ticket of ids (one page of a queue, in order; shown: what else
    the markup depends on: language, time zone, selection checkbox). Each row is kept until its
    ticket changes (tickets_changed(ids)), every row's generation moves (tickets_changed(),
    reference_changed()) or the row turns overdue, and at most HELPDESK_COUNTERS_CACHE_SECONDS
    (a renamed person or organization shows then, as on the whole page before). render(missing
    ids) renders the others; a ticket it does not give back is left out. Rows are the same for
    everyone: which tickets a person sees is the ids."""
    if not ids:
        return []
    mark_keys = {pk: _row_mark_key(pk) for pk in ids}
    found = cache.get_many([ROWS_GENERATION_KEY, *mark_keys.values()])
    generation = found.get(ROWS_GENERATION_KEY)
    # Rows never marked (or whose mark expired) get one before they are read: a change made
    # after this moves it again, so a rendering of rows read before the change is not kept.
    new = {key: time.time_ns() for key in mark_keys.values() if key not in found}
    if generation is None:
        generation = new[ROWS_GENERATION_KEY] = time.time_ns()
    if new:
        cache.set_many(
            {key: value for key, value in new.items() if key != ROWS_GENERATION_KEY},
            ROW_MARK_SECONDS,
        )
        if ROWS_GENERATION_KEY in new:
            cache.add(ROWS_GENERATION_KEY, generation, None)
        found.update(new)
    digest = hashlib.md5(f"{generation}|{shown}".encode(), usedforsecurity=False).hexdigest()
    keys = {pk: f"tickets:row:{pk}:{found[key]}:{digest}" for pk, key in mark_keys.items()}
    rows = cache.get_many(list(keys.values()))
    now = time.time()
    kept = {
        pk: row
        for pk, key in keys.items()
        if (row := rows.get(key)) is not None and (row.turns_at is None or row.turns_at > now)
    }
    missing = [pk for pk in ids if pk not in kept]
    if missing:
        rendered = render(missing)
        seconds = settings.HELPDESK_COUNTERS_CACHE_SECONDS
        to_keep = {keys[pk]: row for pk, row in rendered.items() if pk in keys}
        if seconds > 0 and to_keep:
            cache.set_many(to_keep, seconds)
        kept.update(rendered)
    return [kept[pk] for pk in ids if pk in kept]


# --- the ticket page's timeline: its items are cached template fragments ----------------------

TIMELINE_VERSION_KEY = "tickets:timeline:version"


def timeline_generation() -> int:
    """Part of every timeline fragment's key (templates/tickets/_timeline.html): events are
    never edited by the ticket verbs, so their rendering is kept a day; a write that rewrites
    past events (an erasure scrubbing their text, a renamed person shown at once) calls
    timelines_changed() and every timeline renders again."""
    global _generation_read
    read = _generation_read
    if read is not None and time.monotonic() - read[1] < VERSION_RECHECK_SECONDS:
        return read[0]
    generation = cache.get_or_set(TIMELINE_VERSION_KEY, 1, None)
    _generation_read = (generation, time.monotonic())
    return generation


# As _version_read, for the timelines' generation.
_generation_read: tuple[int, float] | None = None


def timelines_changed() -> None:
    """Past events were rewritten: drop every cached timeline (now, and again on commit)."""

    def bump():
        forget_version_reads()
        try:
            cache.incr(TIMELINE_VERSION_KEY)
        except ValueError:
            cache.set(TIMELINE_VERSION_KEY, 2, None)

    stale(bump)


# --- the ticket page's fragments: read in one round trip ---------------------------------------

FRAGMENT_SECONDS = 3600


class PageFragments:
    """The cached template fragments of one page ({% fragment name %} in its template, from
    templatetags.tickets), read together in one round trip rather than one per {% cache %}.
    parts: each fragment's name -> what its markup depends on (a string), or None when it is
    not to be cached (a form posted back with its errors renders as typed). A fragment
    missing from the cache is rendered and kept FRAGMENT_SECONDS."""

    def __init__(self, page: str, parts: dict[str, str | None], seconds=FRAGMENT_SECONDS):
        self.seconds = seconds
        self.keys = {
            name: f"tickets:fragment:{page}:{name}:"
            + hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()
            for name, value in parts.items()
            if value is not None
        }
        self.found = cache.get_many(list(self.keys.values())) if self.keys else {}

    def get(self, name: str) -> str | None:
        key = self.keys.get(name)
        return None if key is None else self.found.get(key)

    def keep(self, name: str, markup: str) -> None:
        key = self.keys.get(name)
        if key is not None:
            cache.set(key, markup, self.seconds)


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
