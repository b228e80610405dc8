"""What the sockets receive: group names and the events pushed to them after a commit.

Everything is stored first; the push happens in transaction.on_commit, so a browser that
misses it (dropped connection) finds the row when it reconnects with its last seen id.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

QUEUE_GROUP = "chat-queue"


def chat_group(chat_id: int) -> str:
    return f"chat-{chat_id}"


def agent_group(user_id: int) -> str:
    """One agent's top-bar sockets (every tab): told when a chat is transferred to them."""
    return f"chat-agent-{user_id}"


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a push lost is caught up on reconnect; the write stands
        logger.warning("chat: push to %s failed", group, exc_info=True)


def after_commit(group: str, event: dict) -> None:
    """Push event to group once the current transaction commits."""
    transaction.on_commit(lambda: _send(group, event))
