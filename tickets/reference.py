"""Reference data read on every queue page: statuses, priorities and ticket types.

A handful of rows each, shown on every row of every ticket list. Joining them into the rows
query costs PostgreSQL more to plan (seven tables) than to run, so lists attach them from here
instead (tickets.paging.rows_by_ids).

They are kept in the shared cache, one entry for the three tables, read with one cache hit.
Saving or deleting any of them drops the entry right away and again on commit (a page
rendered in between cannot keep the old rows). Bulk updates send no signal, so the entry also
expires after REFERENCE_CACHE_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .models import Priority, Status, TicketType

CACHE_KEY = "tickets:reference:v1"
REFERENCE_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Reference:
    """Each table by primary key, in its display order."""

    statuses: dict[int, Status]
    priorities: dict[int, Priority]
    types: dict[int, TicketType]

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


def get() -> Reference:
    data = cache.get(CACHE_KEY)
    if data is None:
        data = _load()
        cache.set(CACHE_KEY, data, REFERENCE_CACHE_SECONDS)
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
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY), robust=True)


for _model in (Status, Priority, TicketType):
    post_save.connect(changed, sender=_model, dispatch_uid=f"reference-save-{_model.__name__}")
    post_delete.connect(changed, sender=_model, dispatch_uid=f"reference-delete-{_model.__name__}")
