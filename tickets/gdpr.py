"""GDPR part of tickets (core.privacy).

Export: the tickets the person filed, reported, holds or follows, or that came from their address
(their fields), the timeline lines they wrote (their replies; their own internal notes if staff)
and the files they sent. Other people's words are not theirs and stay out.
Anonymise: their lines are kept (scrubbed of their name, email and phone) or blanked; every title,
description and timeline text naming them is scrubbed (the search columns PostgreSQL generates
from these texts follow); the files they sent are removed on request. Tickets, their numbers,
statuses and dates stay: statistics do not move.
"""

from __future__ import annotations

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from core.privacy import Archive, Options, Person, stamp

from . import caching
from .models import Attachment, Event, Ticket

ORDER = 20
CHUNK = 500


def _tickets_of(person: Person):
    q = Q(pk__in=[])
    if person.user is not None:
        user = person.user
        q |= Q(requester=user) | Q(reporter=user)
        q |= Q(pk__in=Ticket.assignees.through.objects.filter(user=user).values("ticket_id"))
        q |= Q(pk__in=Ticket.followers.through.objects.filter(user_id=user.pk).values("ticket_id"))
    if person.email:
        q |= Q(contact_email__iexact=person.email)
    return Ticket.objects.filter(q)


def _ticket_row(ticket: Ticket, person: Person) -> dict:
    user = person.user
    if user is not None:
        roles = [
            role
            for role, holds in (
                ("requester", ticket.requester_id == user.pk),
                ("reporter", ticket.reporter_id == user.pk),
            )
            if holds
        ]
    else:
        roles = ["contact"]
    # On a ticket they only hold or follow, the title and description are the client's words.
    own = bool(roles)
    return {
        "number": ticket.number,
        "title": ticket.title if own else None,
        "description": ticket.description if own else None,
        "status": ticket.status.name_fr if ticket.status_id else None,
        "channel": ticket.channel,
        "criticality": ticket.criticality_id,
        "organization": ticket.organization.name if ticket.organization_id else None,
        "your_part": roles or ["assignee or follower"],
        "contact_email": ticket.contact_email if ticket.contact_email else None,
        "created_at": stamp(ticket.created_at),
        "resolved_at": stamp(ticket.resolved_at),
        "closed_at": stamp(ticket.closed_at),
    }


def export_person(person: Person, archive: Archive) -> None:
    tickets = (
        _tickets_of(person)
        .select_related("status", "organization")
        .order_by("number")
        .only(
            "number",
            "title",
            "description",
            "status__name_fr",
            "channel",
            "criticality",
            "organization__name",
            "requester_id",
            "reporter_id",
            "contact_email",
            "created_at",
            "resolved_at",
            "closed_at",
        )
    )
    archive.add_json(
        "tickets/tickets.json", [_ticket_row(t, person) for t in tickets.iterator(CHUNK)]
    )
    if person.user is None:
        return
    events = (
        Event.objects.filter(actor=person.user)
        .exclude(body="")
        .select_related("ticket")
        .only("ticket__number", "kind", "body", "is_internal", "action_at")
        .order_by("action_at", "id")
    )
    archive.add_json(
        "tickets/your_messages.json",
        [
            {
                "ticket": e.ticket.number,
                "kind": e.kind,
                "internal": e.is_internal,
                "at": stamp(e.action_at),
                "text": e.body,
            }
            for e in events.iterator(CHUNK)
        ],
    )
    files = []
    uploads = Attachment.objects.filter(uploaded_by=person.user).select_related("ticket")
    for attachment in uploads.order_by("id").iterator(CHUNK):
        name = f"tickets/files/{attachment.ticket.number}-{attachment.pk}-{attachment.filename}"
        if archive.add_file(name, attachment.file):
            files.append({"ticket": attachment.ticket.number, "file": name})
    archive.add_json("tickets/your_files.json", files)


def _mentions(fields: list[str], person: Person) -> Q:
    """Rows naming the person whatever the case, accents or phone format (core.privacy)."""
    return person.mentions(*fields)


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    counts = {"tickets_scrubbed": 0, "messages_blanked": 0, "files_removed": 0}
    user = person.user
    if user is not None and options.words == "blank":
        counts["messages_blanked"] = (
            Event.objects.filter(actor=user).exclude(body="").update(body="")
        )
    # Every text naming the person (their own lines, others' replies quoting them).
    tickets = Ticket.objects.annotate(cc_text=Cast("cc_addresses", TextField())).filter(
        _mentions(["title", "description", "contact_email", "cc_text"], person)
    )
    for ticket in tickets.only("pk", "title", "description", "contact_email", "cc_addresses"):
        ticket.title = person.scrub(ticket.title)[:200]
        ticket.description = person.scrub(ticket.description)
        if ticket.contact_email.lower() == person.email.lower():
            ticket.contact_email = person.alias_email
        ticket.cc_addresses = person.scrub_json(ticket.cc_addresses)
        ticket.save(update_fields=["title", "description", "contact_email", "cc_addresses"])
        counts["tickets_scrubbed"] += 1
    events = Event.objects.annotate(data_text=Cast("data", TextField())).filter(
        _mentions(["body", "data_text"], person)
    )
    for event in events.only("pk", "body", "data").iterator(CHUNK):
        event.body = person.scrub(event.body)
        event.data = person.scrub_json(event.data)
        event.save(update_fields=["body", "data"])
    if user is not None and options.remove_attachments:
        for attachment in Attachment.objects.filter(uploaded_by=user):
            attachment.file.delete(save=False)
            if attachment.thumbnail:
                attachment.thumbnail.delete(save=False)
            attachment.delete()
            counts["files_removed"] += 1
    attachments = Attachment.objects.filter(_mentions(["filename"], person))
    for attachment in attachments.only("pk", "filename"):
        attachment.filename = person.scrub(attachment.filename)[:200]
        attachment.save(update_fields=["filename"])
    caching.tickets_changed()
    caching.timelines_changed()  # past events were rewritten: their cached markup goes
    return counts


def retention_tickets(cutoff):
    """Tickets closed before cutoff whose client data the retention job anonymises."""
    return Ticket.objects.filter(closed_at__lt=cutoff)
