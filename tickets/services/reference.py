"""Reference data edited by admins (Administration): statuses, types, priorities, criticalities,
components, canned replies, equipment, projects, the business calendar and its public holidays.

Every verb: admins only (tickets.access.can_manage_reference), one transaction, the row locked;
an edit carries the fingerprint of the row the admin saw and is refused (StaleVersion) when it
changed meanwhile. An entry in use by a ticket is never deleted (ReferenceRefused says how many
tickets use it and to retire it instead); a retired entry cannot be chosen any more but old
tickets still show it. Each write calls caching.reference_changed(): every worker reloads its
copy (and the badges' style sheet its URL) at its next page.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import holidays as public_holidays
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Model, ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from .. import access, caching
from ..errors import ReferenceRefused, StaleVersion
from ..models import (
    Asset,
    BusinessCalendar,
    CannedReply,
    Component,
    Criticality,
    Holiday,
    Priority,
    Project,
    Status,
    Ticket,
    TicketType,
)

STALE = _("Someone else changed this entry meanwhile. Here it is as it is now: redo your change.")
# Ticket foreign keys that use each model.
USED_BY = {
    Status: ("status", "status_before_resolution"),
    TicketType: ("type",),
    Priority: ("priority",),
    Criticality: ("criticality",),
    Component: ("component",),
    Asset: ("asset",),
    Project: ("project",),
    CannedReply: (),
}
ORDERED = (Status, TicketType, Priority, Criticality, Component, CannedReply)
# Reference data of which one entry is the default (new tickets get it).
WITH_DEFAULT = (Status, Priority, Criticality)


def _check(actor: User) -> None:
    if not access.can_manage_reference(actor):
        raise PermissionDenied


def fingerprint(row: Model) -> str:
    """A short digest of the row's stored values: what the admin saw when the form was shown."""
    values = [
        (field.attname, str(getattr(row, field.attname)))
        for field in row._meta.concrete_fields
        if not field.primary_key
    ]
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def usage(model, ids=None) -> dict[int, int]:
    """{row id: number of tickets using it} (ids: only these rows)."""
    counts: dict[int, int] = {}
    for field in USED_BY[model]:
        # By the entry's id (a criticality is pointed at by its code: "__pk" joins it).
        rows = Ticket.objects.filter(**{f"{field}__isnull": False})
        if ids is not None:
            rows = rows.filter(**{f"{field}__pk__in": list(ids)})
        for pk, n in rows.values_list(f"{field}__pk").annotate(n=Count("pk")).order_by():
            counts[pk] = counts.get(pk, 0) + n
    return counts


def _unique_code(model, wanted: str, pk) -> str:
    base = slugify(wanted)[:36] or "item"
    code, n = base, 2
    while model.objects.filter(code=code).exclude(pk=pk).exists():
        code, n = f"{base}-{n}", n + 1
    return code


@transaction.atomic
def save_entry(*, actor: User, row: Model, seen: str | None = None) -> Model:
    """Create (row without pk) or update row, whose fields the form already set. A new entry
    goes last; a code left empty is made from the French name. A status or priority made the
    default takes the place of the previous one; the default status cannot be retired and
    stays the default until another one is chosen."""
    _check(actor)
    model = type(row)
    old = None
    if row.pk:
        old = model.objects.select_for_update().get(pk=row.pk)
        if seen is not None and seen != fingerprint(old):
            raise StaleVersion(STALE)
    if hasattr(row, "code") and not row.code:
        row.code = _unique_code(model, getattr(row, "name_fr", "") or "", row.pk)
    if model is Status:
        if old is not None and old.is_default and not row.is_default:
            raise ReferenceRefused(
                _("New tickets get this status. Make another status the default instead.")
            )
        if row.is_default and not row.is_active:
            raise ReferenceRefused(_("The status of new tickets cannot be retired."))
    if model in WITH_DEFAULT and row.is_default:
        # Saves rather than one UPDATE, here and below: the audit log records saves, and
        # reference lists are a few dozen rows.
        for previous in model.objects.filter(is_default=True).exclude(pk=row.pk):
            previous.is_default = False
            previous.save(update_fields=["is_default"])
    if old is None and model in ORDERED:
        row.order = (model.objects.aggregate(m=Max("order"))["m"] or 0) + 10
    row.save()
    caching.reference_changed()
    return row


