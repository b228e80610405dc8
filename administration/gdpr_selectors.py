"""Reads of the GDPR pages, starting from administration.access."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User

from . import access
from .models import GdprExport


def people(user, q: str, *, limit: int = 20) -> list[User]:
    if not access.can_run_gdpr(user) or not q:
        return []
    rows = User.objects.select_related("organization").filter(
        Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
    )
    return list(rows.order_by("last_name", "first_name", "email")[:limit])


def person(user, pk: int) -> User | None:
    if not access.can_run_gdpr(user):
        return None
    return User.objects.select_related("organization").filter(pk=pk).first()


def exports(user) -> QuerySet[GdprExport]:
    """The exports an admin asked for (only they download them), newest first."""
    if not access.can_run_gdpr(user):
        return GdprExport.objects.none()
    return GdprExport.objects.filter(requested_by=user).select_related("person")


def downloadable(user, pk: int) -> GdprExport | None:
    export = exports(user).filter(pk=pk, state=GdprExport.State.READY).first()
    if export is None or export.expires_at is None or export.expires_at <= timezone.now():
        return None
    return export
