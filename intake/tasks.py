"""Periodic mail polling (scheduled in helpdesk/celery.py); logic in services."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def poll_due_mailboxes():
    """Poll every active mailbox whose interval has elapsed."""
    reports = services.poll_due_mailboxes()
    for report in reports:
        logger.info("polled %s: %s %s", report.mailbox, report.counts, report.error)
    return [{"mailbox": r.mailbox, "counts": r.counts, "error": r.error} for r in reports]


@shared_task
def purge_old_originals():
    """Drop the original bytes of handled messages older than the retention period."""
    return services.purge_old_originals()
