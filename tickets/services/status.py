"""Moving a ticket's status: change_status (admins, agents) and reopen.

Both apply tickets.workflow: check_transition refuses the current status, a retired one, and
any move out of a closed or cancelled ticket (TransitionRefused); reopening is decided by
access.can_reopen and goes back to the working status the ticket had before. Each writes a
STATUS or REOPEN event and publishes ticket_status_changed or ticket_reopened.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .. import access, events
from ..models import Event, Status, Ticket
from ..workflow import check_transition
from ._common import (
    Category,
    Kind,
    add_event,
    add_status_event,
    apply_status,
    check_version,
    lock,
    reopen_target,
    touch,
)

__all__ = ["change_status", "check_transition", "move_status_for", "reopen"]


@transaction.atomic
def change_status(
    *, actor: User, ticket: Ticket, status: Status, version: int | None = None, note: str = ""
) -> Event:
    """Admins and agents move the ticket to another status (workflow.check_transition).
    Writes a STATUS event; publishes ticket_status_changed."""
    ticket = lock(ticket)
    if not access.can_change_status(actor, ticket):
        raise PermissionDenied
    check_version(ticket, version)
    old = ticket.status
    check_transition(old, status)
    now = timezone.now()
    changed = apply_status(ticket, status, now)
    touch(ticket, actor, now, *changed)
    action_type = (
        Event.ActionType.SOLUTION if status.category == Category.RESOLVED else None
    ) or Event.ActionType.HISTORY
    event = add_status_event(ticket, actor, old, status, body=note, action_type=action_type)
    events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def move_status_for(*, actor: User, ticket: Ticket, status: Status, note: str = "") -> Event:
    """The hook of a higher app's verb that has decided itself who may act (billing: a client
    accepting or refusing an estimate moves the ticket on). Same rules and event as
    change_status (check_transition, STATUS event with note, ticket_status_changed), without
    tickets.access' staff check, which the caller replaced with its own."""
    ticket = lock(ticket)
    old = ticket.status
    check_transition(old, status)
    now = timezone.now()
    changed = apply_status(ticket, status, now)
    touch(ticket, actor, now, *changed)
    event = add_status_event(ticket, actor, old, status, body=note)
    events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def reopen(*, actor: User, ticket: Ticket, reason: str = "") -> Event:
    """Customers and admins reopen a resolved/closed ticket (agents: see access.can_reopen),
    back to the working status it had before. Writes a REOPEN event; publishes ticket_reopened."""
    ticket = lock(ticket)
    if not access.can_reopen(actor, ticket):
        raise PermissionDenied
    old = ticket.status
    target = reopen_target(ticket)
    now = timezone.now()
    changed = apply_status(ticket, target, now)
    touch(ticket, actor, now, *changed)
    event = add_event(
        ticket,
        actor,
        Kind.REOPEN,
        action_type=Event.ActionType.REASON if reason else Event.ActionType.EVENT,
        body=reason,
        data={"old": old.pk, "new": target.pk},
    )
    events.publish(events.TICKET_REOPENED, ticket_id=ticket.pk, event_id=event.pk)
    return event
