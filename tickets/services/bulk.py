"""Bulk actions on the queue: one verb on many selected tickets, ticket by ticket.

Agents and admins only. Each ticket goes through its single-ticket verb (its own transaction,
event and notification), so the same rules apply; a ticket the actor may not see or change is
refused with the reason, one already in the wanted state is left unchanged, the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import User

from .. import access
from ..errors import InvalidInput, TicketError
from .assignment import assign
from .handling import change_priority
from .status import change_status

BULK_LIMIT = 200


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def bulk_apply(*, actor: User, numbers: Iterable[int], action: str, value) -> BulkResult:
    """One verb on many selected tickets, ticket by ticket through the single-ticket service
    (its own transaction, event and notification): action "assign" (value: a list of people,
    empty to unassign), "status" (a Status) or "priority" (a Priority). A ticket the actor may
    not see or change is refused with the reason, one already in that state is unchanged; the
    others go on."""
    if not access.can_bulk_edit(actor):
        raise PermissionDenied
    verbs = {
        "assign": lambda ticket: assign(actor=actor, ticket=ticket, assignees=value),
        "status": lambda ticket: change_status(actor=actor, ticket=ticket, status=value),
        "priority": lambda ticket: change_priority(actor=actor, ticket=ticket, priority=value),
    }
    if action not in verbs:
        raise InvalidInput(_("Choose an action."))
    wanted = list(dict.fromkeys(int(n) for n in numbers))
    if not wanted:
        raise InvalidInput(_("Select at least one ticket."))
    if len(wanted) > BULK_LIMIT:
        raise InvalidInput(_("Select at most %(limit)s tickets at once.") % {"limit": BULK_LIMIT})
    found = {
        t.number: t
        for t in access.visible_tickets(actor).select_related("status").filter(number__in=wanted)
    }
    result = BulkResult()
    for number in wanted:
        ticket = found.get(number)
        if ticket is None:
            result.refused.append((number, _("not found")))
            continue
        unchanged = (action == "status" and ticket.status_id == value.pk) or (
            action == "priority" and ticket.priority_id == value.pk
        )
        if unchanged:
            result.unchanged.append(number)
            continue
        try:
            verbs[action](ticket)
        except InvalidInput:
            result.unchanged.append(number)
        except PermissionDenied:
            result.refused.append((number, _("not allowed")))
        except TicketError as error:
            result.refused.append((number, str(error)))
        else:
            result.changed.append(number)
    return result
