"""Backfill the first response moment and the business-time durations reports read.

A ticket answered before first_response_at was kept gets it from its first public answer
(a reply event of action type "answer"). Then first_response_seconds and resolution_seconds
are computed in batches with the business calendar of the time. Business-hours maths is
copied here (frozen, like the models a migration sees) rather than imported from
tickets.sla: a migration imports no app code. Rerunnable: only empty durations are filled.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH = 2000


def _calendar(apps):
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    row = BusinessCalendar.objects.order_by("pk").first()
    if row is None:
        return {1, 2, 3, 4, 5}, dt.time(9), dt.time(18), ZoneInfo("Europe/Paris"), frozenset()
    days = {int(d) for d in row.working_days.split(",") if d.strip().isdigit()}
    holidays = frozenset(row.holidays.values_list("date", flat=True))
    return days, row.day_start, row.day_end, ZoneInfo(row.time_zone), holidays


def _business_seconds(start, end, cal) -> int:
    days, day_start, day_end, tz, holidays = cal
    if end <= start:
        return 0
    if not days or day_start >= day_end:
        return int((end - start).total_seconds())
    start, end = start.astimezone(tz), end.astimezone(tz)
    length = (
        dt.datetime.combine(start.date(), day_end) - dt.datetime.combine(start.date(), day_start)
    ).total_seconds()
    total, day, last = 0.0, start.date(), end.date()
    while day <= last:
        if day > start.date() and (last - day).days > 7:
            weeks = ((last - day).days - 1) // 7
            after = day + dt.timedelta(weeks=weeks)
            off = sum(1 for h in holidays if day <= h < after and h.isoweekday() in days)
            total += (weeks * len(days) - off) * length
            day = after
            continue
        if day.isoweekday() in days and day not in holidays:
            begin = max(start, dt.datetime.combine(day, day_start, tzinfo=tz))
            finish = min(end, dt.datetime.combine(day, day_end, tzinfo=tz))
            if begin < finish:
                total += (finish - begin).total_seconds()
        day += dt.timedelta(days=1)
    return int(total)


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Event = apps.get_model("tickets", "Event")
    first_answer = (
        Event.objects.filter(
            ticket=OuterRef("pk"), kind="reply", action_type="answer", is_internal=False
        )
        .order_by("action_at")
        .values("action_at")[:1]
    )
    Ticket.objects.filter(first_response_at__isnull=True).update(
        first_response_at=Subquery(first_answer)
    )
    cal = _calendar(apps)
    last_pk = 0
    while True:
        rows = list(
            Ticket.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only(
                "pk",
                "created_at",
                "first_response_at",
                "resolved_at",
                "first_response_seconds",
                "resolution_seconds",
            )[:BATCH]
        )
        if not rows:
            break
        last_pk = rows[-1].pk
        changed = []
        for t in rows:
            dirty = False
            if t.first_response_at and t.first_response_seconds is None:
                t.first_response_seconds = _business_seconds(t.created_at, t.first_response_at, cal)
                dirty = True
            if t.resolved_at and t.resolution_seconds is None:
                t.resolution_seconds = _business_seconds(t.created_at, t.resolved_at, cal)
                dirty = True
            if dirty:
                changed.append(t)
        Ticket.objects.bulk_update(
            changed, ["first_response_seconds", "resolution_seconds"], batch_size=500
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0013_report_durations_and_indexes")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
