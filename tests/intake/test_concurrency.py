"""Two workers ingesting the same message at the same moment: one ticket, one duplicate."""

import threading

import pytest
from django.db import connection

from intake import tasks
from intake.models import InboundMessage
from intake.services import ingest_message
from tickets.models import Ticket

from .conftest import raw_message


@pytest.mark.django_db(transaction=True)
def test_same_message_ingested_by_two_workers_at_once(ref_data, client_a):
    if connection.vendor == "sqlite":
        # The in-memory shared-cache test database answers "table is locked" instead of
        # waiting; the file database of `make run` waits (timeout 20 s, IMMEDIATE mode).
        pytest.skip("concurrent writers need PostgreSQL (or a file database)")
    raw = raw_message(message_id="<race@x>")
    barrier = threading.Barrier(2)
    results = []

    def work():
        barrier.wait()
        try:
            results.append(str(ingest_message(raw).outcome))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["created", "duplicate"]
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_beat_task_polls_nothing_without_mailboxes():
    assert tasks.poll_due_mailboxes() == []
