"""Filing tickets: from the web form or a phone call, from an email, and by transfer to development.

Customers file for their own organization; admins, agents and sales reps for a client
organization they may act for (accounts.roles.may_act_for), agents also for a caller. Email
senders are identified by intake, which calls create_ticket_from_email. Numbers come from the
"ticket" counter (numbering). Each writes the Ticket, a CREATED (or LINK) event and its files,
and publishes ticket_created after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Organization, User
from core.files import UploadInfo, store_file

from .. import access, caching, events, sla
from ..errors import InvalidInput
from ..models import (
    Attachment,
    CannedReply,
    Component,
    Event,
    Priority,
    Ticket,
    TicketType,
)
from ._common import (
    Kind,
    add_event,
    criticality_code,
    default_priority,
    default_status,
    lock,
    stamp_seconds,
    store_files,
    touch,
)
from .assignment import set_assignees
from .canned import fill_canned_reply
from .numbering import next_ticket_number


@transaction.atomic
def create_ticket(
    *,
    actor: User,
    title: str,
    description: str,
    type: TicketType | None = None,
    criticality: str = "",
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
        if not roles.may_act_for(actor, organization):
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
    reference = caching.reference()
    priority = priority or default_priority(reference)
    criticality = criticality_code(criticality, reference)
    ticket = Ticket(
        number=next_ticket_number(),
        title=title[:200],
        description=description or "",
        type=type,
        status=default_status(reference),
        priority=priority,
        criticality_id=criticality,
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
            now, priority, reference.calendar
        )
    ticket.save()
    event = add_event(
        ticket,
        actor,
        Kind.CREATED,
        action_type=Event.ActionType.QUESTION,
        action_at=reported_at or now,
        data={"channel": channel},
    )
    store_files(actor=actor, ticket=ticket, event=event, files=attachments)
    if assignees:
        set_assignees(ticket, list(assignees))
    if internal_note.strip():
        add_event(
            ticket,
            actor,
            Kind.NOTE,
            action_type=Event.ActionType.INFORMATION,
            body=internal_note,
            is_internal=True,
        )
    if canned_reply is not None:
        # The first answer to the client, placeholders filled with the new number.
        answer = add_event(
            ticket,
            actor,
            Kind.REPLY,
            action_type=Event.ActionType.ANSWER,
            body=fill_canned_reply(canned_reply, ticket=ticket, agent=actor),
        )
        ticket.first_response_at = answer.action_at
        ticket.first_response_seconds = stamp_seconds(ticket, answer.action_at)
        ticket.save(update_fields=["first_response_at", "first_response_seconds"])
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
    channel: str = Ticket.Channel.EMAIL,
    criticality: str = "",
) -> tuple[Ticket, Event]:
    """File a ticket from an email (channel email), or from a website's form that asks for an
    email address (integrations.webforms: channel web). A known client sender files for their
    organization; anyone else gives an unidentified ticket (no organization or requester,
    contact_email set) for an agent to link. Cc'd addresses are recorded, never made accounts.
    Called by intake.services.ingest_message, which decides who the sender is."""
    identified = sender is not None and access.can_create_ticket(sender) and sender.organization_id
    now = timezone.now()
    reference = caching.reference()
    priority = default_priority(reference)
    criticality = criticality_code(criticality, reference)
    ticket = Ticket(
        number=next_ticket_number(),
        title=(title or "").strip()[:200] or _("(no subject)"),
        description=description or "",
        type=type,
        status=default_status(reference),
        priority=priority,
        organization_id=sender.organization_id if identified else None,
        requester=sender if identified else None,
        reporter=sender if identified else None,
        contact_email="" if identified else (contact_email or "")[:254],
        cc_addresses=list(dict.fromkeys(cc_addresses)),
        channel=channel,
        criticality_id=criticality,
        created_at=now,
        last_activity_at=now,
        last_activity_by=sender if identified else None,
    )
    if priority is not None:
        ticket.first_response_due_at, ticket.resolution_due_at = sla.due_dates(
            now, priority, reference.calendar
        )
    ticket.save()
    event = add_event(
        ticket,
        sender if identified else None,
        Kind.CREATED,
        action_type=Event.ActionType.QUESTION,
        action_at=received_at or now,
        data={"channel": channel, **(data or {})},
    )
    store_files(actor=sender if identified else None, ticket=ticket, event=event, files=attachments)
    events.publish(events.TICKET_CREATED, ticket_id=ticket.pk, event_id=event.pk)
    return ticket, event


@transaction.atomic
def transfer_to_development(
    *, actor: User, ticket: Ticket, type: TicketType, title: str = ""
) -> Ticket:
    """Admins and agents copy a support ticket to a development ticket (type Bogue or Story,
    unassigned, in the development component, level 3) with its title, description and files.
    Writes LINK events on both tickets (internal); publishes ticket_created for the new one."""
    ticket = lock(ticket)
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
        criticality_id=ticket.criticality_id,
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
    created = add_event(
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
            content = ContentFile(fh.read())
        info = UploadInfo(original.filename, original.content_type, original.size, copy.is_image)
        store_file(copy, content, info, thumbnail=True)
        copies.append(copy)
    add_event(
        ticket,
        actor,
        Kind.LINK,
        action_type=Event.ActionType.HISTORY,
        is_internal=True,
        data={"link": "transferred_to", "number": dev.number},
    )
    touch(ticket, actor, now)
    events.publish(events.TICKET_CREATED, ticket_id=dev.pk, event_id=created.pk)
    return dev
