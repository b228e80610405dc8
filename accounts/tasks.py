"""Periodic account housekeeping (scheduled in helpdesk/celery.py)."""

import logging

from celery import shared_task
from django.core.management import call_command

from . import services

logger = logging.getLogger(__name__)


@shared_task
def purge_expired_sessions() -> int:
    """Drop expired sessions, then the sessions of deactivated people. Idempotent."""
    call_command("clearsessions")
    ended = services.end_sessions()
    logger.info("purge_expired_sessions: ended %d sessions of inactive users", ended)
    return ended
