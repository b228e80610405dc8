"""Every change to a ticket: one function per verb.

Each verb is keyword-only with the acting user first, runs in one transaction, locks the ticket
row, asks tickets.access on the locked row, writes the change and its timeline Event together,
and publishes a tickets.events name after commit. Edits carry the version the person saw and
are refused (StaleVersion) when someone changed the ticket since. Status rules: a retired
status or the current one is refused; a closed or cancelled ticket only moves by reopen(); a
customer's reply on a resolved/closed ticket reopens it to the working status it had before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization, Role, User
from core import locking
from core.files import make_thumbnail, validate_upload

from . import access, caching, events, sla
from .errors import InvalidInput, StaleVersion, TicketError, TransitionRefused
from .models import (
    WORKING_CATEGORIES,
    Attachment,
    CannedReply,
    Component,
    Event,
    Priority,
    SavedFilter,
    Status,
    Ticket,
    TicketCounter,
    TicketType,
)

Kind = Event.Kind
Category = Status.Category

# Fields update_ticket() may change, with the capability each needs.
EDITABLE_TEXT = ("title", "description")
EDITABLE_FIELDS = ("type", "component", "support_level", "asset", "project", "criticality")


# --- helpers ---


def next_ticket_number() -> int:
    """Take the next number: the counter row stays locked until the transaction ends."""
    counter = TicketCounter.objects.select_for_update().filter(name="ticket").first()
    if counter is None:
        TicketCounter.objects.get_or_create(name="ticket")
        counter = TicketCounter.objects.select_for_update().get(name="ticket")
    if counter.value == 0:
        # A database loaded with tickets but no counter (fixtures, imports): continue after them.
        highest = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        counter.value = highest or 0
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def default_status() -> Status:
    status = Status.objects.filter(is_default=True, is_active=True).first()
    status = status or Status.objects.filter(category=Category.NEW, is_active=True).first()
    if status is None:
        raise InvalidInput(_("No status is configured for new tickets."))
    return status


def first_status(category: str) -> Status | None:
    return Status.objects.filter(category=category, is_active=True).order_by("order").first()


def default_priority() -> Priority | None:
    return Priority.objects.filter(is_default=True, is_active=True).first()


def _lock(ticket: Ticket) -> Ticket:
    return locking.lock(ticket)


def _check_version(ticket: Ticket, version: int | None) -> None:
    locking.check_version(
        ticket,
        version,
        StaleVersion,
        _(
            "Someone else changed this ticket while you were editing it. "
            "Your changes were not saved: check the ticket and try again."
        ),
    )


def _touch(ticket: Ticket, actor: User | None, now: dt.datetime, *fields: str) -> None:
    """Record activity (and bump the version when fields changed) and save."""
    ticket.last_activity_at = now
    ticket.last_activity_by = actor
    update = ["last_activity_at", "last_activity_by", "updated_at", *fields]
    if fields:
        ticket.version += 1
        update.append("version")
    ticket.save(update_fields=list(dict.fromkeys(update)))


def _event(ticket: Ticket, actor: User | None, kind: str, **fields) -> Event:
    caching.tickets_changed()
    now = timezone.now()
    fields.setdefault("action_at", now)
    return Event.objects.create(ticket=ticket, actor=actor, kind=kind, created_at=now, **fields)


def _store_files(
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
        attachment.file.save(info.filename, uploaded, save=False)
        if info.is_image:
            thumb = make_thumbnail(uploaded)
            if thumb is not None:
                attachment.thumbnail.save("thumb.jpg", thumb, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _apply_status(ticket: Ticket, status: Status, now: dt.datetime, cal=None) -> list[str]:
    """Set status and the dates that follow from it; returns the changed field names."""
    old = ticket.status
    changed = ["status"]
    if old.category in WORKING_CATEGORIES and status.category not in WORKING_CATEGORIES:
        ticket.status_before_resolution = old
        changed.append("status_before_resolution")
    ticket.status = status
    # SLA clock: paused while waiting on the client, due dates pushed back on resume.
    if status.category == Category.WAITING_CLIENT:
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
        ticket.waiting_since = now
        ticket.auto_close_warned_at = None
        changed += ["sla_paused_at", "waiting_since", "auto_close_warned_at"]
    else:
        if ticket.sla_paused_at is not None:
            cal = cal or sla.load_calendar()
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
    changed += ["resolved_at", "closed_at", "is_overdue"]
    return changed


def check_transition(current: Status, new: Status) -> None:
    """Raise TransitionRefused when current -> new is not a valid status change."""
    if new.pk == current.pk:
        raise TransitionRefused(_("The ticket already has the status “%s”.") % new.name)
    if not new.is_active:
        raise TransitionRefused(_("The status “%s” is retired.") % new.name)
    if current.is_closed:
        raise TransitionRefused(
            _("The ticket is “%s”: reopen it before changing its status.") % current.name
        )


def _status_event(ticket, actor, old: Status, new: Status, **fields) -> Event:
    fields["data"] = {"old": old.pk, "new": new.pk, **fields.pop("data", {})}
    fields.setdefault("action_type", Event.ActionType.HISTORY)
    return _event(ticket, actor, Kind.STATUS, **fields)


def fill_canned_reply(canned: CannedReply, *, ticket: Ticket | None, agent: User) -> str:
    """The canned text with {client_name}, {ticket_number} and {agent_name} filled in."""
    client = ""
    number = ""
    if ticket is not None:
        number = f"#{ticket.number}"
        client = ticket.requester.get_full_name() if ticket.requester_id else ""
        client = client or (ticket.organization.name if ticket.organization_id else "")
        client = client or ticket.contact_email
    text = canned.body
    for key, value in (
        ("{client_name}", client),
        ("{ticket_number}", number),
        ("{agent_name}", agent.get_full_name() or agent.email),
    ):
        text = text.replace(key, value)
    return text


# --- verbs ---


@transaction.atomic
def create_ticket(
    *,
    actor: User,
    title: str,
    description: str,
    type: TicketType | None = None,
    criticality: str = Ticket.Criticality.MEDIUM,
    organization: Organization | None = None,
    requester: User | None = None,
    priority: Priority | None = None,
    channel: str = Ticket.Channel.WEB,
    assignees: Sequence[User] = (),
    internal_note: str = "",
    attachments: Iterable = (),
    component: Component | None = None,
    asset=None,
    project=None,
    reported_at: dt.datetime | None = None,
    canned_reply: CannedReply | None = None,
) -> Ticket:
    """File a ticket. Customers file for themselves (their organization, web channel); admins,
    agents and sales reps for a contact of an organization they see, with a priority, an
    internal note, a canned first answer and (admins) assignees; agents take phone calls
    (channel phone, the caller as requester, the call may be back-dated). Writes Ticket, a
    CREATED event (+ NOTE, REPLY), attachments; publishes ticket_created (+ ticket_assigned).
    """
    if not access.can_create_ticket(actor):
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("A ticket needs a title."))
    staff = access.can_file_for_client(actor)
    if not staff:
        organization, requester = actor.organization, actor
        priority, assignees, internal_note, channel = None, (), "", Ticket.Channel.WEB
        reported_at, canned_reply = None, None
        if organization is None:
            raise InvalidInput(_("Your account is not attached to an organization."))
    else:
        if organization is None:
            raise InvalidInput(_("Choose the client organization."))
        if not roles.visible_organizations(actor).filter(pk=organization.pk).exists():
            raise PermissionDenied
        if requester is not None and requester.organization_id != organization.pk:
            raise InvalidInput(_("The contact does not belong to this organization."))
        if assignees and not access.can_assign_on_create(actor):
            raise PermissionDenied
        if channel == Ticket.Channel.PHONE and not access.can_take_phone_call(actor):
            raise PermissionDenied
        if reported_at is not None and not access.can_backdate(actor):
            reported_at = None
    now = timezone.now()
    priority = priority or default_priority()
    ticket = Ticket(
        number=next_ticket_number(),
        title=title[:200],
        description=description or "",
        type=type,
        status=default_status(),
        priority=priority,
        criticality=criticality,
        organization=organization,
        requester=requester,
        reporter=actor,
        channel=channel,
        component=component,
        asset=asset,
        project=project,
        created_at=now,
        last_activity_at=now,
        last_activity_by=actor,
    )
    if priority is not None:
        ticket.first_response_due_at, ticket.resolution_due_at = sla.due_dates(
            now, priority, sla.load_calendar()
        )
    ticket.save()
    event = _event(
        ticket,
        actor,
        Kind.CREATED,
        action_type=Event.ActionType.QUESTION,
        action_at=reported_at or now,
        data={"channel": channel},
    )
    _store_files(actor=actor, ticket=ticket, event=event, files=attachments)
    if assignees:
        _set_assignees(ticket, list(assignees))
    if internal_note.strip():
        _event(
            ticket,
            actor,
            Kind.NOTE,
            action_type=Event.ActionType.INFORMATION,
            body=internal_note,
            is_internal=True,
        )
    if canned_reply is not None:
        # The first answer to the client, placeholders filled with the new number.
        answer = _event(
            ticket,
            actor,
            Kind.REPLY,
            action_type=Event.ActionType.ANSWER,
            body=fill_canned_reply(canned_reply, ticket=ticket, agent=actor),
        )
        ticket.first_response_at = answer.action_at
        ticket.save(update_fields=["first_response_at"])
    events.publish(events.TICKET_CREATED, ticket_id=ticket.pk, event_id=event.pk)
    if assignees:
        events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    return ticket


@transaction.atomic
def create_ticket_from_email(
    *,
    sender: User | None,
    contact_email: str,
    title: str,
    description: str,
    type: TicketType | None = None,
    cc_addresses: Sequence[str] = (),
    attachments: Iterable = (),
    received_at: dt.datetime | None = None,
    data: dict | None = None,
) -> tuple[Ticket, Event]:
    """File a ticket from an email (channel email). A known client sender files for their
    organization; anyone else gives an unidentified ticket (no organization or requester,
    contact_email set) for an agent to link. Cc'd addresses are recorded, never made accounts.
    Called by intake.services.ingest_message, which decides who the sender is."""
    identified = sender is not None and access.can_create_ticket(sender) and sender.organization_id
    now = timezone.now()
    priority = default_priority()
    ticket = Ticket(
        number=next_ticket_number(),
        title=(title or "").strip()[:200] or _("(no subject)"),
        description=description or "",
        type=type,
        status=default_status(),
        priority=priority,
        organization_id=sender.organization_id if identified else None,
        requester=sender if identified else None,
        reporter=sender if identified else None,
        contact_email="" if identified else (contact_email or "")[:254],
        cc_addresses=list(dict.fromkeys(cc_addresses)),
        channel=Ticket.Channel.EMAIL,
        created_at=now,
        last_activity_at=now,
        last_activity_by=sender if identified else None,
    )
    if priority is not None:
        ticket.first_response_due_at, ticket.resolution_due_at = sla.due_dates(
            now, priority, sla.load_calendar()
        )
    ticket.save()
    event = _event(
        ticket,
        sender if identified else None,
        Kind.CREATED,
        action_type=Event.ActionType.QUESTION,
        action_at=received_at or now,
        data={"channel": Ticket.Channel.EMAIL, **(data or {})},
    )
    _store_files(
        actor=sender if identified else None, ticket=ticket, event=event, files=attachments
    )
    events.publish(events.TICKET_CREATED, ticket_id=ticket.pk, event_id=event.pk)
    return ticket, event


def _set_assignees(ticket: Ticket, people: list[User]) -> None:
    allowed = set(
        roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN)
        .filter(pk__in=[p.pk for p in people])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len({p.pk for p in people}):
        raise InvalidInput(_("Only agents and admins can be assigned."))
    ticket.assignees.set(people)
    _flag_assigned(ticket, bool(people))


def _flag_assigned(ticket: Ticket, assigned: bool) -> None:
    """Ticket.is_assigned says whether anyone holds the ticket (the Unassigned view and counter
    read it through a partial index): every verb that changes the assignees sets it here."""
    if ticket.is_assigned != assigned:
        ticket.is_assigned = assigned
        Ticket.objects.filter(pk=ticket.pk).update(is_assigned=assigned)


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
    ticket = _lock(ticket)
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
        if roles.is_customer(actor):
            action_type = Event.ActionType.QUESTION
    event = _event(
        ticket,
        actor,
        Kind.NOTE if internal else Kind.REPLY,
        action_type=action_type,
        action_at=action_at or now,
        body=body or "",
        is_internal=internal,
        data=dict(data or {}),
    )
    _store_files(actor=actor, ticket=ticket, event=event, files=attachments)
    changed: list[str] = []
    follow_up = None
    if not internal and access.sees_internal(actor) and ticket.first_response_at is None:
        ticket.first_response_at = now
        changed.append("first_response_at")
    if (
        not internal
        and roles.is_customer(actor)
        and ticket.status.category not in (WORKING_CATEGORIES | {Category.WAITING_THIRD_PARTY})
    ):
        old = ticket.status
        target = ticket.status_before_resolution or first_status(Category.OPEN) or default_status()
        changed += _apply_status(ticket, target, now)
        if old.is_final:
            follow_up = _event(
                ticket,
                actor,
                Kind.REOPEN,
                action_type=Event.ActionType.EVENT,
                data={"old": old.pk, "new": target.pk, "by_reply": True},
            )
            events.publish(events.TICKET_REOPENED, ticket_id=ticket.pk, event_id=follow_up.pk)
        else:
            follow_up = _status_event(ticket, actor, old, target, data={"by_reply": True})
            events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=follow_up.pk)
    _touch(ticket, actor, now, *changed)
    events.publish(events.TICKET_REPLIED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def change_status(
    *, actor: User, ticket: Ticket, status: Status, version: int | None = None, note: str = ""
) -> Event:
    """Admins and agents move the ticket to another status (check_transition rules).
    Writes a STATUS event; publishes ticket_status_changed."""
    ticket = _lock(ticket)
    if not access.can_change_status(actor, ticket):
        raise PermissionDenied
    _check_version(ticket, version)
    old = ticket.status
    check_transition(old, status)
    now = timezone.now()
    changed = _apply_status(ticket, status, now)
    _touch(ticket, actor, now, *changed)
    action_type = (
        Event.ActionType.SOLUTION if status.category == Category.RESOLVED else None
    ) or Event.ActionType.HISTORY
    event = _status_event(ticket, actor, old, status, body=note, action_type=action_type)
    events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def change_priority(
    *, actor: User, ticket: Ticket, priority: Priority, version: int | None = None
) -> Event:
    """Admins and agents set the priority; the SLA due dates follow (time already paused kept).
    Writes a FIELD event."""
    ticket = _lock(ticket)
    if not access.can_change_fields(actor, ticket):
        raise PermissionDenied
    _check_version(ticket, version)
    if priority.pk == ticket.priority_id:
        raise InvalidInput(_("The ticket already has this priority."))
    old = ticket.priority
    cal = sla.load_calendar()
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
    _touch(
        ticket,
        actor,
        now,
        "priority",
        "first_response_due_at",
        "resolution_due_at",
        "is_overdue",
    )
    return _event(
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


@transaction.atomic
def update_ticket(
    *, actor: User, ticket: Ticket, version: int, changes: dict, followers=None
) -> list[Event]:
    """Edit title/description (access.can_edit) and type, component, level, criticality,
    equipment, project, followers (access.can_change_fields). Refuses a stale version.
    Writes one FIELD event per changed field (old -> new)."""
    ticket = _lock(ticket)
    if not access.can_view(actor, ticket):
        raise PermissionDenied
    _check_version(ticket, version)
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
        old = getattr(ticket, name)
        if _value_for_event(name, old) == _value_for_event(name, value):
            continue
        if name in ("asset", "project") and _other_organization(ticket, value):
            raise InvalidInput(_("This item belongs to another organization."))
        setattr(ticket, name, value)
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
    _touch(ticket, actor, now, *[c for c in changed if c != "followers"] or ["version"])
    caching.tickets_changed()
    return Event.objects.bulk_create(written)


@transaction.atomic
def assign(
    *, actor: User, ticket: Ticket, assignees: Sequence[User], version: int | None = None
) -> Event:
    """Admins and agents set the assignees (agents or admins). Writes an ASSIGNMENT event;
    publishes ticket_assigned."""
    ticket = _lock(ticket)
    if not access.can_assign(actor, ticket):
        raise PermissionDenied
    _check_version(ticket, version)
    before = {u.pk: str(u) for u in ticket.assignees.all()}
    after = {u.pk: str(u) for u in assignees}
    if before.keys() == after.keys():
        raise InvalidInput(_("The assignees did not change."))
    _set_assignees(ticket, list(assignees))
    now = timezone.now()
    _touch(ticket, actor, now, "version")
    event = _event(
        ticket,
        actor,
        Kind.ASSIGNMENT,
        action_type=Event.ActionType.HISTORY,
        data={
            "added": sorted(v for k, v in after.items() if k not in before),
            "removed": sorted(v for k, v in before.items() if k not in after),
            "added_ids": sorted(k for k in after if k not in before),
        },
    )
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def claim(*, actor: User, ticket: Ticket) -> Event:
    """An agent takes the ticket: added to the assignees; a new ticket moves to the first open
    status ("Pris en charge"). Writes a CLAIM event; publishes ticket_assigned."""
    ticket = _lock(ticket)
    if not access.can_claim(actor, ticket):
        raise PermissionDenied
    ticket.assignees.add(actor)
    _flag_assigned(ticket, True)
    now = timezone.now()
    data = {}
    changed = ["version"]
    if ticket.status.category == Category.NEW:
        target = first_status(Category.OPEN)
        if target is not None:
            data = {"old": ticket.status_id, "new": target.pk}
            changed += _apply_status(ticket, target, now)
    _touch(ticket, actor, now, *changed)
    event = _event(ticket, actor, Kind.CLAIM, action_type=Event.ActionType.EVENT, data=data)
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    if data:
        events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def escalate(*, actor: User, ticket: Ticket, reason: str) -> Event:
    """Admins and agents pass the ticket to the next support level with a reason; the
    assignees are cleared for that level to claim it. Writes an internal ESCALATION event."""
    ticket = _lock(ticket)
    if not access.can_escalate(actor, ticket):
        raise PermissionDenied
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the ticket is escalated."))
    old_level = ticket.support_level
    ticket.support_level = old_level + 1
    removed = sorted(str(u) for u in ticket.assignees.all())
    ticket.assignees.clear()
    _flag_assigned(ticket, False)
    now = timezone.now()
    _touch(ticket, actor, now, "support_level")
    event = _event(
        ticket,
        actor,
        Kind.ESCALATION,
        action_type=Event.ActionType.REASON,
        body=reason,
        is_internal=True,
        data={"old": old_level, "new": ticket.support_level, "removed": removed},
    )
    events.publish(events.TICKET_ASSIGNED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def reopen(*, actor: User, ticket: Ticket, reason: str = "") -> Event:
    """Customers and admins reopen a resolved/closed ticket (agents: see access.can_reopen),
    back to the working status it had before. Writes a REOPEN event; publishes ticket_reopened."""
    ticket = _lock(ticket)
    if not access.can_reopen(actor, ticket):
        raise PermissionDenied
    old = ticket.status
    target = ticket.status_before_resolution or first_status(Category.OPEN) or default_status()
    now = timezone.now()
    changed = _apply_status(ticket, target, now)
    _touch(ticket, actor, now, *changed)
    event = _event(
        ticket,
        actor,
        Kind.REOPEN,
        action_type=Event.ActionType.REASON if reason else Event.ActionType.EVENT,
        body=reason,
        data={"old": old.pk, "new": target.pk},
    )
    events.publish(events.TICKET_REOPENED, ticket_id=ticket.pk, event_id=event.pk)
    return event


@transaction.atomic
def add_attachment(
    *, actor: User, ticket: Ticket, uploaded_file, internal: bool = False
) -> Attachment:
    """Attach a file on its own (an ATTACHMENT event); same rights as a reply or a note."""
    ticket = _lock(ticket)
    allowed = (
        access.can_add_internal_note(actor, ticket) if internal else access.can_reply(actor, ticket)
    )
    if not allowed:
        raise PermissionDenied
    event = _event(
        ticket,
        actor,
        Kind.ATTACHMENT,
        action_type=Event.ActionType.DOCUMENT,
        is_internal=internal,
    )
    (attachment,) = _store_files(actor=actor, ticket=ticket, event=event, files=[uploaded_file])
    _touch(ticket, actor, timezone.now())
    return attachment


@transaction.atomic
def transfer_to_development(
    *, actor: User, ticket: Ticket, type: TicketType, title: str = ""
) -> Ticket:
    """Admins and agents copy a support ticket to a development ticket (type Bogue or Story,
    unassigned, in the development component, level 3) with its title, description and files.
    Writes LINK events on both tickets (internal); publishes ticket_created for the new one."""
    ticket = _lock(ticket)
    if not access.can_transfer_to_development(actor, ticket):
        raise PermissionDenied
    if not type.is_development:
        raise InvalidInput(_("Choose a development type (Bug or Story)."))
    component = Component.objects.filter(is_development=True, is_active=True).first()
    now = timezone.now()
    dev = Ticket(
        number=next_ticket_number(),
        title=(title or ticket.title)[:200],
        description=ticket.description,
        type=type,
        status=default_status(),
        priority=ticket.priority,
        criticality=ticket.criticality,
        organization_id=ticket.organization_id,
        requester=None,
        reporter=actor,
        channel=ticket.channel,
        support_level=Ticket.Level.THREE,
        component=component,
        asset_id=ticket.asset_id,
        project_id=ticket.project_id,
        transferred_from=ticket,
        created_at=now,
        last_activity_at=now,
        last_activity_by=actor,
    )
    dev.save()
    created = _event(
        dev,
        actor,
        Kind.LINK,
        action_type=Event.ActionType.HISTORY,
        is_internal=True,
        data={"link": "transferred_from", "number": ticket.number},
    )
    copies = []
    for original in ticket.attachments.filter(event__is_internal=False).order_by("pk"):
        copy = Attachment(
            ticket=dev,
            event=created,
            filename=original.filename,
            content_type=original.content_type,
            size=original.size,
            is_image=original.is_image,
            uploaded_by=original.uploaded_by_id and original.uploaded_by,
        )
        with original.file.open("rb") as fh:
            copy.file.save(original.filename, ContentFile(fh.read()), save=False)
        if original.thumbnail:
            with original.thumbnail.open("rb") as fh:
                copy.thumbnail.save("thumb.jpg", ContentFile(fh.read()), save=False)
        copy.save()
        copies.append(copy)
    _event(
        ticket,
        actor,
        Kind.LINK,
        action_type=Event.ActionType.HISTORY,
        is_internal=True,
        data={"link": "transferred_to", "number": dev.number},
    )
    _touch(ticket, actor, now)
    events.publish(events.TICKET_CREATED, ticket_id=dev.pk, event_id=created.pk)
    return dev


# --- periodic jobs ---


def auto_close_days() -> int:
    return int(getattr(settings, "TICKETS_AUTO_CLOSE_DAYS", 7))


def auto_close_waiting_tickets(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Warn, a day before, the tickets waiting on the client for N-1 days (WARNING event,
    public; publishes ticket_auto_close_warning), and close those waiting N days (STATUS event
    without actor; publishes ticket_status_changed). Each ticket in its own transaction, checked
    again on the locked row; idempotent. Returns (warned, closed)."""
    now = now or timezone.now()
    days = auto_close_days()
    closed_status = first_status(Category.CLOSED)
    waiting = Ticket.objects.filter(status__category=Category.WAITING_CLIENT)
    close_ids = list(
        waiting.filter(waiting_since__lte=now - dt.timedelta(days=days)).values_list(
            "pk", flat=True
        )
    )
    warn_ids = list(
        waiting.filter(
            waiting_since__lte=now - dt.timedelta(days=max(days - 1, 0)),
            waiting_since__gt=now - dt.timedelta(days=days),
            auto_close_warned_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    closed = warned = 0
    for pk in close_ids:
        if closed_status is not None and _auto_close_one(pk, closed_status, now, days):
            closed += 1
    for pk in warn_ids:
        if _warn_one(pk, now, days):
            warned += 1
    return warned, closed


@transaction.atomic
def _auto_close_one(pk: int, closed_status: Status, now: dt.datetime, days: int) -> bool:
    ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
    if ticket is None or ticket.status.category != Category.WAITING_CLIENT:
        return False
    if ticket.waiting_since is None or ticket.waiting_since > now - dt.timedelta(days=days):
        return False
    old = ticket.status
    changed = _apply_status(ticket, closed_status, now)
    _touch(ticket, None, now, *changed)
    event = _status_event(
        ticket,
        None,
        old,
        closed_status,
        data={"auto": True, "days": days},
        action_type=Event.ActionType.EVENT,
    )
    events.publish(events.TICKET_STATUS_CHANGED, ticket_id=ticket.pk, event_id=event.pk)
    return True


@transaction.atomic
def _warn_one(pk: int, now: dt.datetime, days: int) -> bool:
    ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
    if ticket is None or ticket.status.category != Category.WAITING_CLIENT:
        return False
    if ticket.auto_close_warned_at is not None:
        return False
    ticket.auto_close_warned_at = now
    ticket.save(update_fields=["auto_close_warned_at"])
    event = _event(
        ticket,
        None,
        Kind.WARNING,
        action_type=Event.ActionType.INFORMATION,
        data={
            "days": days,
            "closes_at": (ticket.waiting_since + dt.timedelta(days=days)).isoformat(),
        },
    )
    events.publish(events.TICKET_AUTO_CLOSE_WARNING, ticket_id=ticket.pk, event_id=event.pk)
    return True


def flag_overdue_tickets(*, now: dt.datetime | None = None) -> int:
    """Set is_overdue on working tickets past their resolution due date (not paused); clear it
    on the others. Returns how many tickets became overdue."""
    now = now or timezone.now()
    open_q = Ticket.objects.exclude(status__category__in=[c.value for c in _FINAL])
    flagged = open_q.filter(
        is_overdue=False, resolution_due_at__lt=now, sla_paused_at__isnull=True
    ).update(is_overdue=True)
    # Due dates pushed back (priority change, pause) clear the flag.
    Ticket.objects.filter(is_overdue=True).filter(
        Q(resolution_due_at__gte=now) | Q(sla_paused_at__isnull=False)
    ).update(is_overdue=False)
    caching.tickets_changed()
    return flagged


_FINAL = (Category.RESOLVED, Category.CLOSED, Category.CANCELLED)


# --- bulk actions on the queue ---

BULK_LIMIT = 200


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def bulk_apply(*, actor: User, numbers: Iterable[int], action: str, value) -> BulkResult:
    """One verb on many selected tickets, ticket by ticket through the single-ticket service
    (its own transaction, event and notification): action "assign" (value: a list of people,
    empty to unassign), "status" (a Status) or "priority" (a Priority). A ticket the actor may
    not see or change is refused with the reason, one already in that state is unchanged; the
    others go on."""
    if not access.can_bulk_edit(actor):
        raise PermissionDenied
    verbs = {
        "assign": lambda ticket: assign(actor=actor, ticket=ticket, assignees=value),
        "status": lambda ticket: change_status(actor=actor, ticket=ticket, status=value),
        "priority": lambda ticket: change_priority(actor=actor, ticket=ticket, priority=value),
    }
    if action not in verbs:
        raise InvalidInput(_("Choose an action."))
    wanted = list(dict.fromkeys(int(n) for n in numbers))
    if not wanted:
        raise InvalidInput(_("Select at least one ticket."))
    if len(wanted) > BULK_LIMIT:
        raise InvalidInput(_("Select at most %(limit)s tickets at once.") % {"limit": BULK_LIMIT})
    found = {
        t.number: t
        for t in access.visible_tickets(actor).select_related("status").filter(number__in=wanted)
    }
    result = BulkResult()
    for number in wanted:
        ticket = found.get(number)
        if ticket is None:
            result.refused.append((number, _("not found")))
            continue
        unchanged = (action == "status" and ticket.status_id == value.pk) or (
            action == "priority" and ticket.priority_id == value.pk
        )
        if unchanged:
            result.unchanged.append(number)
            continue
        try:
            verbs[action](ticket)
        except InvalidInput:
            result.unchanged.append(number)
        except PermissionDenied:
            result.refused.append((number, _("not allowed")))
        except TicketError as error:
            result.refused.append((number, str(error)))
        else:
            result.changed.append(number)
    return result


SAVED_FILTER_LIMIT = 20


@transaction.atomic
def save_filter(*, actor: User, name: str, params) -> tuple[SavedFilter, bool]:
    """Save the queue's filters in params (a QueryDict: known filters and sort only, see
    filters.filter_query) under name for actor; a name they already use gets the new
    filters. Returns (saved filter, created)."""
    from .filters import filter_query

    if not access.can_use_saved_views(actor):
        raise PermissionDenied
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_("Give the view a name."))
    if len(name) > SavedFilter._meta.get_field("name").max_length:
        raise InvalidInput(_("The name is too long (60 characters at most)."))
    query = filter_query(params)
    if not query:
        raise InvalidInput(_("Choose some filters first: this view shows every ticket."))
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        raise InvalidInput(_("These filters are too long to save."))
    # The owner's row lock keeps two saves from both passing the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    caching.saved_filters_changed(actor)
    saved = SavedFilter.objects.filter(owner=actor, name=name).first()
    if saved is not None:
        saved.query = query
        saved.save(update_fields=["query"])
        return saved, False
    if SavedFilter.objects.filter(owner=actor).count() >= SAVED_FILTER_LIMIT:
        raise InvalidInput(
            _("You have %(limit)s saved views already: delete one first.")
            % {"limit": SAVED_FILTER_LIMIT}
        )
    return SavedFilter.objects.create(owner=actor, name=name, query=query), True


def delete_filter(*, actor: User, saved: SavedFilter) -> None:
    if saved.owner_id != actor.pk:
        raise PermissionDenied
    saved.delete()
    caching.saved_filters_changed(actor)
