"""Full-text search of the queue: number, title, description, public replies, and internal
notes for staff.

PostgreSQL: a `hd_french` text search configuration (French stemming with accents folded by
unaccent), stored tsvector columns kept by the database itself (generated columns, migration
0005) with GIN indexes, websearch syntax ("quoted phrase", -word, or), ranked (title before
description before replies). SQLite: a simple case-insensitive substring match on the same
fields, title matches first.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from .models import Event, Ticket

# Constant SQL; the searched text is always passed as a parameter.
_MATCHING_IDS = (
    "SELECT id FROM tickets_ticket"
    " WHERE search_doc @@ websearch_to_tsquery('hd_french', %s)"
    " UNION SELECT ticket_id FROM tickets_event"
    " WHERE search_doc @@ websearch_to_tsquery('hd_french', %s)"
)
_PUBLIC_ONLY = " AND NOT is_internal"
_RANK = """ts_rank("tickets_ticket"."search_doc", websearch_to_tsquery('hd_french', %s))"""


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search(queryset: QuerySet[Ticket], text: str, *, with_internal: bool) -> QuerySet[Ticket]:
    """queryset narrowed to the tickets matching text, annotated with search_rank."""
    text = text.strip()
    number = text.lstrip("#")
    by_number = Q(number=int(number)) if number.isdigit() and len(number) < 10 else Q(pk=None)
    if uses_full_text():
        sql = _MATCHING_IDS if with_internal else _MATCHING_IDS + _PUBLIC_ONLY
        ids = RawSQL(sql, [text, text])  # noqa: S611 (constant SQL, text as parameter)
        rank = RawSQL(_RANK, [text])  # noqa: S611
        return queryset.filter(Q(pk__in=ids) | by_number).annotate(search_rank=rank)
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
