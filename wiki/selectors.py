"""Page-shaped reads of the knowledge base, always from wiki.access."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tickets import access as tickets_access
from tickets.models import Event, Ticket

from . import access, search
from .models import Page, Space


def space_rows(user) -> list[Space]:
    """The spaces user opens, each with the number of its pages user reads (one query);
    shared first, then internal, then organizations by name. Spaces with no page user reads
    are left out for customers (nothing to show them)."""
    pages = access.visible_pages(user).values("id")
    spaces = (
        access.visible_spaces(user)
        .select_related("organization")
        .annotate(page_count=Count("pages", filter=Q(pages__in=pages)))
    )
    order = {Space.Kind.SHARED: 0, Space.Kind.INTERNAL: 1, Space.Kind.ORGANIZATION: 2}
    rows = sorted(spaces, key=lambda s: (order[s.kind], s.name.lower()))
    if not access.is_staff_reader(user):
        rows = [space for space in rows if space.page_count]
    return rows


def space_pages(user, space: Space, *, tag: str = "") -> QuerySet[Page]:
    pages = access.visible_pages(user).filter(space=space).select_related("updated_by")
    if tag:
        pages = pages.filter(tags__name=tag)
    return pages.order_by("title", "id")


def recent_pages(user, limit: int = 8) -> list[Page]:
    return list(
        access.visible_pages(user).select_related("space").order_by("-updated_at", "-id")[:limit]
    )


def search_rows(user, text: str) -> QuerySet[Page]:
    return search.search(access.visible_pages(user), text).select_related("space")


def suggestions(user, text: str) -> list[Page]:
    """Pages that may answer a ticket titled text, among those user reads."""
    return search.suggest(access.visible_pages(user), text)


def ticket_answer_prefill(user, ticket: Ticket, *, with_notes: bool) -> dict:
    """Title and text of an article drawn from a ticket: its request and its public answers
    (internal notes only when the writer asks for them, and only those user may read)."""
    kinds = [Event.Kind.REPLY, Event.Kind.NOTE, Event.Kind.EMAIL_IN]
    events = (
        tickets_access.visible_events(user, ticket)
        .filter(kind__in=kinds)
        .exclude(body="")
        .order_by("action_at", "id")
    )
    if not with_notes:
        events = events.filter(is_internal=False)
    answers = [event.body.strip() for event in events.only("body", "is_internal")[:20]]
    return {"title": ticket.title, "question": ticket.description.strip(), "answers": answers}
