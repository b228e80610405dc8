"""Business-hours arithmetic for SLA targets.

Targets count working time only: the working days and hours of the business calendar, minus
public holidays. While a ticket waits on the client the clock is paused: when it resumes, its due
dates move later by the working time spent waiting. Pure functions over a Calendar snapshot (read
once with load_calendar()), so seeding and periodic jobs do not query per ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from .models import BusinessCalendar


@dataclass(frozen=True)
class Calendar:
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO: Monday = 1
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(18, 0)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return (
            dt.datetime.combine(day, self.start, tzinfo=self.tz),
            dt.datetime.combine(day, self.end, tzinfo=self.tz),
        )

    @property
    def usable(self) -> bool:
        return bool(self.weekdays) and self.start < self.end


def load_calendar() -> Calendar:
    """The business calendar (first row) with its holidays; defaults when none is configured."""
    row = BusinessCalendar.objects.order_by("pk").first()
    if row is None:
        return Calendar()
    return Calendar(
        weekdays=row.weekdays,
        start=row.day_start,
        end=row.day_end,
        tz=ZoneInfo(row.time_zone),
        holidays=frozenset(row.holidays.values_list("date", flat=True)),
    )


_MAX_DAYS = 3660  # ten years: a guard against calendars without working days


def add_business_seconds(start: dt.datetime, seconds: float, cal: Calendar) -> dt.datetime:
    """The moment `seconds` of working time after start."""
    if not cal.usable:
        return start + dt.timedelta(seconds=seconds)
    remaining = dt.timedelta(seconds=max(0.0, seconds))
    current = start.astimezone(cal.tz)
    day = current.date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            open_at, close_at = cal.window(day)
            begin = max(current, open_at)
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(dt.UTC)
                remaining -= available
        day += dt.timedelta(days=1)
        current = dt.datetime.combine(day, dt.time(0, 0), tzinfo=cal.tz)
    return start + dt.timedelta(seconds=seconds)


def add_business_hours(start: dt.datetime, hours: float, cal: Calendar) -> dt.datetime:
    return add_business_seconds(start, hours * 3600, cal)


def business_seconds_between(start: dt.datetime, end: dt.datetime, cal: Calendar) -> int:
    """Working seconds from start to end (negative when end is before start)."""
    if end < start:
        return -business_seconds_between(end, start, cal)
    if not cal.usable:
        return int((end - start).total_seconds())
    start, end = start.astimezone(cal.tz), end.astimezone(cal.tz)
    total = 0.0
    day, last = start.date(), end.date()
    while day <= last:
        if day > start.date() and (last - day).days > 7:
            # Whole weeks between the first and the last day (a ticket a year overdue would
            # take 365 turns of this loop on every page showing it): each counts its working
            # days, holidays aside, at the full length of a working day.
            weeks = ((last - day).days - 1) // 7
            after = day + dt.timedelta(weeks=weeks)
            holidays = sum(
                1 for h in cal.holidays if day <= h < after and h.isoweekday() in cal.weekdays
            )
            hours = dt.datetime.combine(day, cal.end) - dt.datetime.combine(day, cal.start)
            total += (weeks * len(cal.weekdays) - holidays) * hours.total_seconds()
            day = after
            continue
        if cal.is_working_day(day):
            open_at, close_at = cal.window(day)
            begin, finish = max(start, open_at), min(end, close_at)
            if begin < finish:
                total += (finish - begin).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


def due_dates(created: dt.datetime, priority, cal: Calendar) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) for a ticket created at `created`."""
    return (
        add_business_hours(created, priority.first_response_hours, cal),
        add_business_hours(created, priority.resolution_hours, cal),
    )


@dataclass(frozen=True)
class SlaState:
    due_at: dt.datetime | None
    seconds_left: int | None  # working seconds; negative when overdue
    paused: bool
    met: bool  # resolved (or answered) in time

    @property
    def overdue(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < 0 and not self.met

    @property
    def hours_left(self) -> int:
        return abs(self.seconds_left or 0) // 3600

    @property
    def minutes_left(self) -> int:
        return abs(self.seconds_left or 0) % 3600 // 60


def sla_state(ticket, cal: Calendar, now: dt.datetime | None = None) -> SlaState:
    """Where the resolution target of ticket stands (time left or overdue)."""
    now = now or timezone.now()
    due = ticket.resolution_due_at
    if due is None:
        return SlaState(None, None, False, False)
    finished = ticket.resolved_at or ticket.closed_at
    if finished:
        return SlaState(due, business_seconds_between(finished, due, cal), False, finished <= due)
    reference = ticket.sla_paused_at or now
    left = business_seconds_between(reference, due, cal)
    if reference > due:
        # Past the due date out of working hours: no working time has run since, but the
        # ticket is overdue all the same, as the queue and the dashboard say (overdue_q).
        left = min(left, -1)
    return SlaState(due, left, ticket.sla_paused_at is not None, False)


# Overdue, read at the time of asking: a ticket is overdue from the moment its resolution due
# date passes, not from the next run of tickets.services.flag_overdue_tickets (every 5 minutes,
# and none before the worker starts), so the dashboard, the queue and the ticket page agree.


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Tickets past their resolution due date at now: neither resolved nor closed, clock not
    paused (waiting on the client). Served by the partial index ticket_due_idx. Callers also
    leave out final statuses (a resolved or closed ticket always has its date)."""
    return Q(
        resolved_at__isnull=True,
        closed_at__isnull=True,
        sla_paused_at__isnull=True,
        resolution_due_at__lt=now or timezone.now(),
    )


def is_overdue(ticket, now: dt.datetime | None = None) -> bool:
    """overdue_q for one ticket already loaded (its status attached)."""
    due = ticket.resolution_due_at
    return (
        due is not None
        and due < (now or timezone.now())
        and ticket.resolved_at is None
        and ticket.closed_at is None
        and ticket.sla_paused_at is None
        and not ticket.status.is_final
    )
