"""Who sees and does what in live chat (same rules as tickets, for chats).

- Agents and admins answer chats: they see every chat, take a waiting one of their level or
  below (admins: any), and talk in the chats they took; admins may act on any open chat.
- Sales reps see (read only) the chats of the organizations they represent.
- A client user opens chats for their organization and sees only their own chats.
- Anybody else sees none. A hidden chat answers 404, on pages and on sockets alike.
- A web form's visitor has no account: they reach their own chat, and only it, through the
  signed link it was opened with (visitor_token); no client sees a visitor's chat.
"""

from __future__ import annotations

from django.core import signing
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles

from .models import Chat


def answers_chats(user) -> bool:
    """Agents and admins answer chats (availability switch, waiting list, take)."""
    return roles.is_admin(user) or roles.is_agent(user)


def can_start_chat(user) -> bool:
    """Client users attached to an organization open chats."""
    return roles.is_customer(user) and user.organization_id is not None


def has_chat_page(user) -> bool:
    """The chat page exists for agents, admins, clients who may chat, and sales reps."""
    return answers_chats(user) or can_start_chat(user) or roles.is_sales_rep(user)


def visible_chats(user) -> QuerySet[Chat]:
    """Chats user may see (scoped like tickets: by organization, a client only their own)."""
    if answers_chats(user):
        return Chat.objects.all()
    if roles.is_sales_rep(user):
        return Chat.objects.filter(roles.organization_q(user))
    if roles.is_customer(user):
        return Chat.objects.filter(client_id=user.pk)
    return Chat.objects.none()


def get_visible_chat_or_404(user, pk) -> Chat:
    try:
        return visible_chats(user).select_related("client", "agent", "organization").get(pk=pk)
    except (Chat.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_view(user, chat: Chat) -> bool:
    return visible_chats(user).filter(pk=chat.pk).exists()


def may_take_level(user, level: int) -> bool:
    """Agents take chats of their level or below; admins take any."""
    if roles.is_admin(user):
        return True
    own = roles.support_level(user)
    return own is not None and level <= own


def can_take(user, chat: Chat) -> bool:
    return (
        answers_chats(user)
        and chat.status == Chat.Status.WAITING
        and may_take_level(user, chat.support_level)
    )


VISITOR_SALT = "chat.visitor"
# The visitor's link is their only key: it works for a day (a chat lasts minutes; the ended
# conversation stays readable for the rest of the day).
VISITOR_MAX_AGE = 24 * 3600


def visitor_token(chat: Chat) -> str:
    """The signed key of a visitor's chat (in the URL of their page and of their socket)."""
    return signing.dumps({"chat": chat.pk}, salt=VISITOR_SALT)


def get_visitor_chat_or_404(token: str) -> Chat:
    """The visitor chat a link opens; a forged, expired or client's chat link answers 404."""
    try:
        data = signing.loads(token, salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE)
        return Chat.objects.select_related("agent", "ticket").get(
            pk=int(data["chat"]), client__isnull=True
        )
    except (signing.BadSignature, Chat.DoesNotExist, KeyError, ValueError, TypeError):
        raise Http404 from None


def visitor_can_post(chat: Chat) -> bool:
    """The visitor writes in their open chat (also while it waits for an agent)."""
    return chat.is_open and chat.is_visitor


def is_participant(user, chat: Chat) -> bool:
    return user.pk is not None and user.pk in (chat.client_id, chat.agent_id)


def can_post(user, chat: Chat) -> bool:
    """The client (also while waiting) and the agent who took it write in an open chat."""
    if not chat.is_open:
        return False
    if user.pk is not None and user.pk == chat.client_id:
        return True
    return chat.status == Chat.Status.ACTIVE and user.pk == chat.agent_id


def can_handle(user, chat: Chat) -> bool:
    """Transfer, end, attach to a ticket: the agent who took the chat, or an admin."""
    if not chat.is_open or not answers_chats(user):
        return False
    return user.pk == chat.agent_id or roles.is_admin(user)


def can_leave(user, chat: Chat) -> bool:
    """The client ends their own open chat."""
    return chat.is_open and user.pk is not None and user.pk == chat.client_id
