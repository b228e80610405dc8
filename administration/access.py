"""Who sees the admins' pages. The outbox log (every email, its recipients and errors; the
content of ticket notifications) and the chat webhooks (their URLs are secrets) are for admins
only; for anyone else these pages do not exist (404)."""

from __future__ import annotations

from django.http import Http404

from accounts import roles


def can_view_outbox(user) -> bool:
    return roles.is_admin(user)


def can_manage_webhooks(user) -> bool:
    return roles.is_admin(user)


def require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def can_administer(user) -> bool:
    """The Administration area (reference data, calendar, settings): admins only."""
    return roles.is_admin(user)
