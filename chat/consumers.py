"""The chat's WebSockets.

/ws/chat/<id>/  one chat: its client, the agent who took it and (reading) whoever may see it.
                On "hello" with last_seq (the number up to which the browser has every message) it
                gets the messages after it, in order;
                "message" stores a message (then pushed to everyone in the chat, the writer too);
                "typing" tells the others (not stored).
/ws/chat/visit/<token>/  the same for a web form's visitor, admitted by the signed link of their
                chat (no session: a third-party frame gets no cookie).
/ws/chat/queue/ agents and admins (the top bar): the count of waiting chats, in all and per
                support level, pushed when it changes; and to this agent alone, a chat just
                transferred to them.

A socket is refused (closed with code 4403) unless the session is logged in, has passed the
second factor where pages ask it, and may see the chat: a hidden chat looks like a missing one.
"""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts import access as accounts_access

from . import access, push, selectors, services
from .errors import ChatError
from .models import Chat

logger = logging.getLogger(__name__)

REFUSED = 4403


def PARALLEL_WRITES() -> bool:
    return connection.vendor == "postgresql"


def session_user(scope):
    """The logged-in, active user of the socket's session who passed the second factor where
    pages ask for it; None otherwise (the same rule as accounts.middleware for pages)."""
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if accounts_access.requires_second_factor(user):
        session = scope.get("session")
        persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
        device = Device.from_persistent_id(persistent_id) if persistent_id else None
        if device is None or device.user_id != user.pk or not device.confirmed:
            return None
    return user


class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.chat_id = self.scope["url_route"]["kwargs"].get("chat_id")
        self.user, self.chat = await self._admit()
        if self.chat is None:
            await self.close(code=REFUSED)
            return
        self.group = push.chat_group(self.chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _admit(self):
        user = session_user(self.scope)
        if user is None:
            return None, None
        try:
            return user, access.get_visible_chat_or_404(user, self.chat_id)
        except Http404:
            return user, None

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "hello":
            await self._catch_up(content.get("last_seq"))
        elif kind == "message":
            await self._post(content.get("body"), content.get("ref"))
        elif kind == "typing":
            await self.channel_layer.group_send(
                self.group,
                {"type": "chat.typing", "sender": self._sender(), "name": self._display_name()},
            )

    def _sender(self) -> str:
        return f"user-{self.user.pk}"

    def _display_name(self) -> str:
        return self.user.get_full_name() or self.user.email

    async def _catch_up(self, last_seq):
        try:
            last_seq = min(max(0, int(last_seq or 0)), 2**31 - 1)
        except (TypeError, ValueError, OverflowError):
            last_seq = 0
        messages, state = await self._missed(last_seq)
        for message in messages:
            await self.send_json({"type": "message", "message": message})
        await self.send_json({"type": "state", **state})

    def _reload(self):
        return access.get_visible_chat_or_404(self.user, self.chat.pk)

    @database_sync_to_async
    def _missed(self, last_seq):
        rows = selectors.messages_after(self.chat.pk, last_seq)
        chat = self._reload()
        state = {
            "status": chat.status,
            "agent_id": chat.agent_id,
            "agent": (chat.agent.get_full_name() or chat.agent.email) if chat.agent else "",
            "ticket": chat.ticket.number if chat.ticket_id else None,
        }
        return [selectors.message_payload(m) for m in rows], state

    async def _post(self, body, ref):
        if not isinstance(body, str):
            return
        # Stored (committed) first, then pushed from here: the database thread is not held
        # during the round trip to the channel layer. On PostgreSQL the writes of many chats
        # run side by side in the thread pool; SQLite takes one writer at a time anyway.
        store = database_sync_to_async(self._store, thread_sensitive=not PARALLEL_WRITES())
        event, error = await store(body)
        if error:
            await self.send_json({"type": "error", "ref": ref, "message": error})
        else:
            await self.channel_layer.group_send(self.group, event)

    def _store(self, body):
        try:
            message = services.post_message(
                actor=self.user, chat=self.chat, body=body, push_after=False
            )
        except PermissionDenied:
            return None, "refused"
        except ChatError as exc:
            return None, str(exc)
        return services.message_event(message), None

    # Group events -> this browser.
    async def chat_message(self, event):
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_typing(self, event):
        if event["sender"] != self._sender():
            await self.send_json({"type": "typing", "name": event["name"]})

    async def chat_state(self, event):
        payload = {k: v for k, v in event.items() if k != "type"}
        await self.send_json({"type": "state", **payload})


class VisitorChatConsumer(ChatConsumer):
    """A web form's visitor in their chat: the signed link of the chat is the key."""

    @database_sync_to_async
    def _admit(self):
        try:
            return None, access.get_visitor_chat_or_404(self.scope["url_route"]["kwargs"]["token"])
        except Http404:
            return None, None

    def _sender(self) -> str:
        return "visitor"

    def _display_name(self) -> str:
        return self.chat.visitor_name or self.chat.visitor_email

    def _reload(self):
        return Chat.objects.select_related("agent", "ticket").get(pk=self.chat.pk)

    def _store(self, body):
        try:
            message = services.post_visitor_message(chat=self.chat, body=body, push_after=False)
        except PermissionDenied:
            return None, "refused"
        except ChatError as exc:
            return None, str(exc)
        return services.message_event(message), None


class QueueConsumer(AsyncJsonWebsocketConsumer):
    """The waiting count for agents (top bar, chat panel)."""

    async def connect(self):
        admitted = await self._admit()
        if admitted is None:
            await self.close(code=REFUSED)
            return
        user, levels = admitted
        self.groups_joined = [push.QUEUE_GROUP, push.agent_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "queue", "count": sum(levels.values()), "levels": levels})

    @database_sync_to_async
    def _admit(self):
        user = session_user(self.scope)
        if user is None or not access.answers_chats(user):
            return None
        return user, selectors.waiting_counts()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        return  # nothing to say: the socket only listens

    async def queue_changed(self, event):
        await self.send_json(
            {"type": "queue", "count": event["count"], "levels": event.get("levels", {})}
        )

    async def chat_assigned(self, event):
        payload = {k: v for k, v in event.items() if k != "type"}
        await self.send_json({"type": "assigned", **payload})
