"""Who works a ticket: assign, claim, escalate.

Admins and agents set the assignees (agents or admins only); an agent claims a ticket they are
not on yet, which moves a new ticket to its first open status (tickets.workflow.CLAIM_MOVES);
escalating passes the ticket to the next support level, with a reason, and clears the assignees.
Each writes its timeline event and publishes ticket_assigned.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Role, User

from .. import access, events, workflow
from ..errors import InvalidInput
from ..models import Event, Ticket
from ._common import Kind, add_event, apply_status, check_version, first_status, lock, touch


def set_assignees(ticket: Ticket, people: list[User]) -> None:
    """Set the assignees (agents and admins only) and the is_assigned flag; no event."""
    allowed = set(
        roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN)
        .filter(pk__in=[p.pk for p in people])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len({p.pk for p in people}):
        raise InvalidInput(_("Only agents and admins can be assigned."))
    ticket.assignees.set(people)
    flag_assigned(ticket, bool(people))


def flag_assigned(ticket: Ticket, assigned: bool) -> None:
    """Ticket.is_assigned says whether anyone holds the ticket (the Unassigned view and counter
    read it through a partial index): every verb that changes the assignees sets it here."""
    if ticket.is_assigned != assigned:
        ticket.is_assigned = assigned
        Ticket.objects.filter(pk=ticket.pk).update(is_assigned=assigned)


@transaction.atomic
def assign(
    *, actor: User, ticket: Ticket, assignees: Sequence[User], version: int | None = None
) -> Event:
    """Admins and agents set the assignees (agents or admins). Writes an ASSIGNMENT event;
    publishes ticket_assigned."""
    ticket = lock(ticket)
    if not access.can_assign(actor, ticket):
        raise PermissionDenied
    check_version(ticket, version)
    before = {u.pk: str(u) for u in ticket.assignees.all()}
    after = {u.pk: str(u) for u in assignees}
    if before.keys() == after.keys():
        raise InvalidInput(_("The assignees did not change."))
    set_assignees(ticket, list(assignees))
    now = timezone.now()
    touch(ticket, actor, now, "version")
    event = add_event(
        ticket,
        actor,
        Kind.ASSIGNMENT,
        action_type=Event.ActionType.HISTORY,
        data={
            "added": sorted(v for k, v in after.items() if k not in before),
            "removed": sorted(v for k, v in before.items() if k not in after),
            "added_ids": sorted(k for k in after if k not in before),
        },
    )
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def claim(*, actor: User, ticket: Ticket) -> Event:
    """An agent takes the ticket: added to the assignees; a new ticket moves to the first open
    status ("Pris en charge"). Writes a CLAIM event; publishes ticket_assigned."""
    ticket = lock(ticket)
    if not access.can_claim(actor, ticket):
        raise PermissionDenied
    ticket.assignees.add(actor)
    flag_assigned(ticket, True)
    now = timezone.now()
    data = {}
    changed = ["version"]
    moves_to = workflow.claim_moves_to(ticket.status.category)
    if moves_to is not None:
        target = first_status(moves_to)
        if target is not None:
            data = {"old": ticket.status_id, "new": target.pk}
            changed += apply_status(ticket, target, now)
    touch(ticket, actor, now, *changed)
    event = add_event(ticket, actor, Kind.CLAIM, action_type=Event.ActionType.EVENT, data=data)
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    if data:
        events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def escalate(*, actor: User, ticket: Ticket, reason: str) -> Event:
    """Admins and agents pass the ticket to the next support level with a reason; the
    assignees are cleared for that level to claim it. Writes an internal ESCALATION event."""
    ticket = lock(ticket)
    if not access.can_escalate(actor, ticket):
        raise PermissionDenied
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the ticket is escalated."))
    old_level = ticket.support_level
    ticket.support_level = old_level + 1
    removed = sorted(str(u) for u in ticket.assignees.all())
    ticket.assignees.clear()
    flag_assigned(ticket, False)
    now = timezone.now()
    touch(ticket, actor, now, "support_level")
    event = add_event(
        ticket,
        actor,
        Kind.ESCALATION,
        action_type=Event.ActionType.REASON,
        body=reason,
        is_internal=True,
        data={"old": old_level, "new": ticket.support_level, "removed": removed},
    )
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    return event
