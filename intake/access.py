"""Who sees and handles incoming email. Admins configure mailboxes and handle the quarantine
(raw messages may hold anything); admins and agents review unidentified tickets and flagged
replies. Sales reps also see unidentified tickets and attach them to a client they represent
(seed 004: "un agent ou un commercial pourra rattacher le bon client"), but not flagged replies,
which belong to tickets they may not see. Clients and everyone else: nothing (404, through
core.access.require(..., hidden=True) in the views)."""

from __future__ import annotations

from accounts import access as accounts_access
from accounts import roles
from tickets import access as ticket_access
from tickets.models import Ticket


def can_manage_mailboxes(user) -> bool:
    return roles.is_admin(user)


def can_manage_quarantine(user) -> bool:
    return roles.is_admin(user)


def can_review_unidentified(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user) or roles.is_sales_rep(user)


def can_review_flagged(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user)


def can_see_intake(user) -> bool:
    return can_review_unidentified(user) or can_manage_mailboxes(user)


def unidentified_tickets(user):
    """Tickets from unknown senders, still without a client organization."""
    if not can_review_unidentified(user):
        return Ticket.objects.none()
    if ticket_access.sees_every_ticket(user):
        return ticket_access.visible_tickets(user).filter(organization__isnull=True)
    # Sales reps: no organization yet, so none of theirs; they see these to attach them.
    return Ticket.objects.filter(organization__isnull=True, transferred_from__isnull=True)


def can_create_contact(user) -> bool:
    """Attaching an unidentified ticket may create the sender's client account: admins and
    agents (accounts.access)."""
    return can_review_unidentified(user) and accounts_access.can_create_contact(user)


def identity_needs_authentication(user) -> bool:
    """Mail speaks as staff only when authenticated by DKIM/SPF/DMARC, never on a reply token
    alone (intake.trust)."""
    return roles.is_staff_member(user)


def can_manage_ignored(user) -> bool:
    """Ignored messages (automatic mail, lists, bounces) may hold anything: admins."""
    return roles.is_admin(user)


def can_download_original(user, record) -> bool:
    """The original .eml of a message that became a ticket event: staff who see its ticket
    (it holds every header and part the ticket page does not show); admins always."""
    if roles.is_admin(user):
        return True
    if record.ticket is None or not roles.is_staff_member(user):
        return False
    return ticket_access.sees_internal(user) and ticket_access.can_view(user, record.ticket)
