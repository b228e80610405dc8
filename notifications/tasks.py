"""Celery tasks of the notifications: thin, idempotent, by id (scheduled in helpdesk/celery.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from . import jobs, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_notification_job(job_id: int) -> int:
    """Emails and webhook posts of one event, written by the handler its app registered
    (notifications.jobs); running it twice queues nothing twice."""
    return jobs.run_job(job_id)


@shared_task(acks_late=True)
def deliver_email(pk: int) -> str:
    return services.deliver_email(pk)


@shared_task(acks_late=True)
def deliver_post(pk: int) -> str:
    return services.deliver_webhook_post(pk)


@shared_task
def send_due() -> dict:
    """Every minute: retries that are due, rows lost by the broker, stale claims; and the raw
    bytes of old sent emails erased."""
    counts = services.queue_due()
    counts["jobs"] = jobs.queue_lost_jobs()
    counts["purged"] = services.purge_old()
    if any(counts.values()):
        logger.info("send_due: %s", counts)
    return counts
