"""Service checks behind /healthz: the database and the job broker."""

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        logger.warning("healthz: database unreachable: %s", exc)
        return "down"
    return "ok"


def broker_status() -> str:
    """'ok' when the broker answers (embedded filesystem broker: its folder is writable)."""
    if not settings.REDIS_URL:
        from pathlib import Path

        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            logger.warning("healthz: broker folder unusable: %s", exc)
            return "down"
        return "ok"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception as exc:  # any client error means "down"
        logger.warning("healthz: broker unreachable: %s", exc)
        return "down"
    return "ok"


def channel_layer_status() -> str:
    """'ok' when the chat's channel layer carries a message (Redis: a round trip through it;
    in-memory: always, it lives in the ASGI process itself)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return "down"
    if not settings.REDIS_URL:
        return "ok"

    async def round_trip() -> bool:
        import asyncio

        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        return message.get("type") == "healthz"

    try:
        return "ok" if async_to_sync(round_trip)() else "down"
    except Exception as exc:  # any client error means "down"
        logger.warning("healthz: channel layer unreachable: %s", exc)
        return "down"
