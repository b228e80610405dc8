"""Project-wide background jobs."""

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


@shared_task
def record_heartbeat(source: str = "worker") -> int:
    """Record that a worker ran a job now; returns the number of beats so far."""
    beat, created = Heartbeat.objects.get_or_create(
        source=source, defaults={"beat_at": timezone.now(), "count": 1}
    )
    if not created:
        Heartbeat.objects.filter(pk=beat.pk).update(beat_at=timezone.now(), count=F("count") + 1)
        beat.refresh_from_db()
    return beat.count