@transaction.atomic
def move_entry(*, actor: User, row: Model, direction: str) -> None:
    """Swap the entry with its neighbour above ("up") or below ("down") in the display order
    (the whole list is renumbered 10, 20, 30... so equal orders are no trouble)."""
    _check(actor)
    model = type(row)
    if model not in ORDERED:
        raise ReferenceRefused(_("These entries are sorted by name."))
    rows = list(model.objects.select_for_update().order_by(*model._meta.ordering, "pk"))
    index = next((i for i, r in enumerate(rows) if r.pk == row.pk), None)
    if index is None:
        return
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, entry in enumerate(rows, start=1):
        if entry.order != position * 10:
            entry.order = position * 10
            entry.save(update_fields=["order"])
    caching.reference_changed()


@transaction.atomic
def set_active(*, actor: User, row: Model, active: bool) -> None:
    """Retire an entry (it cannot be chosen any more; tickets that have it keep showing it) or
    bring it back."""
    _check(actor)
    row = type(row).objects.select_for_update().get(pk=row.pk)
    if not active and getattr(row, "is_default", False):
        if type(row) is Status:
            raise ReferenceRefused(
                _(
                    "New tickets get this status: make another status the default before "
                    "retiring it."
                )
            )
        raise ReferenceRefused(_("The default entry cannot be retired: choose another first."))
    row.is_active = active
    row.save(update_fields=["is_active"])
    caching.reference_changed()


@transaction.atomic
def delete_entry(*, actor: User, row: Model) -> None:
    """Delete an entry no ticket uses; otherwise ReferenceRefused (retire it instead)."""
    _check(actor)
    model = type(row)
    row = model.objects.select_for_update().get(pk=row.pk)
    used = sum(usage(model, [row.pk]).values())
    if used:
        raise ReferenceRefused(
            ngettext(
                "“%(name)s” cannot be deleted: %(count)d ticket uses it. Retire it instead: "
                "it will no longer be offered, and that ticket keeps showing it.",
                "“%(name)s” cannot be deleted: %(count)d tickets use it. Retire it instead: "
                "it will no longer be offered, and those tickets keep showing it.",
                used,
            )
            % {"name": row, "count": used}
        )
    if getattr(row, "is_default", False):
        raise ReferenceRefused(_("The default entry cannot be deleted: choose another first."))
    try:
        with transaction.atomic():
            row.delete()
    except ProtectedError:
        raise ReferenceRefused(
            _("“%(name)s” is still used elsewhere: retire it instead.") % {"name": row}
        ) from None
    caching.reference_changed()


# --- business calendar ---------------------------------------------------------------------------


def calendar() -> BusinessCalendar:
    """The calendar the SLA counts with (the first row; made when there is none)."""
    return BusinessCalendar.objects.order_by("pk").first() or BusinessCalendar.objects.create()


@transaction.atomic
def save_calendar(*, actor: User, row: BusinessCalendar, seen: str | None) -> BusinessCalendar:
    _check(actor)
    old = BusinessCalendar.objects.select_for_update().get(pk=row.pk)
    if seen is not None and seen != fingerprint(old):
        raise StaleVersion(STALE)
    if row.day_end <= row.day_start:
        raise ReferenceRefused(_("The working day must end after it starts."))
    row.save()
    caching.reference_changed()
    return row


@transaction.atomic
def add_holiday(*, actor: User, date: dt.date, name: str) -> Holiday:
    _check(actor)
    cal = calendar()
    holiday, created = Holiday.objects.get_or_create(
        calendar=cal, date=date, defaults={"name": name}
    )
    if not created:
        raise ReferenceRefused(
            _("%(date)s is already a public holiday (%(name)s).")
            % {"date": date.isoformat(), "name": holiday.name}
        )
    caching.reference_changed()
    return holiday


@transaction.atomic
def delete_holiday(*, actor: User, holiday: Holiday) -> None:
    _check(actor)
    Holiday.objects.filter(pk=holiday.pk).delete()
    caching.reference_changed()


@transaction.atomic
def import_public_holidays(*, actor: User, year: int, country: str = "FR") -> int:
    """Add the country's public holidays of year (the `holidays` package) that the calendar
    does not have yet; returns how many were added."""
    _check(actor)
    cal = calendar()
    known = set(
        Holiday.objects.filter(calendar=cal, date__year=year).values_list("date", flat=True)
    )
    found = public_holidays.country_holidays(country, years=year, language="fr")
    rows = [
        Holiday(calendar=cal, date=date, name=str(name)[:100])
        for date, name in sorted(found.items())
        if date not in known
    ]
    for holiday in rows:
        holiday.save()
    caching.reference_changed()
    return len(rows)


def holidays_of(year: int | None = None):
    rows = Holiday.objects.filter(calendar=calendar())
    if year:
        rows = rows.filter(date__year=year)
    return rows.order_by("date")
