"""Reference data read on every queue page: statuses, priorities and ticket types; and on
every ticket page: the business calendar (SLA shown) and the active canned replies.

A handful of rows each, shown on every row of every ticket list. Joining them into the rows
query costs PostgreSQL more to plan (seven tables) than to run, so lists attach them from here
instead (tickets.paging.rows_by_ids).

Each process keeps its own copy, valid while the version number in the shared cache is the one
it was loaded under: a page reads one small integer from the cache rather than the rows.
Saving or deleting any of them moves the version on right away and again on commit (a page
rendered in between cannot keep the old rows), so every process reloads at its next read. Bulk
updates send no signal, so a copy is also reloaded after REFERENCE_CACHE_SECONDS.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from core.cache import stale

from . import sla
from .models import (
    BusinessCalendar,
    CannedReply,
    Holiday,
    Priority,
    Status,
    TicketType,
)

VERSION_KEY = "tickets:reference:version"
REFERENCE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Reference:
    """Each table by primary key, in its display order."""

    statuses: dict[int, Status]
    priorities: dict[int, Priority]
    types: dict[int, TicketType]

    # Read by ticket pages only: loaded at the first read of this copy.
    @functools.cached_property
    def calendar(self) -> sla.Calendar:
        return sla.load_calendar()

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


def _load() -> Reference:
    return Reference(
        statuses={row.pk: row for row in Status.objects.all()},
        priorities={row.pk: row for row in Priority.objects.all()},
        types={row.pk: row for row in TicketType.objects.all()},
    )


# This process's copy: (version it was loaded under, when, the rows).
_copy: tuple[int, float, Reference] | None = None


def get() -> Reference:
    global _copy
    version = cache.get(VERSION_KEY)
    if version is None:
        # A new number (the cache was emptied): no process's copy can claim it.
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    copy = _copy
    if copy and copy[0] == version and time.monotonic() - copy[1] < REFERENCE_CACHE_SECONDS:
        return copy[2]
    data = _load()
    _copy = (version, time.monotonic(), data)
    return data


# Ticket foreign key -> the Reference table holding its rows.
_ATTACHED = {"status": "statuses", "priority": "priorities", "type": "types"}


def attach(tickets) -> None:
    """Give each ticket its status, priority and type objects without querying them."""
    if not tickets:
        return
    data = get()
    for name, table in _ATTACHED.items():
        rows = getattr(data, table)
        field = tickets[0]._meta.get_field(name)
        for ticket in tickets:
            related = rows.get(getattr(ticket, field.attname))
            if related is not None:
                field.set_cached_value(ticket, related)


def changed(**kwargs) -> None:
    stale(_next_version)


def _next_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, time.time_ns(), None)


for _model in (Status, Priority, TicketType, BusinessCalendar, Holiday, CannedReply):
    post_save.connect(changed, sender=_model, dispatch_uid=f"reference-save-{_model.__name__}")
    post_delete.connect(changed, sender=_model, dispatch_uid=f"reference-delete-{_model.__name__}")
