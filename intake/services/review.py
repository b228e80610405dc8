"""Staff actions on what came in: retry or discard quarantined messages (admins), release
ignored ones into a ticket (admins), append or discard flagged messages (admins, agents; an
"unverified sender" accepted by an agent speaks as its sender, vouched for by that agent),
attach an unidentified ticket to a client, drop old originals.

Attaching is for admins, agents and sales reps, to an organization they may act for
(accounts.roles.may_act_for); creating the sender's account on the way is for admins and
agents (accounts.services.create_contact). Refusals: PermissionDenied; bad input: InvalidInput.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts import services as account_services
from accounts.models import Organization, User
from core.files import max_upload_bytes
from tickets import access as ticket_access
from tickets import services as ticket_services
from tickets.errors import InvalidInput
from tickets.models import Event, Ticket

from .. import access
from ..models import InboundMessage
from ..parse import parse_message
from .ingest import (
    Category,
    Outcome,
    Result,
    clean_body,
    find_user,
    ingest_message,
    message_files,
    own_addresses,
    valid_address,
)


def retry_message(*, actor: User, record: InboundMessage) -> Result:
    """Run a quarantined message through ingest again (after a fix or a setting change)."""
    if not access.can_manage_quarantine(actor) or record.outcome != Outcome.QUARANTINED:
        raise PermissionDenied
    return ingest_message(record.read_raw(), mailbox=record.mailbox, retry=True)


def release_message(*, actor: User, record: InboundMessage) -> Result:
    """An admin releases an ignored message: it is read again as if it were not automatic
    mail (a ticket, a reply, or flagged like any other message)."""
    if not access.can_manage_ignored(actor) or record.outcome != Outcome.IGNORED:
        raise PermissionDenied
    raw = record.read_raw()
    if not raw:
        raise InvalidInput(_("The original of this message is no longer kept."))
    result = ingest_message(raw, mailbox=record.mailbox, release=True)
    InboundMessage.objects.filter(pk=record.pk).update(handled_by=actor, handled_at=timezone.now())
    return result


def purge_old_originals(*, now: dt.datetime | None = None) -> int:
    """Drop the original bytes of handled messages older than INTAKE_RAW_RETENTION_DAYS
    (quarantined and flagged ones wait for someone); returns how many."""
    days = int(settings.INTAKE_RAW_RETENTION_DAYS)
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = (
        InboundMessage.objects.filter(received_at__lt=cutoff)
        .exclude(raw_file="")
        .exclude(outcome__in=[Outcome.QUARANTINED, Outcome.FLAGGED])
    )
    count = 0
    for record in old.only("pk", "raw_file").iterator(chunk_size=500):
        record.raw_file.delete(save=False)
        InboundMessage.objects.filter(pk=record.pk).update(raw_file="")
        count += 1
    return count


@transaction.atomic
def discard_message(*, actor: User, record: InboundMessage) -> None:
    """Admins discard quarantined messages; agents discard flagged replies."""
    record = InboundMessage.objects.select_for_update().get(pk=record.pk)
    allowed = (
        access.can_manage_quarantine(actor)
        if record.outcome == Outcome.QUARANTINED
        else record.outcome == Outcome.FLAGGED and access.can_review_flagged(actor)
    )
    if not allowed:
        raise PermissionDenied
    record.outcome = Outcome.DISCARDED
    record.handled_by, record.handled_at = actor, timezone.now()
    record.save(update_fields=["outcome", "handled_by", "handled_at"])


@transaction.atomic
def append_flagged(*, actor: User, record: InboundMessage):
    """An agent vouches for a flagged message. An unverified sender's message then speaks as
    that sender (a reply, or a new ticket when it answered none); any other flagged reply
    joins its ticket as a question written by the agent, naming the sender."""
    record = InboundMessage.objects.select_for_update().get(pk=record.pk)
    if not access.can_review_flagged(actor) or record.outcome != Outcome.FLAGGED:
        raise PermissionDenied
    raw = record.read_raw()
    if not raw:
        raise InvalidInput(_("The original of this message is no longer kept."))
    parsed = parse_message(raw, max_attachment_bytes=max_upload_bytes())
    files, refused = message_files(parsed)
    data = {"via": "email", "message_id": parsed.message_id, "vouched_by": actor.email}
    data["no_auto_reply"] = True
    if record.mailbox is not None:
        data["mailbox"] = record.mailbox.email_address
    if refused:
        data["refused_attachments"] = refused
    body = clean_body(parsed) or _("(empty message)")
    sender = find_user(parsed.from_address) if valid_address(parsed.from_address) else None
    ticket = record.ticket
    if record.category == Category.UNVERIFIED and sender is not None:
        if ticket is None:
            own = own_addresses()
            ticket, event = ticket_services.create_ticket_from_email(
                sender=sender,
                contact_email=parsed.from_address,
                title=parsed.subject,
                description=body,
                type=record.mailbox.default_type if record.mailbox is not None else None,
                cc_addresses=[a for a in parsed.cc if a not in own and valid_address(a)],
                attachments=files,
                data=data,
            )
            record.outcome, record.ticket = Outcome.CREATED, ticket
            return _handled(record, actor, event)
        if ticket_access.can_reply(sender, ticket):
            event = ticket_services.reply(
                actor=sender, ticket=ticket, body=body, attachments=files, data=data
            )
            record.outcome = Outcome.APPENDED
            return _handled(record, actor, event)
    if ticket is None:
        raise InvalidInput(_("This message is not linked to a ticket."))
    data["from"] = parsed.from_address
    event = ticket_services.reply(
        actor=actor,
        ticket=ticket,
        body=body,
        attachments=files,
        action_type=Event.ActionType.QUESTION,
        data=data,
    )
    record.outcome = Outcome.APPENDED
    return _handled(record, actor, event)


def _handled(record: InboundMessage, actor: User, event: Event) -> Event:
    record.event = event
    record.handled_by, record.handled_at = actor, timezone.now()
    record.save()
    return event


@transaction.atomic
def link_ticket(
    *,
    actor: User,
    ticket: Ticket,
    organization: Organization,
    contact: User | None = None,
    new_contact_name: str = "",
) -> Ticket:
    """Attach an unidentified ticket to a client organization and a contact (existing, or
    created from the sender's address)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not access.can_review_unidentified(actor) or ticket.organization_id is not None:
        raise PermissionDenied
    if not roles.may_act_for(actor, organization):
        raise PermissionDenied
    if contact is not None and contact.organization_id != organization.pk:
        raise InvalidInput(_("The contact does not belong to this organization."))
    if contact is None and new_contact_name.strip():
        if not valid_address(ticket.contact_email):
            raise InvalidInput(
                _("The sender's address cannot receive mail: choose an existing contact.")
            )
        if User.objects.filter(email__iexact=ticket.contact_email).exists():
            raise InvalidInput(_("An account already uses this address: choose it as contact."))
        first, _sep, last = new_contact_name.strip().partition(" ")
        contact = account_services.create_contact(
            actor=actor,
            email=ticket.contact_email,
            organization=organization,
            first_name=first[:150],
            last_name=last[:150],
        )
    ticket.organization = organization
    ticket.requester = contact
    if contact is not None:
        ticket.reporter = ticket.reporter or contact
    ticket.version += 1
    ticket.save(update_fields=["organization", "requester", "reporter", "version", "updated_at"])
    ticket_services.add_event(
        ticket,
        actor,
        Event.Kind.FIELD,
        action_type=Event.ActionType.HISTORY,
        data={
            "field": "organization",
            "old": None,
            "new": organization.name,
            "contact": contact.email if contact else ticket.contact_email,
        },
    )
    return ticket
