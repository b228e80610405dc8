"""Tickets answered and resolved before the durations were stored get them from the migration."""

import importlib

import pytest
from django.apps import apps

from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("tickets.migrations.0014_backfill_report_durations").backfill


def test_the_migration_fills_what_the_services_now_stamp(dataset):
    # As the rows were before: durations empty, T1's first response known only from its events.
    Ticket.objects.update(first_response_seconds=None, resolution_seconds=None)
    Ticket.objects.filter(pk=dataset.t1.pk).update(first_response_at=None)
    backfill(apps, None)
    t1, t2, t4 = (Ticket.objects.get(pk=t.pk) for t in (dataset.t1, dataset.t2, dataset.t4))
    assert t1.first_response_at == Event.objects.get(ticket=t1, kind="reply").action_at
    assert t1.first_response_seconds == 5400  # Friday 17:00 -> Monday 09:30
    assert t1.resolution_seconds == 4 * 3600
    assert t2.resolution_seconds == 9 * 3600
    assert t4.first_response_seconds is None and t4.resolution_seconds is None
    backfill(apps, None)  # rerunnable: nothing changes
    assert Ticket.objects.get(pk=t1.pk).first_response_seconds == 5400
