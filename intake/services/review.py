"""Staff actions on what came in: retry or discard quarantined messages (admins), append or
discard flagged replies (admins, agents), attach an unidentified ticket to a client.

Attaching is for admins, agents and sales reps, to an organization they may act for
(accounts.roles.may_act_for); creating the sender's account on the way is for admins and
agents (accounts.services.create_contact). Refusals: PermissionDenied; bad input: InvalidInput.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts import services as account_services
from accounts.models import Organization, User
from core.files import max_upload_bytes
from tickets import services as ticket_services
from tickets.errors import InvalidInput
from tickets.models import Event, Ticket

from .. import access
from ..models import InboundMessage
from ..parse import parse_message
from .ingest import Outcome, Result, clean_body, ingest_message, message_files


def retry_message(*, actor: User, record: InboundMessage) -> Result:
    """Run a quarantined message through ingest again (after a fix or a setting change)."""
    if not access.can_manage_quarantine(actor) or record.outcome != Outcome.QUARANTINED:
        raise PermissionDenied
    raw = bytes(record.raw or b"")
    result = ingest_message(raw, mailbox=record.mailbox, retry=True)
    if result.record_id != record.pk:
        # Stored under another Message-ID (the header's rather than a hash): one record left.
        InboundMessage.objects.filter(pk=record.pk, outcome=Outcome.QUARANTINED).delete()
    return result


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
    """An agent vouches for a flagged reply: it joins its ticket as a question from the sender."""
    record = InboundMessage.objects.select_for_update().get(pk=record.pk)
    if not access.can_review_flagged(actor) or record.outcome != Outcome.FLAGGED:
        raise PermissionDenied
    if record.ticket is None:
        raise InvalidInput(_("This message is not linked to a ticket."))
    parsed = parse_message(bytes(record.raw or b""), max_attachment_bytes=max_upload_bytes())
    files, refused = message_files(parsed)
    data = {"via": "email", "message_id": parsed.message_id, "from": parsed.from_address}
    data["no_auto_reply"] = True
    if record.mailbox is not None:
        data["mailbox"] = record.mailbox.email_address
    if refused:
        data["refused_attachments"] = refused
    event = ticket_services.reply(
        actor=actor,
        ticket=record.ticket,
        body=clean_body(parsed) or _("(empty message)"),
        attachments=files,
        action_type=Event.ActionType.QUESTION,
        data=data,
    )
    record.outcome, record.event = Outcome.APPENDED, event
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
