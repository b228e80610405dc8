"""A paginator for ticket lists that stays fast on 100,000 tickets.

- It never counts a whole table: it counts up to CAP rows. Beyond, the page shows
  "Page n of 400+" and the last reachable page is the cap's (people filter or search rather
  than page that far), so OFFSET stays bounded.
- A page is read in two steps: the ids of the page (the filtered, sorted query without its
  joins, walking an index), then those rows with what they show, loaded by primary key.
- Besides a queryset it pages a ranked search (tickets.search.RankedSearch) and a CompiledList
  (the queue), which count and read their ids themselves.
"""

from collections.abc import Callable, Hashable

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.functional import cached_property

from core.prepared import compiled, count_up_to, sql_of

from . import caching, sla
from .models import Ticket

CAP = 10_000


def capped_count(queryset, cap: int = CAP) -> int:
    """How many rows, counting no further than cap + 1."""
    return queryset.values("pk").order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    """found: the capped count when the caller has it already (tickets.selectors.queue_found
    caches it)."""

    cap = CAP

    def __init__(self, object_list, per_page, *, found: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._given_found = found

    @cached_property
    def _found(self) -> int:
        if self._given_found is not None:
            return self._given_found
        return count_rows(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._found, self.cap)

    @cached_property
    def capped(self) -> bool:
        """More rows than the cap: the page count reads "400+"."""
        return self._found > self.cap

    def number_of(self, number) -> int:
        """The page get_page() would show for number (the first when it is not a number, the
        last when past the end), without reading the page."""
        try:
            return self.validate_number(number)
        except PageNotAnInteger:
            return 1
        except EmptyPage:
            return self.num_pages

    def page(self, number):
        ids, shown = self.page_ids(number)
        return self._get_page(rows_by_ids(shown, ids), number, self)

    def page_ids(self, number) -> tuple[list, object]:
        """The ids of page number, in order, and the queryset their rows are read with
        (rows_by_ids)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if hasattr(self.object_list, "ids"):
            ids = self.object_list.ids(bottom, top) if self.count else []
            return ids, self.object_list.queryset
        return list(self.object_list.values_list("pk", flat=True)[bottom:top]), self.object_list


# --- the queue's count and page ids: SQL compiled once per process for each filter set ---------


class CompiledList:
    """A filtered, sorted list of rows for CappedPaginator, as a ranked search is: found(cap)
    counts, ids(bottom, top) reads a page's ids, both by SQL compiled once per process for key
    (core.prepared.compiled(): after every ticket change the queue counts its tickets and reads
    its page's ids again, and the ORM compiling the same filtered SQL again each time cost more
    than running it). build() gives the filtered, sorted queryset: called only when this process
    has no SQL for key yet, so a page whose count and rows are cached builds no query at all.
    queryset: what the rows are read with (rows_by_ids: model, joins, columns)."""

    def __init__(self, build: Callable[[], QuerySet], key: Hashable, queryset: QuerySet):
        self._build = build
        self._key = key
        self.queryset = queryset

    def _statements(self) -> tuple | None:
        def compile_():
            rows = self._build()
            unordered = sql_of(rows.order_by().values_list("pk"))
            return unordered and (unordered, sql_of(rows.values_list("pk")))

        return compiled((self.queryset.db, "list", self._key), compile_)

    def found(self, cap: int) -> int:
        """How many rows, counting no further than cap + 1."""
        statements = self._statements()
        if statements is None:
            return 0
        with connections[self.queryset.db].cursor() as cursor:
            return count_up_to(cursor, statements[0], cap + 1)

    def ids(self, bottom: int, top: int) -> list:
        """The ids at positions bottom..top-1, in order."""
        statements = self._statements()
        if statements is None or top <= bottom:
            return []
        sql, params = statements[1]
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(f"{sql} LIMIT %s OFFSET %s", (*params, top - bottom, bottom))
            return [row[0] for row in cursor.fetchall()]


def count_rows(rows, cap: int = CAP) -> int:
    """How many rows a list of the queue holds (a queryset, a CompiledList, a ranked search),
    counting no further than cap + 1."""
    return rows.found(cap) if hasattr(rows, "found") else capped_count(rows, cap)


# The statements reading rows by id: the same for every page of one kind (model, joins, columns)
# and number of rows, so compiled once per process (tickets.caching.Prepared), where compiling
# the joins cost more than reading the rows.
_BY_IDS: dict[tuple, caching.Prepared] = {}
_BY_IDS_MAX = 256


def ids_values(ids: list) -> dict[str, int]:
    return {f"id{i}": pk for i, pk in enumerate(ids)}


def _by_ids(queryset, ids: list) -> caching.Prepared:
    query = queryset.query
    model, related, deferred = queryset.model, query.select_related, query.deferred_loading
    key = (model, repr(related), frozenset(deferred[0]), deferred[1], len(ids))
    statement = _BY_IDS.get(key)
    if statement is None:

        def make(**placeholders):
            rows = model._default_manager.filter(pk__in=list(placeholders.values()))
            rows.query.select_related = related
            rows.query.deferred_loading = deferred
            return rows

        if len(_BY_IDS) >= _BY_IDS_MAX:
            _BY_IDS.clear()
        statement = _BY_IDS[key] = caching.Prepared(make, *ids_values(ids))
    return statement


def rows_by_ids(queryset, ids: list) -> list:
    """The rows of ids, in that order, loaded from queryset's model with queryset's joins,
    columns and prefetches but filtered on the ids only (the ids come from the visible,
    filtered query): a query the planner reads in a blink, where joins plus filters plus a
    sort take it many milliseconds to plan. Tickets get their status, priority and type from
    tickets.caching (the reference copy) rather than from three more joins, and is_overdue as of
    now (tickets.sla.is_overdue: the stored flag waits for the periodic job)."""
    by_id = {row.pk: row for row in _by_ids(queryset, ids).models(**ids_values(ids))} if ids else {}
    found = [by_id[pk] for pk in ids if pk in by_id]
    if found and queryset._prefetch_related_lookups:
        prefetch_related_objects(found, *queryset._prefetch_related_lookups)
    if queryset.model is Ticket:
        caching.attach_reference(found)
        now = timezone.now()
        for ticket in found:
            ticket.is_overdue = sla.is_overdue(ticket, now)
    return found
