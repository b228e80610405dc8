"""Who hears about a ticket event, and what they receive (seeds 001, 003, 004).

- created: a confirmation to the client (the requester, or the sender of an unidentified email)
  unless the message must get no automatic reply (old mail, a sender over the rate limit);
  people assigned at creation get the assignment email.
- public reply: everyone taking part but its author: the client side (requester or sender
  address, the reporter, followers) and the staff side (assignees, followers); a staff reply
  goes to the addresses copied on the client's email too (in Cc).
- internal note: assignees and followers who see notes; never a client, never an address.
- status change: the client and the reporter if different, assignees and followers; the
  auto-close job's closing is its own email to the client; a status moved by the client's own
  reply sends nothing more than the reply. Reopened: the same (unless reopened by the reply).
- assigned: the people newly assigned, not who assigned themselves; an escalation: the agents
  of the new level.
- auto-close warning: the client.
Each person gets only what tickets.access lets them see, in their language, except the kinds
they turned off (User.muted_notices). Client emails come from the support address with a
Reply-To of the ticket's mailbox, so that answering lands on the ticket; staff emails come from
the no-reply address (an agent's email answer to a note would otherwise become a public reply).

Wiring (tickets/apps.py): each ticket event (tickets.events, after commit) becomes a
notifications job whose handler is notify_event; the emails go through notifications.mail.send.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from accounts import roles
from accounts.models import Notice, User
from notifications import addresses, jobs, mail

from . import access, chat, events
from .message_ids import make_message_id, thread_id
from .models import Event, Status, Ticket

logger = logging.getLogger(__name__)

Kind = Event.Kind


@dataclass
class Recipient:
    address: str
    language: str
    user: User | None = None
    cc: list[str] = field(default_factory=list)
    staff: bool = False

    @property
    def name(self) -> str:
        return self.user.get_short_name() if self.user else ""


@dataclass
class Letter:
    """One email to write: the template folder under templates/emails/ and the notice kind
    that lets the person turn it off."""

    template: str
    notice: str
    recipients: list[Recipient]


# --- jobs ---


def connect() -> None:
    """Called once from TicketsConfig.ready(): every ticket event becomes a notification job,
    stored in the event's own transaction and run once it commits (or by the periodic job if
    the broker lost it), whose handler is notify_event."""
    for name in sorted(events.NAMES):
        events.subscribe_in_transaction(name, jobs.queue_job)
        jobs.register_handler(name, notify_event)


def notify_event(*, name: str, ticket_id: int, event_id: int) -> int:
    """Write the emails and chat posts of one ticket event. Returns the emails queued."""
    ticket = (
        Ticket.objects.select_related("status", "requester", "reporter", "organization")
        .prefetch_related("assignees", "followers")
        .filter(pk=ticket_id)
        .first()
    )
    event = Event.objects.select_related("actor").filter(pk=event_id, ticket_id=ticket_id).first()
    if ticket is None or event is None:
        return 0
    letters = PLANS[name](ticket, event)
    queued = 0
    if letters:
        thread = _Thread(ticket, event)
        for letter in letters:
            for recipient in letter.recipients:
                queued += _write(letter, recipient, ticket, event, thread)
    chat.post_event(name, ticket, event)
    return queued


# --- who ---


def _people(
    ticket: Ticket, event: Event, candidates, notice: str, *, internal=False, author_too=False
):
    """Recipients among candidates (users or bare addresses): not the author (unless
    author_too), active, allowed to see the ticket (and notes, for internal ones), wanting this
    notice; one email each."""
    actor = event.actor
    actor_address = (actor.email if actor else event.data.get("from", "")).lower()
    seen: set[str] = {actor_address} if actor_address and not author_too else set()
    seen |= addresses.own_addresses()
    chosen = []
    for person in candidates:
        if person is None or person == "":
            continue
        if isinstance(person, str):
            # A bare address (an unidentified sender, a cc) that mail cannot go to: none sent.
            if internal or person.lower() in seen or not _deliverable(person):
                continue
            seen.add(person.lower())
            chosen.append(Recipient(person, settings.LANGUAGE_CODE))
            continue
        address = person.email.lower()
        if address in seen or not person.wants_email(notice):
            continue
        if not access.can_view(person, ticket):
            continue
        staff = access.sees_internal(person)
        if internal and not staff:
            continue
        seen.add(address)
        chosen.append(Recipient(person.email, person.language or "fr", person, staff=staff))
    return chosen


def _deliverable(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _client(ticket: Ticket):
    """The person the ticket concerns: the requester, or an unidentified sender's address."""
    return ticket.requester if ticket.requester_id else (ticket.contact_email or None)


