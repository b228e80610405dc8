"""Working a ticket: reply (or internal note), attach a file, edit its fields and priority.

Public replies: customers, sales reps, agents and admins who see the ticket; internal notes and
their files: staff. A customer's reply on a ticket waiting on them, resolved or closed puts it
back to work (tickets.workflow.RESUMED_BY_CUSTOMER_REPLY). Edits carry the version the person
saw (StaleVersion otherwise) and write one FIELD event per changed field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import access, caching, events, sla, workflow
from ..errors import InvalidInput
from ..models import Attachment, Event, Priority, Ticket
from ._common import (
    Kind,
    add_event,
    add_status_event,
    apply_status,
    calendar,
    check_version,
    counters_changed,
    criticality_code,
    lock,
    reopen_target,
    stamp_seconds,
    store_files,
    touch,
)

# Fields update_ticket() may change, with the capability each needs.
EDITABLE_TEXT = ("title", "description")
EDITABLE_FIELDS = ("type", "component", "support_level", "asset", "project", "criticality")


@transaction.atomic
def reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    attachments: Iterable = (),
    action_type: str | None = None,
    action_at: dt.datetime | None = None,
    data: dict | None = None,
) -> Event:
    """A public reply (customers, sales reps, agents, admins) or an internal note (staff).
    A customer's reply on a resolved/closed ticket reopens it to its previous working status
    (REOPEN event), one on a ticket waiting on them moves it back the same way (STATUS event).
    Publishes ticket_replied (and ticket_reopened / ticket_status_changed)."""
    ticket = lock(ticket)
    caching.attach_reference([ticket])  # its status without a query
    allowed = (
        access.can_add_internal_note(actor, ticket) if internal else access.can_reply(actor, ticket)
    )
    if not allowed:
        raise PermissionDenied
    attachments = list(attachments)
    if not (body or "").strip() and not attachments:
        raise InvalidInput(_("Write a message or attach a file."))
    now = timezone.now()
    if action_at is not None and not access.can_backdate(actor):
        action_at = None
    if action_type is None:
        action_type = Event.ActionType.INFORMATION if internal else Event.ActionType.ANSWER
        if access.replies_as_customer(actor):
            action_type = Event.ActionType.QUESTION
    event = add_event(
        ticket,
        actor,
        Kind.NOTE if internal else Kind.REPLY,
        action_type=action_type,
        action_at=action_at or now,
        body=body or "",
        is_internal=internal,
        data=dict(data or {}),
    )
    store_files(actor=actor, ticket=ticket, event=event, files=attachments)
    changed: list[str] = []
    follow_up = None
    if not internal and access.sees_internal(actor) and ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.first_response_seconds = stamp_seconds(ticket, now)
        changed += ["first_response_at", "first_response_seconds"]
    if (
        not internal
        and access.replies_as_customer(actor)
        and workflow.resumes_on_customer_reply(ticket.status.category)
    ):
        old = ticket.status
        target = reopen_target(ticket)
        changed += apply_status(ticket, target, now)
        if old.is_final:
            follow_up = add_event(
                ticket,
                actor,
                Kind.REOPEN,
                action_type=Event.ActionType.EVENT,
                data={"old": old.pk, "new": target.pk, "by_reply": True},
            )
            events.publish(events.TICKET_REOPENED, ticket_id=ticket.pk, event_id=follow_up.pk)
        else:
            follow_up = add_status_event(ticket, actor, old, target, data={"by_reply": True})
            events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=follow_up.pk)
    touch(ticket, actor, now, *changed)
    events.publish(events.TICKET_REPLIED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def change_priority(
    *, actor: User, ticket: Ticket, priority: Priority, version: int | None = None
) -> Event:
    """Admins and agents set the priority; the SLA due dates follow (time already paused kept).
    Writes a FIELD event."""
    ticket = lock(ticket)
    if not access.can_change_fields(actor, ticket):
        raise PermissionDenied
    check_version(ticket, version)
    if priority.pk == ticket.priority_id:
        raise InvalidInput(_("The ticket already has this priority."))
    old = ticket.priority
    cal = calendar()
    first, resolution = sla.due_dates(ticket.created_at, priority, cal)
    if old is not None and ticket.resolution_due_at is not None:
        old_resolution = sla.due_dates(ticket.created_at, old, cal)[1]
        delay = sla.business_seconds_between(old_resolution, ticket.resolution_due_at, cal)
        if delay > 0:
            first = sla.add_business_seconds(first, delay, cal)
            resolution = sla.add_business_seconds(resolution, delay, cal)
    ticket.priority = priority
    ticket.first_response_due_at, ticket.resolution_due_at = first, resolution
    ticket.is_overdue = False
    now = timezone.now()
    touch(
        ticket,
        actor,
        now,
        "priority",
        "first_response_due_at",
        "resolution_due_at",
        "is_overdue",
    )
    return add_event(
        ticket,
        actor,
        Kind.FIELD,
        action_type=Event.ActionType.HISTORY,
        data={"field": "priority", "old": old.pk if old else None, "new": priority.pk},
    )


def _other_organization(ticket: Ticket, item) -> bool:
    return item is not None and item.organization_id != ticket.organization_id


def _value_for_event(name: str, value):
    if hasattr(value, "pk"):
        return value.pk
    return value


def _criticality_change(ticket: Ticket, code: str) -> str:
    """code, when it is a criticality that may be chosen (or the ticket's own, even retired)."""
    if code == ticket.criticality_id:
        return code
    return criticality_code(code or "-")


@transaction.atomic
def update_ticket(
    *, actor: User, ticket: Ticket, version: int, changes: dict, followers=None
) -> list[Event]:
    """Edit title/description (access.can_edit) and type, component, level, criticality,
    equipment, project, followers (access.can_change_fields). Refuses a stale version.
    Writes one FIELD event per changed field (old -> new)."""
    ticket = lock(ticket)
    if not access.can_view(actor, ticket):
        raise PermissionDenied
    check_version(ticket, version)
    written: list[Event] = []
    changed: list[str] = []
    for name, value in changes.items():
        if name in EDITABLE_TEXT:
            if not access.can_edit(actor, ticket):
                raise PermissionDenied
            if name == "title" and not (value or "").strip():
                raise InvalidInput(_("A ticket needs a title."))
        elif name in EDITABLE_FIELDS:
            if not access.can_change_fields(actor, ticket):
                raise PermissionDenied
        else:
            raise InvalidInput(_("This field cannot be changed here."))
        if name == "criticality":
            # Tickets hold the criticality's code (its column kept its values).
            value = _criticality_change(ticket, getattr(value, "code", value))
        old = getattr(ticket, "criticality_id" if name == "criticality" else name)
        if _value_for_event(name, old) == _value_for_event(name, value):
            continue
        if name in ("asset", "project") and _other_organization(ticket, value):
            raise InvalidInput(_("This item belongs to another organization."))
        setattr(ticket, "criticality_id" if name == "criticality" else name, value)
        changed.append(name)
        written.append(
            Event(
                ticket=ticket,
                actor=actor,
                kind=Kind.FIELD,
                action_type=Event.ActionType.HISTORY,
                data={
                    "field": name,
                    "old": _value_for_event(name, old),
                    "new": _value_for_event(name, value),
                },
            )
        )
    if followers is not None:
        if not access.can_change_fields(actor, ticket):
            raise PermissionDenied
        before = {u.pk: u for u in ticket.followers.all()}
        after = {u.pk: u for u in followers}
        if before.keys() != after.keys():
            ticket.followers.set(list(after.values()))
            written.append(
                Event(
                    ticket=ticket,
                    actor=actor,
                    kind=Kind.FIELD,
                    action_type=Event.ActionType.HISTORY,
                    is_internal=True,
                    data={
                        "field": "followers",
                        "old": sorted(str(u) for u in before.values()),
                        "new": sorted(str(u) for u in after.values()),
                    },
                )
            )
            changed.append("followers")
    if not written:
        return []
    now = timezone.now()
    for event in written:
        event.action_at = event.created_at = now
    touch(ticket, actor, now, *[c for c in changed if c != "followers"] or ["version"])
    counters_changed([ticket.pk])
    return Event.objects.bulk_create(written)


@transaction.atomic
def add_attachment(
    *, actor: User, ticket: Ticket, uploaded_file, internal: bool = False
) -> Attachment:
    """Attach a file on its own (an ATTACHMENT event); same rights as a reply or a note."""
    ticket = lock(ticket)
    allowed = (
        access.can_add_internal_note(actor, ticket) if internal else access.can_reply(actor, ticket)
    )
    if not allowed:
        raise PermissionDenied
    event = add_event(
        ticket,
        actor,
        Kind.ATTACHMENT,
        action_type=Event.ActionType.DOCUMENT,
        is_internal=internal,
    )
    (attachment,) = store_files(actor=actor, ticket=ticket, event=event, files=[uploaded_file])
    touch(ticket, actor, timezone.now())
    return attachment
