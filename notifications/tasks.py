"""Celery tasks of the notifications: thin, idempotent, by id (scheduled in helpdesk/celery.py).

Nobody waits for the results of the jobs and deliveries (what a task did is in its rows):
ignore_result spares each .delay() the subscription to its result channel, and the worker the
result it would store.
"""

from __future__ import annotations

import logging

from celery import shared_task

from . import jobs, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def run_notification_job(job_id: int) -> int:
    """Emails and webhook posts of one event, written by the handler its app registered
    (notifications.jobs); running it twice queues nothing twice."""
    return jobs.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def deliver_email(pk: int) -> str:
    return services.deliver_email(pk)


@shared_task(acks_late=True, ignore_result=True)
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
