"""Page-shaped reads of live chat; every list starts from access.visible_chats."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from accounts import roles
from tickets import caching as tickets_caching

from . import access
from .models import AgentPresence, Chat, Message

HISTORY_LIMIT = 50


def is_business_hours(now: dt.datetime | None = None) -> bool:
    """Whether now falls in the business calendar's working hours (tickets' BusinessCalendar)."""
    cal = tickets_caching.reference().calendar
    if not cal.usable:
        return True
    local = (now or timezone.now()).astimezone(cal.tz)
    if not cal.is_working_day(local.date()):
        return False
    open_at, close_at = cal.window(local.date())
    return open_at <= local < close_at


def agents_available() -> bool:
    """Whether at least one active agent (or admin) switched chat on."""
    answering = roles.users_with_role(roles.Code.AGENT, roles.Code.ADMIN)
    return AgentPresence.objects.filter(available=True, user__in=answering).exists()


def is_available(user) -> bool:
    return AgentPresence.objects.filter(user_id=user.pk, available=True).exists()


def waiting_counts() -> dict[str, int]:
    """Waiting chats per support level ({"1": 2, "2": 0, "3": 1}), in one query (the waiting
    index: few rows)."""
    counts = {"1": 0, "2": 0, "3": 0}
    rows = (
        Chat.objects.filter(status=Chat.Status.WAITING)
        .values_list("support_level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for level, n in rows:
        counts[str(level)] = counts.get(str(level), 0) + n
    return counts


def waiting_rows(user) -> list[Chat]:
    """Waiting chats, oldest first, each with can_take set for user (at most 50)."""
    rows = list(
        access.visible_chats(user)
        .filter(status=Chat.Status.WAITING)
        .select_related("client", "organization")
        .annotate(message_count=Count("messages"))
        .order_by("created_at", "id")[:HISTORY_LIMIT]
    )
    for chat in rows:
        chat.can_take = access.can_take(user, chat)
    return rows


def open_chats_of(user) -> list[Chat]:
    """The chats an agent is answering now (several at once)."""
    return list(
        Chat.objects.filter(agent_id=user.pk, status=Chat.Status.ACTIVE)
        .select_related("client", "organization")
        .order_by("taken_at", "id")
    )


def recent_chats(user, limit: int = 20) -> list[Chat]:
    """The latest chats user may see (a client: theirs)."""
    return list(
        access.visible_chats(user)
        .select_related("client", "agent", "organization", "ticket")
        .order_by("-created_at", "-id")[:limit]
    )


def messages_after(chat_id: int, last_seq: int = 0, limit: int = 500) -> list[Message]:
    """Messages of a chat after number last_seq (what a reconnecting browser has without a
    gap), in order."""
    return list(
        Message.objects.filter(chat_id=chat_id, seq__gt=last_seq)
        .select_related("author", "chat")
        .order_by("seq")[:limit]
    )


def available_agents(exclude=None) -> list:
    """Agents (and admins) available for chat, for the transfer picker."""
    answering = roles.users_with_role(roles.Code.AGENT, roles.Code.ADMIN)
    qs = answering.filter(Q(chat_presence__available=True)).order_by("last_name", "first_name")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def message_payload(message: Message) -> dict:
    """A message as the sockets send it (plain text: the browser inserts it as text). A message
    without author that is not an event is the visitor's (message.chat is loaded with it)."""
    author = message.author
    by_visitor = author is None and message.kind == Message.Kind.MESSAGE
    if author is not None:
        name = author.get_full_name() or author.email
    else:
        name = message.chat.visitor_name if by_visitor else ""
    return {
        "id": message.pk,
        "seq": message.seq,
        "kind": message.kind,
        "author_id": message.author_id,
        "visitor": by_visitor,
        "author": name,
        "body": message.body,
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }
