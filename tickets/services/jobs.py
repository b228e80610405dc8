"""Periodic ticket jobs (run by tickets.tasks on the schedule in helpdesk/celery.py).

auto_close_waiting_tickets warns, a day before, the tickets waiting on the client and closes
those that waited TICKETS_AUTO_CLOSE_DAYS (tickets.workflow.AUTO_CLOSE_FROM / AUTO_CLOSE_TO);
flag_overdue_tickets keeps is_overdue in step with the SLA due dates. No acting user: each
ticket is checked again on its locked row, so both jobs are idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import policies

from .. import events, workflow
from ..models import Event, Status, Ticket
from ._common import (
    Kind,
    add_event,
    add_status_event,
    apply_status,
    counters_changed,
    first_status,
    touch,
)


def auto_close_days() -> int:
    """The days a ticket waits on the client before it is closed (Administration > Settings,
    else TICKETS_AUTO_CLOSE_DAYS)."""
    return policies.current().auto_close_days


def auto_close_warning_days() -> int:
    """How many days before closing the client is warned (at least one, at most the delay)."""
    return policies.current().auto_close_warning_days


def auto_close_waiting_tickets(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn, a day before, the tickets waiting on the client for N-1 days (WARNING event,
    public; publishes ticket_auto_close_warning), and close those waiting N days (STATUS event
    without actor; publishes ticket_status_changed). Each ticket in its own transaction, checked
    again on the locked row; idempotent. Returns (warned, closed)."""
    now = now or timezone.now()
    days = auto_close_days()
    closed_status = first_status(workflow.AUTO_CLOSE_TO)
    waiting = Ticket.objects.filter(status__category=workflow.AUTO_CLOSE_FROM)
    close_ids = list(
        waiting.filter(waiting_since__lte=now - dt.timedelta(days=days)).values_list(
            "pk", flat=True
        )
    )
    warn_ids = list(
        waiting.filter(
            waiting_since__lte=now - dt.timedelta(days=max(days - auto_close_warning_days(), 0)),
            waiting_since__gt=now - dt.timedelta(days=days),
            auto_close_warned_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    closed = warned = 0
    for pk in close_ids:
        if closed_status is not None and _auto_close_one(pk, closed_status, now, days):
            closed += 1
    for pk in warn_ids:
        if _warn_one(pk, now, days):
            warned += 1
    return warned, closed


@transaction.atomic
def _auto_close_one(pk: int, closed_status: Status, now: dt.datetime, days: int) -> bool:
    ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
    if ticket is None or ticket.status.category != workflow.AUTO_CLOSE_FROM:
        return False
    if ticket.waiting_since is None or ticket.waiting_since > now - dt.timedelta(days=days):
        return False
    old = ticket.status
    changed = apply_status(ticket, closed_status, now)
    touch(ticket, None, now, *changed)
    event = add_status_event(
        ticket,
        None,
        old,
        closed_status,
        data={"auto": True, "days": days},
        action_type=Event.ActionType.EVENT,
    )
    events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return True


@transaction.atomic
def _warn_one(pk: int, now: dt.datetime, days: int) -> bool:
    ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
    if ticket is None or ticket.status.category != workflow.AUTO_CLOSE_FROM:
        return False
    if ticket.auto_close_warned_at is not None:
        return False
    ticket.auto_close_warned_at = now
    ticket.save(update_fields=["auto_close_warned_at"])
    event = add_event(
        ticket,
        None,
        Kind.WARNING,
        action_type=Event.ActionType.INFORMATION,
        data={
            "days": days,
            "closes_at": (ticket.waiting_since + dt.timedelta(days=days)).isoformat(),
        },
    )
    events.publish(events.TICKET_AUTO_CLOSE_WARNING, ticket_id=ticket.pk, event_id=event.pk)
    return True


def flag_overdue_tickets(*, now: dt.datetime | None = None) -> int:
    """Set is_overdue on working tickets past their resolution due date (not paused); clear it
    on the others. Returns how many tickets became overdue."""
    now = now or timezone.now()
    open_q = Ticket.objects.exclude(status__category__in=sorted(workflow.FINAL))
    flagged = open_q.filter(
        is_overdue=False, resolution_due_at__lt=now, sla_paused_at__isnull=True
    ).update(is_overdue=True)
    # Due dates pushed back (priority change, pause) clear the flag.
    Ticket.objects.filter(is_overdue=True).filter(
        Q(resolution_due_at__gte=now) | Q(sla_paused_at__isnull=False)
    ).update(is_overdue=False)
    counters_changed()
    return flagged