def _taking_part(ticket: Ticket):
    return [
        _client(ticket),
        ticket.reporter,
        *ticket.assignees.all(),
        *ticket.followers.all(),
    ]


def _status_name(pk) -> str:
    status = Status.objects.filter(pk=pk).first() if pk else None
    return status.name if status else ""


def _created(ticket: Ticket, event: Event) -> list[Letter]:
    if event.kind != Kind.CREATED or event.data.get("no_auto_reply"):
        return []
    # The client gets the confirmation even when they filed it themselves.
    people = _people(ticket, event, [_client(ticket)], Notice.CREATED, author_too=True)
    return [Letter("ticket_created", Notice.CREATED, people)]


def _replied(ticket: Ticket, event: Event) -> list[Letter]:
    if event.kind == Kind.NOTE:
        people = _people(
            ticket,
            event,
            [*ticket.assignees.all(), *ticket.followers.all()],
            Notice.NOTE,
            internal=True,
        )
        return [Letter("ticket_note", Notice.NOTE, people)]
    if event.kind != Kind.REPLY or event.is_internal:
        return []
    people = _people(ticket, event, _taking_part(ticket), Notice.REPLY)
    if event.actor is not None and access.sees_internal(event.actor):
        copied = [a for a in ticket.cc_addresses if a.lower() not in addresses.own_addresses()]
        for recipient in people:
            if not recipient.staff and copied:
                recipient.cc = [a for a in copied if a.lower() != recipient.address.lower()]
                copied = []
    return [Letter("ticket_reply", Notice.REPLY, people)]


def _status_changed(ticket: Ticket, event: Event) -> list[Letter]:
    if event.data.get("by_reply") or "new" not in event.data:
        return []
    if event.data.get("auto"):
        people = _people(ticket, event, [_client(ticket), ticket.reporter], Notice.AUTO_CLOSE)
        return [Letter("ticket_auto_closed", Notice.AUTO_CLOSE, people)]
    people = _people(ticket, event, _taking_part(ticket), Notice.STATUS)
    return [Letter("ticket_status", Notice.STATUS, people)]


def _reopened(ticket: Ticket, event: Event) -> list[Letter]:
    if event.data.get("by_reply"):
        return []
    people = _people(ticket, event, _taking_part(ticket), Notice.STATUS)
    return [Letter("ticket_status", Notice.STATUS, people)]


def _assigned(ticket: Ticket, event: Event) -> list[Letter]:
    current = list(ticket.assignees.all())
    if event.kind == Kind.CREATED:
        new = current
    elif event.kind == Kind.ASSIGNMENT:
        ids = set(event.data.get("added_ids") or [])
        names = set(event.data.get("added") or [])
        new = [u for u in current if u.pk in ids or (not ids and str(u) in names)]
    elif event.kind == Kind.ESCALATION:
        level = event.data.get("new")
        new = list(roles.agents_of_level(level)) if level else []
        return [
            Letter(
                "ticket_escalated",
                Notice.ASSIGNED,
                _people(ticket, event, new, Notice.ASSIGNED, internal=True),
            )
        ]
    else:  # a claim: the agent took it themselves
        return []
    people = _people(ticket, event, new, Notice.ASSIGNED, internal=True)
    return [Letter("ticket_assigned", Notice.ASSIGNED, people)]


