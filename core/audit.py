"""The audit log (django-auditlog): who changed what, when, from which address, before/after.

Models an admin edits are registered once (administration/audit.py); their saves are logged by
auditlog with a JSON diff. Changes that are not a plain save (roles granted, an account
deactivated, 2FA reset, an export, an anonymisation) are recorded here with record(), by the
service that makes them. The acting person and their address come from AuditMiddleware, which
trusts X-Forwarded-For only when settings.HELPDESK_TRUSTED_PROXY_COUNT says proxies are in front
(otherwise anyone could write the address the log keeps).
"""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address


def client_address(request) -> str | None:
    """The client's IP: REMOTE_ADDR, or with N trusted proxies in front, the Nth address from
    the right of X-Forwarded-For (each proxy appends the address it saw)."""
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.HELPDESK_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        validate_ipv46_address(address or "")
    except ValidationError:
        return None
    return address


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the address taken as client_address() says (auditlog's own
    reads the first X-Forwarded-For entry, which any client can write)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None


def hide_secret(value) -> str:
    """What the audit log shows of a secret that changed (auditlog's own mask keeps half)."""
    return "••••••"


def record(
    instance,
    action: str,
    *,
    before: Any = None,
    after: Any = None,
    changes: dict | None = None,
    actor=None,
    remote_addr: str | None = None,
    extra: dict | None = None,
) -> LogEntry:
    """One explicit audit entry about instance: action is a short code ("roles_changed",
    "deactivated", "gdpr_export"...), before/after what it was and became (JSON values).
    The actor and address default to the current request's (AuditMiddleware)."""
    if changes is None:
        changes = {action: [before, after]} if (before is not None or after is not None) else {}
    kwargs = {"actor": actor, "actor_email": getattr(actor, "email", None)} if actor else {}
    if remote_addr:
        kwargs["remote_addr"] = remote_addr
    entry = LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes=changes,
        additional_data={"action": action, **(extra or {})},
        **kwargs,
    )
    return entry
