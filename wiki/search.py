"""Full-text search of pages, as tickets.search does it.

PostgreSQL: the page's stored search_doc (migration 0002: hd_french, French stemming with
accents folded, title and tags weighing more than the text) with its GIN index.
- search(): websearch syntax ("quoted phrase", -word, or), every word must match, best first;
- suggest(): the words of a ticket title being typed, at most five pages: those whose title
  or tags hold any of the words (a title is a sentence, not a query), best first, from a small
  title-and-tags tsvector (migration 0003); then pages whose text holds any of them, newest
  first (unranked). Ranking the whole text of every page a common word is in would not stay fast.
SQLite: a case-insensitive substring match on the title, tags and text (search: the whole text;
suggest: any word of three letters or more), title matches first.
Both always start from the pages the person may read (wiki.access.visible_pages).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from .models import Page

# Constant SQL; the searched text is always a parameter.
_MATCH = "wiki_page.search_doc @@ websearch_to_tsquery('hd_french', %s)"
_RANK = "ts_rank(wiki_page.search_doc, websearch_to_tsquery('hd_french', %s))"
_TITLE_MATCH = "wiki_page.title_doc @@ to_tsquery('hd_french', %s)"
_TITLE_RANK = "ts_rank(wiki_page.title_doc, to_tsquery('hd_french', %s))"
_TEXT_MATCH = "wiki_page.search_doc @@ to_tsquery('hd_french', %s)"

SUGGESTIONS = 5
_WORD = re.compile(r"[^\W_]{3,}")
_MAX_WORDS = 12


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search(pages: QuerySet[Page], text: str) -> QuerySet[Page]:
    """pages matching text, best first."""
    text = text.strip()
    if not text:
        return pages.none()
    if uses_full_text():
        return (
            pages.filter(RawSQL(_MATCH, [text], output_field=BooleanField()))  # noqa: S611
            .annotate(rank=RawSQL(_RANK, [text], output_field=FloatField()))  # noqa: S611
            .order_by("-rank", "-updated_at", "-id")
        )
    match = Q(title__icontains=text) | Q(tags_text__icontains=text) | Q(body__icontains=text)
    return _ranked_substring(pages.filter(match), text)


def _ranked_substring(pages: QuerySet[Page], word: str) -> QuerySet[Page]:
    rank = Case(
        When(title__icontains=word, then=Value(2)),
        When(tags_text__icontains=word, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return pages.annotate(rank=rank).order_by("-rank", "-updated_at", "-id")


def words_of(text: str) -> list[str]:
    """The words worth matching in a title being typed (three letters or more), lower case."""
    seen: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if word not in seen:
            seen.append(word)
    return seen[:_MAX_WORDS]


def suggest(pages: QuerySet[Page], text: str, *, limit: int = SUGGESTIONS) -> list[Page]:
    """At most limit pages among pages that may answer a ticket titled text, best first."""
    words = words_of(text)
    if not words:
        return []
    fields = ("id", "title", "space_id", "tags_text", "updated_at")
    if uses_full_text():
        # Titles and tags holding any of the words, best first (a small indexed tsvector);
        # then, when they are fewer than limit, the newest pages whose text holds any of them.
        # Words are letters and digits only: "a | b" is a valid tsquery whatever was typed.
        query = " | ".join(words)
        found = list(
            pages.filter(RawSQL(_TITLE_MATCH, [query], output_field=BooleanField()))  # noqa: S611
            .annotate(rank=RawSQL(_TITLE_RANK, [query], output_field=FloatField()))  # noqa: S611
            .order_by("-rank", "-updated_at", "-id")
            .only(*fields)[:limit]
        )
        if len(found) < limit:
            texts = (
                pages.filter(RawSQL(_TEXT_MATCH, [query], output_field=BooleanField()))  # noqa: S611
                .exclude(pk__in=[page.pk for page in found])
                # Newest first by id, unranked: a word in most texts stops after a few rows of
                # the primary key; a rare one is read from the GIN index.
                .order_by("-id")
                .only(*fields)
            )
            found += list(texts[: limit - len(found)])
        return found
    match = Q()
    rank = Value(0)
    for word in words:
        match |= Q(title__icontains=word) | Q(tags_text__icontains=word) | Q(body__icontains=word)
        rank = rank + _word_rank(word)
    found = pages.filter(match).annotate(rank=rank).order_by("-rank", "-updated_at", "-id")
    return list(found.only(*fields)[:limit])


def _word_rank(word: str) -> Case:
    """SQLite: a word in the title counts 3, in the tags 2, in the text 1."""
    return Case(
        When(title__icontains=word, then=Value(3)),
        When(tags_text__icontains=word, then=Value(2)),
        When(body__icontains=word, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