def _auto_close_warning(ticket: Ticket, event: Event) -> list[Letter]:
    people = _people(ticket, event, [_client(ticket)], Notice.AUTO_CLOSE)
    return [Letter("ticket_auto_close_warning", Notice.AUTO_CLOSE, people)]


PLANS = {
    "ticket_created": _created,
    "ticket_replied": _replied,
    "ticket_status_changed": _status_changed,
    "ticket_reopened": _reopened,
    "ticket_assigned": _assigned,
    "ticket_auto_close_warning": _auto_close_warning,
}


# --- what ---


class _Thread:
    """Threading headers and the reply address shared by the emails of one event."""

    def __init__(self, ticket: Ticket, event: Event) -> None:
        created = (
            event
            if event.kind == Kind.CREATED
            else Event.objects.filter(ticket_id=ticket.pk, kind=Kind.CREATED).only("data").first()
        )
        origin = (created.data if created else {}) or {}
        self.root = thread_id(ticket.number)
        self.original = origin.get("message_id", "")
        mailbox = event.data.get("mailbox") or origin.get("mailbox") or addresses.default_reply_to()
        self.reply_to = mailbox or ""

    def headers(self, ticket: Ticket, staff: bool, address: str = "") -> dict[str, str]:
        references = " ".join(r for r in [self.original, self.root] if r)
        if staff:
            # Not one of our signed ids: an answer to it is not taken as a ticket reply.
            noreply = addresses.address(addresses.noreply_email())
            message_id = make_msgid(domain=noreply.rpartition("@")[2])
        else:
            message_id = make_message_id(ticket.number, address)
        return {
            "Message-ID": message_id,
            "In-Reply-To": self.original or self.root,
            "References": references,
        }


def _context(letter: Letter, recipient: Recipient, ticket: Ticket, event: Event) -> dict:
    data = event.data or {}
    first_answer = None
    if letter.template == "ticket_created":
        first_answer = (
            Event.objects.filter(ticket_id=ticket.pk, kind=Kind.REPLY, is_internal=False)
            .order_by("id")
            .first()
        )
    return {
        "ticket": ticket,
        "event": event,
        "recipient": recipient,
        "actor_name": str(event.actor) if event.actor else "",
        "url": mail.absolute_url(ticket.get_absolute_url()) if recipient.user else "",
        "profile_url": mail.absolute_url("/profile/#notifications") if recipient.user else "",
        "staff": recipient.staff,
        "old_status": _status_name(data.get("old")),
        "new_status": _status_name(data.get("new")) or ticket.status.name,
        "reopened": event.kind == Kind.REOPEN,
        "closes_at": _date(data.get("closes_at")),
        "days": data.get("days"),
        "level": data.get("new"),
        "first_answer": first_answer,
        "attachments": [a.filename for a in event.attachments.all()]
        if event.kind in (Kind.REPLY, Kind.NOTE, Kind.CREATED)
        else [],
    }


def _date(value):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _write(letter: Letter, recipient: Recipient, ticket: Ticket, event: Event, thread) -> int:
    with translation.override(recipient.language):
        context = _context(letter, recipient, ticket, event)
        sender = addresses.noreply_email() if recipient.staff else settings.DEFAULT_FROM_EMAIL
    headers = thread.headers(ticket, recipient.staff, recipient.address)
    # Ask vacation responders not to answer (Exchange), and say what we are (RFC 3834).
    headers["X-Auto-Response-Suppress"] = "All"
    if letter.template not in ("ticket_reply", "ticket_note"):
        headers["Auto-Submitted"] = "auto-generated"
    try:
        return mail.send(
            letter.template,
            to=recipient.address,
            context=context,
            language=recipient.language,
            from_email=sender,
            cc=recipient.cc,
            reply_to=[thread.reply_to] if thread.reply_to and not recipient.staff else [],
            headers=headers,
            kind=letter.template,
            ticket_number=ticket.number,
            key=f"{event.pk}:{letter.template}:{recipient.address.lower()}",
        )
    except Exception:
        logger.exception("could not queue %s for ticket %s", letter.template, ticket.number)
        return 0
