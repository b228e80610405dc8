"""Who sees and handles incoming email. Admins configure mailboxes and handle the quarantine
(raw messages may hold anything); admins and agents review unidentified tickets and flagged
replies. Clients, sales reps and everyone else: nothing (404)."""

from __future__ import annotations

from django.http import Http404

from accounts import roles
from tickets import access as ticket_access


def can_manage_mailboxes(user) -> bool:
    return roles.is_admin(user)


def can_manage_quarantine(user) -> bool:
    return roles.is_admin(user)


def can_review_unidentified(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user)


def can_see_intake(user) -> bool:
    return can_review_unidentified(user) or can_manage_mailboxes(user)


def unidentified_tickets(user):
    """Tickets from unknown senders, still without a client organization."""
    if not can_review_unidentified(user):
        return ticket_access.visible_tickets(user).none()
    return ticket_access.visible_tickets(user).filter(organization__isnull=True)


def require(allowed: bool) -> None:
    """Hidden means 404 for intake pages too."""
    if not allowed:
        raise Http404
