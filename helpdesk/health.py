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
