"""Periodic ticket jobs (scheduled in helpdesk/celery.py); idempotent, logic in services."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def auto_close_waiting_tickets():
    """Warn tickets waiting on the client a day before closing them, close the overdue ones."""
    warned, closed = services.auto_close_waiting_tickets()
    logger.info("auto-close: %s warned, %s closed", warned, closed)
    return {"warned": warned, "closed": closed}


@shared_task
def flag_overdue_tickets():
    return services.flag_overdue_tickets()
