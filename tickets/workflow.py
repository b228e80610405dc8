"""The ticket status rules as data: which status may follow which, who moves a ticket, reopening.

Statuses are rows admins configure (tickets.Status); the rules are about their categories.
Admins and agents move a ticket to any other active status, but a closed or cancelled ticket
only moves by reopening, back to the working status it had before. Customers and admins reopen;
agents reopen a resolved ticket, a closed one only when the setting allows. A customer's reply
on a ticket waiting on them, resolved or closed puts it back to work the same way.
tickets.access maps a person to status roles; tickets.services applies the rules on the locked row.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.utils.translation import gettext as _

from .errors import TransitionRefused
from .models import FINAL_CATEGORIES, WORKING_CATEGORIES, Status

Category = Status.Category


class StatusRole(StrEnum):
    """What a person is to a ticket's status (decided by tickets.access)."""

    CUSTOMER = "customer"  # a client or reseller user who sees the ticket
    ADMIN = "admin"
    AGENT = "agent"


R = StatusRole

# Being worked on. Leaving these for another category records the status to come back to.
WORKING = WORKING_CATEGORIES  # new, open
# Work is over until the ticket is reopened: no claim, no escalation, never overdue.
FINAL = FINAL_CATEGORIES  # resolved, closed, cancelled
# Only reopening moves a ticket out of these.
LOCKED = frozenset({Category.CLOSED, Category.CANCELLED})
# The SLA clock stops while the ticket waits on the client.
PAUSES_SLA = frozenset({Category.WAITING_CLIENT})
# A customer's (public) reply puts a ticket in these back to its previous working status.
RESUMED_BY_CUSTOMER_REPLY = frozenset(
    {Category.WAITING_CLIENT, Category.RESOLVED, Category.CLOSED, Category.CANCELLED}
)
# Claiming a ticket in the key category moves it to the first status of the value category.
CLAIM_MOVES = {Category.NEW: Category.OPEN}
# Where reopening goes when the ticket kept no previous working status.
REOPEN_FALLBACK = Category.OPEN
# The periodic job closes tickets that waited on the client for TICKETS_AUTO_CLOSE_DAYS.
AUTO_CLOSE_FROM = Category.WAITING_CLIENT
AUTO_CLOSE_TO = Category.CLOSED

# Who may set a status (any active one, check_transition permitting).
CHANGES_STATUS = frozenset({R.ADMIN, R.AGENT})
# Who may reopen, by the category the ticket is in. Agents also reopen closed and cancelled
# tickets when settings.TICKETS_AGENTS_MAY_REOPEN_CLOSED is on (may_reopen's argument).
REOPENS = {
    Category.RESOLVED: frozenset({R.CUSTOMER, R.ADMIN, R.AGENT}),
    Category.CLOSED: frozenset({R.CUSTOMER, R.ADMIN}),
    Category.CANCELLED: frozenset({R.CUSTOMER, R.ADMIN}),
}


def check_transition(current: Status, new: Status) -> None:
    """Raise TransitionRefused when current -> new is not a valid status change."""
    if new.pk == current.pk:
        raise TransitionRefused(_("The ticket already has the status “%s”.") % new.name)
    if not new.is_active:
        raise TransitionRefused(_("The status “%s” is retired.") % new.name)
    if current.category in LOCKED:
        raise TransitionRefused(
            _("The ticket is “%s”: reopen it before changing its status.") % current.name
        )


def settable_statuses(current: Status, statuses: Iterable[Status]) -> list[Status]:
    """The statuses among statuses that check_transition lets current move to (what the ticket
    page offers: none on a closed or cancelled ticket, which only reopening moves)."""
    allowed = []
    for status in statuses:
        try:
            check_transition(current, status)
        except TransitionRefused:
            continue
        allowed.append(status)
    return allowed


def may_change_status(roles: Iterable[str]) -> bool:
    return bool(CHANGES_STATUS & set(roles))


def may_reopen(category: str, roles: Iterable[str], *, agents_reopen_closed: bool = False) -> bool:
    """Whether a person with these status roles may reopen a ticket in category."""
    allowed = REOPENS.get(category, frozenset())
    if agents_reopen_closed and category in LOCKED:
        allowed = allowed | {R.AGENT}
    return bool(allowed & set(roles))


def may_edit_text(category: str, roles: Iterable[str], *, is_requester: bool) -> bool:
    """Title and description: admins always; agents until closed; the requester while new."""
    held = set(roles)
    if R.ADMIN in held:
        return True
    if R.AGENT in held:
        return category not in LOCKED
    return is_requester and category == Category.NEW


def is_open_to_work(category: str) -> bool:
    """Claiming and escalating are for tickets whose work is not over."""
    return category not in FINAL


def remembers_previous(old: str, new: str) -> bool:
    """Leaving work (new/open) for another category keeps old as the status to come back to."""
    return old in WORKING and new not in WORKING


def resumes_on_customer_reply(category: str) -> bool:
    return category in RESUMED_BY_CUSTOMER_REPLY


def claim_moves_to(category: str) -> str | None:
    """The category a claim moves a ticket to, or None when it keeps its status."""
    return CLAIM_MOVES.get(category)
