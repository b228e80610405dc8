"""Full-text search of the queue: number, title, description, public replies, and internal
notes for staff.

PostgreSQL: a `hd_french` text search configuration (French stemming with accents folded by
unaccent), stored tsvector columns kept by the database itself (generated columns, migration
0005) with GIN indexes, websearch syntax ("quoted phrase", -word, or). Results come in this
order (RankedSearch, read a page at a time by tickets.paging): tickets whose title or description
match (or whose number was typed), best match first (title before description) among the
RANK_LIMIT most recently active of them, then the older ones newest first; then the tickets
found only through their replies (notes for staff), newest first. Ranking a bounded set keeps a
search that matches tens of thousands of tickets as fast as a rare word.
SQLite: a simple case-insensitive substring match on the same fields, title matches first.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from core.prepared import compiled, count_up_to, sql_of

from .models import Event, Ticket

# Constant SQL; the searched text is always passed as a parameter. {doc} is the ticket
# table's search_doc column under the alias of the query it is used in (a subquery renames it).
_DOC_MATCH = "{doc} @@ websearch_to_tsquery('hd_french', %s)"
_RANK = "ts_rank({doc}, websearch_to_tsquery('hd_french', %s))"
_EVENT_MATCH = "search_doc @@ websearch_to_tsquery('hd_french', %s)"


class _OnTicketDoc(Expression):
    """SQL on the ticket's search_doc (a column the database generates, not a model field)."""

    def __init__(self, sql: str, text: str, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.text = sql, text

    def as_sql(self, compiler, connection):
        alias = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return self.sql.format(doc=f"{alias}.search_doc"), [self.text]


def _rank(text: str) -> _OnTicketDoc:
    return _OnTicketDoc(_RANK, text, FloatField())


# Wraps the ORM's query of the newest text matches (constant SQL, values as parameters).
_BEST_OF = 'SELECT "pk" FROM ('
_BEST_ORDER = (
    ') AS "recent" ORDER BY "search_rank" DESC, "last_activity_at" DESC, "pk" DESC'
    " LIMIT %s OFFSET %s"
)

# Counts the text matches (the ORM's query, up to the cap) and, when they are no more than the
# cap, returns the ids of the newest RANK_LIMIT of them in rank order, each ranked by primary
# key (constant SQL, values as parameters: cap, RANK_LIMIT, the text).
_COUNT_AND_RANK_START = 'WITH "matches" AS MATERIALIZED ('
_COUNT_AND_RANK_END = """)
SELECT "found", CASE WHEN "found" <= %s THEN ARRAY(
    SELECT "recent"."id" FROM (
        SELECT "id", "last_activity_at" FROM "matches"
        ORDER BY "last_activity_at" DESC, "id" DESC LIMIT %s
    ) AS "recent"
    ORDER BY (
        SELECT ts_rank("t"."search_doc", websearch_to_tsquery('hd_french', %s))
        FROM "tickets_ticket" AS "t" WHERE "t"."id" = "recent"."id"
    ) DESC, "recent"."last_activity_at" DESC, "recent"."id" DESC
) END
FROM (SELECT COUNT(*) AS "found" FROM "matches") AS "counted"
"""

# Best match first among this many of the most recently active text matches (see above).
RANK_LIMIT = 500


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _number(text: str) -> int:
    """The ticket number typed ("#123" or "123"), or 0 (numbers start at 1)."""
    number = text.lstrip("#")
    return int(number) if number.isdigit() and len(number) < 10 else 0


def _text_match(text: str) -> Q:
    """Title or description match, or the number: both conditions use an index (GIN, unique),
    so PostgreSQL reads them as one bitmap of the matching rows."""
    return Q(_OnTicketDoc(_DOC_MATCH, text, BooleanField())) | Q(number=_number(text))


def _reply_match(text: str, *, with_internal: bool) -> Q:
    """Tickets with a matching reply (or note, for staff): a semi-join on the events' GIN
    index, never a per-ticket scan of their timelines."""
    events = Event.objects.filter(
        RawSQL(_EVENT_MATCH, [text], output_field=BooleanField())  # noqa: S611
    )
    if not with_internal:
        events = events.filter(is_internal=False)
    return Q(pk__in=events.values("ticket_id"))


def search(queryset: QuerySet[Ticket], text: str, *, with_internal: bool) -> QuerySet[Ticket]:
    """queryset narrowed to the tickets matching text, annotated with search_rank (used when
    the person sorts the results by a column, and on SQLite)."""
    text = text.strip()
    if uses_full_text():
        texts = queryset.filter(_text_match(text)).values("pk")
        replies = queryset.filter(_reply_match(text, with_internal=with_internal)).values("pk")
        return queryset.filter(pk__in=texts.union(replies)).annotate(search_rank=_rank(text))
    number = _number(text)
    by_number = Q(number=number) if number else Q(pk__in=[])
    replies = Event.objects.filter(ticket_id=OuterRef("pk"), body__icontains=text)
    if not with_internal:
        replies = replies.filter(is_internal=False)
    match = Q(title__icontains=text) | Q(description__icontains=text) | Exists(replies)
    rank = Case(
        When(by_number, then=Value(3)),
        When(title__icontains=text, then=Value(2)),
        When(description__icontains=text, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return queryset.filter(match | by_number).annotate(search_rank=rank)


class RankedSearch:
    """The matches of text among queryset in the order described in the module docstring,
    for tickets.paging.CappedPaginator: found(cap) counts, ids(bottom, top) reads a page.

    A few indexed queries, none of which ranks or counts more than it must: the text matches
    are counted up to the cap, the reply-only matches only when the text matches are fewer."""

    def __init__(
        self,
        queryset: QuerySet[Ticket],
        text: str,
        *,
        with_internal: bool,
        key: Hashable | None = None,
    ):
        """key: what the SQL of this search is made from besides the text, when its SQL may be
        compiled once per process (tickets.paging.compiled; tickets.selectors.ticket_queue)."""
        self.queryset = queryset
        self.text = text.strip()
        self.with_internal = with_internal
        self._key = None if key is None else (queryset.db, "search", key, self.text, with_internal)
        self._texts_found = self._replies_found = 0
        self._best = None

    # Built when read: a page whose counts and ranked block are cached builds neither.
    @cached_property
    def texts(self) -> QuerySet[Ticket]:
        return self.queryset.filter(_text_match(self.text))

    @cached_property
    def replies_only(self) -> QuerySet[Ticket]:
        replies = _reply_match(self.text, with_internal=self.with_internal)
        return self.queryset.filter(~_text_match(self.text), replies)

    def found(self, cap: int) -> int:
        """How many tickets match, counting no further than cap + 1."""
        return self.restore(self.ranked(cap))

    def _statements(self) -> tuple | None:
        """The SQL of the text matches (id, activity) and of the reply-only matches (id),
        unordered, kept per process for the key; None when the person may see no ticket (a
        DPO sees none: the ORM writes no SQL)."""

        def compile_():
            texts = sql_of(self.texts.order_by().values_list("id", "last_activity_at"))
            return texts and (texts, sql_of(self.replies_only.order_by().values_list("pk")))

        return compiled(self._key, compile_)

    def ranked(self, cap: int) -> tuple[int, list[int] | None, int]:
        """(text matches, the ranked block of ids or None, reply-only matches), counted no
        further than cap + 1: what ids() reads pages from, for restore() (the queue caches
        it). The text matches are read once for both their count and, when there are no
        more than cap, the ranked block (the usual case: a search is meant to narrow)."""
        statements = self._statements()
        if statements is None:
            return 0, [], 0
        (sql, params), replies = statements
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(
                _COUNT_AND_RANK_START + sql + " LIMIT %s" + _COUNT_AND_RANK_END,
                (*params, cap + 1, cap, RANK_LIMIT, self.text),
            )
            texts_found, best = cursor.fetchone()
            replies_found = 0
            limit = cap + 1 - texts_found
            if texts_found <= cap and replies is not None and limit > 0:
                replies_found = count_up_to(cursor, replies, limit)
        return texts_found, best, replies_found

    def restore(self, state: tuple[int, list[int] | None, int]) -> int:
        """Take the counts and ranked block ranked() returned; the number of matches."""
        self._texts_found, self._best, self._replies_found = state
        return self._texts_found + self._replies_found

    def ids(self, bottom: int, top: int) -> list[int]:
        """Ids of the matches at positions bottom..top-1 (found() was called first)."""
        texts = self._texts_found
        ranked = min(texts, RANK_LIMIT)
        ids: list[int] = []
        if bottom < ranked and self._best is not None:
            ids += self._best[bottom : min(top, ranked)]
        elif bottom < ranked:
            ids += self._ranked_ids(bottom, min(top, ranked))
        if top > ranked and bottom < texts:
            # Past the ranked block: newest first; the block is the newest RANK_LIMIT, so
            # position n here is position n of the text matches by activity.
            older = self.texts.order_by("-last_activity_at", "-id").values_list("pk", flat=True)
            ids += older[max(bottom, ranked) : min(top, texts)]
        if top > texts and self._replies_found:
            ids += self._reply_ids(max(bottom, texts) - texts, top - texts)
        return ids

    def _ranked_ids(self, bottom: int, top: int) -> list[int]:
        """Positions bottom..top-1 of the newest RANK_LIMIT text matches sorted by rank: a
        bounded sort whatever the number of matches."""
        recent = (
            self.texts.order_by("-last_activity_at", "-id")
            .annotate(search_rank=_rank(self.text))
            .values_list("pk", "search_rank", "last_activity_at")[:RANK_LIMIT]
        )
        try:
            sql, params = recent.query.sql_with_params()
        except EmptyResultSet:
            return []
        with connections[recent.db].cursor() as cursor:
            cursor.execute(_BEST_OF + sql + _BEST_ORDER, (*params, top - bottom, bottom))
            return [pk for (pk,) in cursor.fetchall()]

    def _reply_ids(self, bottom: int, top: int) -> list[int]:
        if self._replies_found > RANK_LIMIT:
            # Many: walking the activity index finds them soon.
            replies = self.replies_only.order_by("-last_activity_at", "-id")
            return list(replies.values_list("pk", flat=True)[bottom:top])
        # Few: read them all (a semi-join on the events' index) and sort them here, rather
        # than walk the whole activity index looking for them.
        rows = self.replies_only.order_by().values_list("pk", "last_activity_at")
        newest = sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)
        return [pk for pk, _at in newest[bottom:top]]
