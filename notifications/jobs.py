"""Notification jobs: "this event of that app needs its emails and posts written", stored in the
event's own transaction (they commit, or roll back, with it), run by a Celery task queued once it
commits, picked up again by the periodic job if the broker lost them. What a job writes is
decided by the app that owns the event: it registers a handler per job name in its
AppConfig.ready():

    jobs.register_handler("ticket_created", notify_event)
    # called as notify_event(name=..., ticket_id=..., event_id=...) -> emails queued

so that the outbox runs a job without importing that app. A handler must be idempotent (the
outbox drops an email whose key it stored already; a webhook posts an event once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.utils import timezone

from . import tasks
from .models import NotificationJob

logger = logging.getLogger(__name__)

Handler = Callable[..., int]
_handlers: dict[str, Handler] = {}


def register_handler(name: str, handler: Handler) -> None:
    _handlers[name] = handler


def handler_for(name: str) -> Handler:
    try:
        return _handlers[name]
    except KeyError:
        raise LookupError(f"no handler registered for notification job {name!r}") from None


def queue_job(*, name: str, ticket_id: int, event_id: int | None) -> NotificationJob | None:
    """Store the job in the caller's transaction (the one that writes the event) and queue its
    task once that transaction commits; if the broker is down then, the periodic job queues it
    later. A crash between the commit and the queueing loses nothing: the row is there."""
    if event_id is None:
        return None
    job = NotificationJob.objects.create(name=name, ticket_id=ticket_id, event_id=event_id)
    transaction.on_commit(partial(_queue_task, job.pk))
    return job


def _queue_task(job_id: int) -> None:
    try:
        tasks.run_notification_job.delay(job_id)
    except Exception:
        logger.exception("could not queue notification job %s: the periodic job will", job_id)


def run_job(job_id: int) -> int:
    """Run one job's handler and mark it done; returns the emails it queued."""
    job = NotificationJob.objects.filter(pk=job_id).first()
    if job is None:
        return 0
    handler = handler_for(job.name)
    sent = handler(name=job.name, ticket_id=job.ticket_id, event_id=job.event_id)
    NotificationJob.objects.filter(pk=job.pk).update(done_at=timezone.now())
    return sent


def queue_lost_jobs(*, now: dt.datetime | None = None) -> int:
    """Requeue jobs the broker never ran (older than two minutes); forget done ones after a week."""
    now = now or timezone.now()
    NotificationJob.objects.filter(done_at__lt=now - dt.timedelta(days=7)).delete()
    lost = NotificationJob.objects.filter(
        done_at__isnull=True, created_at__lt=now - dt.timedelta(minutes=2)
    ).order_by("pk")
    ids = list(lost.values_list("pk", flat=True)[:500])
    for pk in ids:
        tasks.run_notification_job.delay(pk)
    return len(ids)
