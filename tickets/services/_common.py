"""What the ticket verbs share: locking and the version check, the activity stamp, timeline
events, stored files, and setting a status with the dates and SLA clock that follow it.

Nothing here checks who acts: the verbs ask tickets.access first. apply_status follows the
rules of tickets.workflow (what to remember on leaving work, when the SLA clock pauses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import locking
from core.files import store_file, validate_upload

from .. import caching, sla, workflow
from ..errors import InvalidInput, StaleVersion
from ..models import Attachment, Event, Priority, Status, Ticket

Kind = Event.Kind
Category = Status.Category


def default_status(data: caching.Reference | None = None) -> Status:
    """The active default status, else the first active "new" one (from the reference copy,
    data when the caller holds it: caching.reference_changed() follows every edit)."""
    data = data or caching.reference()
    active = data.active(data.statuses)
    status = next((s for s in active if s.is_default), None)
    status = status or next((s for s in active if s.category == Category.NEW), None)
    if status is None:
        raise InvalidInput(_("No status is configured for new tickets."))
    return status


def first_status(category: str) -> Status | None:
    return Status.objects.filter(category=category, is_active=True).order_by("order").first()


def default_priority(data: caching.Reference | None = None) -> Priority | None:
    data = data or caching.reference()
    return next((p for p in data.active(data.priorities) if p.is_default), None)


def criticality_code(value: str = "", data: caching.Reference | None = None) -> str:
    """The code of the criticality a sender chose (an active one), or the default when they
    gave none; InvalidInput for anything else."""
    data = data or caching.reference()
    if not value:
        return caching.default_criticality(data)
    row = data.criticalities.get(value)
    if row is None or not row.is_active:
        raise InvalidInput(_("Choose a criticality from the list."))
    return row.code


def calendar() -> sla.Calendar:
    """The business calendar with its holidays (the reference copy)."""
    return caching.reference().calendar


def stamp_seconds(ticket: Ticket, moment: dt.datetime, cal=None) -> int:
    """Business seconds from the ticket's creation to moment (a first response, a resolution)."""
    return max(0, sla.business_seconds_between(ticket.created_at, moment, cal or calendar()))


def reopen_target(ticket: Ticket) -> Status:
    """The working status a ticket goes back to when it is reopened or resumed."""
    return (
        ticket.status_before_resolution
        or first_status(workflow.REOPEN_FALLBACK)
        or default_status()
    )


def lock(ticket: Ticket) -> Ticket:
    return locking.lock(ticket)


def check_version(ticket: Ticket, version: int | None) -> None:
    locking.check_version(
        ticket,
        version,
        StaleVersion,
        _(
            "Someone else changed this ticket while you were editing it. "
            "Your changes were not saved: check the ticket and try again."
        ),
    )


def touch(ticket: Ticket, actor: User | None, now: dt.datetime, *fields: str) -> None:
    """Record activity (and bump the version when fields changed) and save."""
    ticket.last_activity_at = now
    ticket.last_activity_by = actor
    update = ["last_activity_at", "last_activity_by", "updated_at", *fields]
    if fields:
        ticket.version += 1
        update.append("version")
    ticket.save(update_fields=list(dict.fromkeys(update)))


def counters_changed(ticket_ids: Iterable[int] | None = None) -> None:
    """Every ticket write makes the cached counters, page counts and searches stale; and the
    queue's rows of ticket_ids (None: of every ticket)."""
    caching.tickets_changed(ticket_ids)


def add_event(ticket: Ticket, actor: User | None, kind: str, **fields) -> Event:
    counters_changed([ticket.pk])
    now = timezone.now()
    fields.setdefault("action_at", now)
    return Event.objects.create(ticket=ticket, actor=actor, kind=kind, created_at=now, **fields)


def store_files(
    *, actor: User | None, ticket: Ticket, event: Event | None, files: Iterable
) -> list[Attachment]:
    stored = []
    for uploaded in files:
        try:
            info = validate_upload(uploaded)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages)) from None
        attachment = Attachment(
            ticket=ticket,
            event=event,
            filename=info.filename,
            content_type=info.content_type,
            size=info.size,
            is_image=info.is_image,
            uploaded_by=actor,
        )
        store_file(attachment, uploaded, info, thumbnail=True)
        stored.append(attachment)
    return stored


def apply_status(ticket: Ticket, status: Status, now: dt.datetime, cal=None) -> list[str]:
    """Set status and the dates that follow from it; returns the changed field names."""
    old = ticket.status
    changed = ["status"]
    if workflow.remembers_previous(old.category, status.category):
        ticket.status_before_resolution = old
        changed.append("status_before_resolution")
    ticket.status = status
    # SLA clock: paused while waiting on the client, due dates pushed back on resume.
    if status.category in workflow.PAUSES_SLA:
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
        ticket.waiting_since = now
        ticket.auto_close_warned_at = None
        changed += ["sla_paused_at", "waiting_since", "auto_close_warned_at"]
    else:
        if ticket.sla_paused_at is not None:
            cal = cal or calendar()
            paused = sla.business_seconds_between(ticket.sla_paused_at, now, cal)
            for name in ("first_response_due_at", "resolution_due_at"):
                due = getattr(ticket, name)
                if due is not None:
                    setattr(ticket, name, sla.add_business_seconds(due, paused, cal))
            ticket.sla_paused_at = None
            changed += ["sla_paused_at", "first_response_due_at", "resolution_due_at"]
        if ticket.waiting_since is not None:
            ticket.waiting_since = None
            changed.append("waiting_since")
    if status.category == Category.RESOLVED:
        ticket.resolved_at = ticket.resolved_at or now
        ticket.closed_at = None
    elif status.is_closed:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = None
        ticket.closed_at = None
    if status.is_final:
        ticket.is_overdue = False
    # Reports read the resolution time in business hours from the ticket (stamped here).
    if ticket.resolved_at is None:
        ticket.resolution_seconds = None
    elif ticket.resolution_seconds is None:
        ticket.resolution_seconds = stamp_seconds(ticket, ticket.resolved_at, cal)
    changed += ["resolved_at", "closed_at", "is_overdue", "resolution_seconds"]
    return changed


def add_status_event(ticket, actor, old: Status, new: Status, **fields) -> Event:
    fields["data"] = {"old": old.pk, "new": new.pk, **fields.pop("data", {})}
    fields.setdefault("action_type", Event.ActionType.HISTORY)
    return add_event(ticket, actor, Kind.STATUS, **fields)
