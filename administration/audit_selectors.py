"""Reads of the audit log page and its CSV export, starting from administration.access."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import access

# Actions written by services (core.audit.record) and the three auditlog writes by itself.
ACTIONS = {
    "create": _("Object created"),
    "update": _("Object changed"),
    "delete": _("Object deleted"),
    "roles_changed": _("Roles changed"),
    "deactivated": _("Account deactivated"),
    "reactivated": _("Account reactivated"),
    "signup_approved": _("Sign-up approved"),
    "two_factor_reset": _("Two-factor reset"),
    "login": _("Logged in"),
    "audit_exported": _("Audit log exported"),
    "gdpr_export": _("GDPR export requested"),
    "gdpr_export_downloaded": _("GDPR export downloaded"),
    "gdpr_anonymised": _("Person anonymised"),
    "gdpr_retention": _("Anonymised by retention"),
}
_PLAIN = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE}
_PLAIN["delete"] = LogEntry.Action.DELETE


def action_code(entry: LogEntry) -> str:
    code = (entry.additional_data or {}).get("action") if entry.additional_data else None
    if code:
        return code
    return {v: k for k, v in _PLAIN.items()}.get(entry.action, "update")


def action_label(entry: LogEntry) -> str:
    code = action_code(entry)
    return str(ACTIONS.get(code, code))


def object_types() -> list[tuple[int, str]]:
    """(content type id, name) of every model the log watches, and of User (explicit entries)."""
    models = list(auditlog.get_models())
    types = ContentType.objects.get_for_models(*models) if models else {}
    return sorted(
        ((ct.pk, str(model._meta.verbose_name).capitalize()) for model, ct in types.items()),
        key=lambda item: item[1],
    )


def entries(
    user,
    *,
    actor: str = "",
    action: str = "",
    object_type: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[LogEntry]:
    """The audit log, newest first, filtered; nothing for someone who may not see it."""
    if not access.can_view_audit(user):
        return LogEntry.objects.none()
    rows = LogEntry.objects.select_related("actor", "content_type")
    if actor:
        rows = rows.filter(
            Q(actor_email__icontains=actor)
            | Q(actor__first_name__icontains=actor)
            | Q(actor__last_name__icontains=actor)
        )
    if action in _PLAIN:
        plain = Q(additional_data__isnull=True) | ~Q(additional_data__has_key="action")
        rows = rows.filter(plain, action=_PLAIN[action])
    elif action:
        rows = rows.filter(additional_data__action=action)
    if object_type:
        rows = rows.filter(content_type_id=object_type)
    zone = timezone.get_current_timezone()
    if since:
        rows = rows.filter(timestamp__gte=dt.datetime.combine(since, dt.time.min, zone))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, zone)
        rows = rows.filter(timestamp__lt=end)
    return rows.order_by("-timestamp", "-id")
