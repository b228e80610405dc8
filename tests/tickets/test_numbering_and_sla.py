"""Ticket numbers under concurrent creation, and SLA business-hours arithmetic."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from tickets import services, sla
from tickets.models import Ticket

from .conftest import ensure_reference_data

PARIS = ZoneInfo("Europe/Paris")
CAL = sla.Calendar(holidays=frozenset({dt.date(2026, 12, 25)}))


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_unique_sequential_numbers(client_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    ensure_reference_data()
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(per_worker):
                services.create_ticket(actor=client_a, title="Course", description="")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1, workers * per_worker + 1))


def test_business_hours_skip_nights_weekends_and_holidays():
    # Friday 17:00 + 2 working hours = Monday 10:00.
    assert sla.add_business_hours(paris(2026, 11, 20, 17), 2, CAL) == paris(2026, 11, 23, 10)
    # Before opening counts from 9:00.
    assert sla.add_business_hours(paris(2026, 11, 23, 7), 1, CAL) == paris(2026, 11, 23, 10)
    # Christmas (Friday) is skipped.
    assert sla.add_business_hours(paris(2026, 12, 24, 17), 2, CAL) == paris(2026, 12, 28, 10)


def test_business_seconds_between_counts_only_working_time():
    start, end = paris(2026, 11, 20, 17), paris(2026, 11, 23, 10)
    assert sla.business_seconds_between(start, end, CAL) == 2 * 3600
    assert sla.business_seconds_between(end, start, CAL) == -2 * 3600


def test_calendar_without_working_days_falls_back_to_wall_clock():
    cal = sla.Calendar(weekdays=frozenset())
    start = paris(2026, 11, 21, 12)
    assert sla.add_business_hours(start, 5, cal) == start + dt.timedelta(hours=5)


def test_waiting_on_client_pauses_the_clock(ticket_a, agent, ref, monkeypatch):
    from django.utils import timezone

    due = ticket_a.resolution_due_at
    monday = paris(2026, 11, 23, 10)
    monkeypatch.setattr(timezone, "now", lambda: monday)
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["reponse-envoyee"])
    ticket_a.refresh_from_db()
    state = sla.sla_state(ticket_a, CAL, now=paris(2026, 11, 25, 10))
    assert state.paused
    monkeypatch.setattr(timezone, "now", lambda: paris(2026, 11, 24, 10))  # 9 working hours on
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["en-cours"])
    ticket_a.refresh_from_db()
    assert sla.business_seconds_between(due, ticket_a.resolution_due_at, CAL) == 9 * 3600


def test_state_shows_time_left_and_overdue(ticket_a):
    due = ticket_a.resolution_due_at
    before = sla.sla_state(ticket_a, CAL, now=due - dt.timedelta(minutes=30))
    assert not before.overdue and before.seconds_left >= 0
    after = sla.sla_state(
        ticket_a, sla.Calendar(weekdays=frozenset()), now=due + dt.timedelta(hours=3)
    )
    assert after.overdue and after.hours_left == 3


def _day_by_day(start, end, cal):
    """Working seconds counted one day at a time: what the whole-week shortcut must equal."""
    start, end = start.astimezone(cal.tz), end.astimezone(cal.tz)
    total, day = 0.0, start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            open_at, close_at = cal.window(day)
            begin, finish = max(start, open_at), min(end, close_at)
            if begin < finish:
                total += (finish - begin).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


def test_long_spans_count_the_same_as_day_by_day():
    import random

    rng = random.Random(5)
    holidays = frozenset(
        dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 900)) for _ in range(40)
    )
    calendars = [
        CAL,
        sla.Calendar(holidays=holidays),
        sla.Calendar(
            weekdays=frozenset({1, 3, 6}),
            start=dt.time(7, 30),
            end=dt.time(19, 15),
            holidays=holidays,
        ),
    ]
    for _ in range(300):
        cal = rng.choice(calendars)
        start = paris(2025, 1, 1, 0) + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 400))
        end = start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 500))
        expected = _day_by_day(start, end, cal)
        assert sla.business_seconds_between(start, end, cal) == expected, (start, end)
        assert sla.business_seconds_between(end, start, cal) == -expected
