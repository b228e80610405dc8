"""A real Celery worker on a real Redis broker runs a job and its effect lands in the database."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from helpdesk.celery import app
from helpdesk.models import Heartbeat
from helpdesk.tasks import record_heartbeat

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL and not os.environ.get("HELPDESK_REQUIRE_REDIS"),
    reason="needs REDIS_URL (CI sets it in its PostgreSQL + Redis run)",
)


@pytest.fixture
def real_worker():
    """A worker thread consuming from the Redis broker, tasks not run eagerly."""
    assert settings.REDIS_URL, "HELPDESK_REQUIRE_REDIS is set but REDIS_URL is not"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker(real_worker):
    assert app.connection().as_uri().startswith("redis://")
    result = record_heartbeat.delay("ci-real-worker")
    assert result.get(timeout=30) == 1
    beat = Heartbeat.objects.get(source="ci-real-worker")
    assert beat.count == 1

    assert record_heartbeat.delay("ci-real-worker").get(timeout=30) == 2
    beat.refresh_from_db()
    assert beat.count == 2
