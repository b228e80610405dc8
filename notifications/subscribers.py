"""Ticket events (tickets.events, after commit) become notification jobs, queued at once and
picked up again by the periodic job if the broker lost them."""

from __future__ import annotations

import logging

from tickets import events

from .models import NotificationJob

logger = logging.getLogger(__name__)


def _queue(*, name: str, ticket_id: int, event_id: int | None) -> None:
    if event_id is None:
        return
    job, _created = NotificationJob.objects.get_or_create(
        name=name, event_id=event_id, defaults={"ticket_id": ticket_id}
    )
    from . import tasks

    try:
        tasks.notify_ticket_event.delay(job.pk)
    except Exception:
        logger.exception("could not queue notification job %s: the periodic job will", job.pk)


def connect() -> None:
    for name in sorted(events.NAMES):
        events.subscribe(name, _queue)
