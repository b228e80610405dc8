"""Email in: turn one raw message into a ticket or a reply, or record why not.

ingest_message runs one transaction per message and never raises for a bad message: anything
it cannot turn into a ticket or a reply is stored with its raw bytes (quarantined); a reply from
someone who may not reply to its ticket is flagged for an agent; auto-replies are ignored; a
Message-ID seen before is a duplicate. Tickets and replies are written by tickets.services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.files import max_upload_bytes, validate_upload
from tickets import access as ticket_access
from tickets import services as ticket_services
from tickets.message_ids import ticket_number_from_ids
from tickets.models import Ticket

from ..models import InboundMessage, Mailbox
from ..parse import ParsedMessage, UnparseableMessage, parse_message

logger = logging.getLogger(__name__)

Outcome = InboundMessage.Outcome


@dataclass(frozen=True)
class Result:
    outcome: str
    ticket_number: int | None = None
    reason: str = ""
    record_id: int | None = None

    @property
    def stored(self) -> bool:
        return self.record_id is not None or self.outcome == Outcome.DUPLICATE

    def line(self) -> str:
        """The ingest_email output line (ARCHITECTURE.md contract)."""
        if self.outcome in (Outcome.CREATED, Outcome.APPENDED):
            return f"{self.outcome} #{self.ticket_number}"
        if self.outcome == Outcome.DUPLICATE:
            return "duplicate"
        if self.outcome == Outcome.QUARANTINED:
            return f"quarantined: {self.reason}"
        return f"{self.outcome}: {self.reason}" if self.reason else str(self.outcome)


def own_addresses() -> frozenset[str]:
    addresses = {a.lower() for a in Mailbox.objects.values_list("email_address", flat=True)}
    for value in [settings.DEFAULT_FROM_EMAIL, getattr(settings, "SERVER_EMAIL", "")]:
        value = (value or "").strip()
        if "<" in value:
            value = value.rsplit("<", 1)[1].strip(">")
        if "@" in value:
            addresses.add(value.lower())
    addresses.update(a.lower() for a in getattr(settings, "HOTLINE_EMAILS", []))
    return frozenset(addresses)


def synthetic_id(raw: bytes) -> str:
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@intake.invalid>"


def ingest_message(raw: bytes, *, mailbox: Mailbox | None = None, retry: bool = False) -> Result:
    """Turn one raw RFC 822 message into a ticket or a reply, or record why not.

    Never raises for a bad message; raises only when even the quarantine record cannot be
    written (the caller then leaves the message on the server)."""
    raw = bytes(raw)
    limit = int(settings.INTAKE_MAX_MESSAGE_MB) * 1024 * 1024
    if len(raw) > limit:
        reason = f"message too large: {len(raw)} bytes > {limit}"
        return _quarantine(raw, mailbox, synthetic_id(raw), reason, retry=retry)
    own = own_addresses()
    try:
        parsed = parse_message(raw, max_attachment_bytes=max_upload_bytes(), own_addresses=own)
    except UnparseableMessage as exc:
        return _quarantine(raw, mailbox, synthetic_id(raw), exc.reason, retry=retry)
    try:
        with transaction.atomic():
            return _ingest(parsed, raw, mailbox, retry=retry, own=own)
    except IntegrityError:
        # Another worker stored the same Message-ID at the same moment.
        if InboundMessage.objects.filter(message_id=parsed.message_id[:255]).exists():
            return Result(Outcome.DUPLICATE)
        logger.exception("integrity error while ingesting %s", parsed.message_id)
        reason = "database refused the message"
    except Exception as exc:
        logger.exception("could not ingest %s", parsed.message_id)
        reason = f"{exc.__class__.__name__}: {exc}"[:300]
    return _quarantine(raw, mailbox, parsed.message_id, reason, parsed=parsed, retry=retry)


def _quarantine(raw, mailbox, message_id, reason, *, parsed=None, retry=False) -> Result:
    with transaction.atomic():
        record = (
            InboundMessage.objects.select_for_update().filter(message_id=message_id[:255]).first()
        )
        if record is not None and not (retry and record.outcome == Outcome.QUARANTINED):
            return Result(Outcome.DUPLICATE)
        record = record or InboundMessage(message_id=message_id[:255])
        _describe(record, parsed, raw, mailbox)
        record.outcome = Outcome.QUARANTINED
        record.reason = reason
        record.raw = raw
        record.ticket = record.event = None
        record.save()
    logger.warning("quarantined %s: %s", message_id, reason)
    return Result(Outcome.QUARANTINED, reason=reason, record_id=record.pk)


def _describe(record: InboundMessage, parsed: ParsedMessage | None, raw: bytes, mailbox) -> None:
    record.mailbox = mailbox
    record.size = len(raw)
    record.received_at = timezone.now()
    if parsed is not None:
        record.sender = parsed.from_address[:254]
        record.subject = parsed.subject[:255]
        record.sent_at = parsed.date
        return
    try:  # headers only, for the quarantine list (huge or unreadable bodies)
        head = BytesHeaderParser(policy=policy.default).parsebytes(raw[: 64 * 1024])
        record.sender = parseaddr(str(head.get("From", "")))[1].lower()[:254]
        record.subject = " ".join(str(head.get("Subject", "")).split())[:255]
    except Exception:
        logger.debug("no readable header", exc_info=True)


def _find_user(address: str) -> User | None:
    if not address:
        return None
    return User.objects.filter(email__iexact=address, is_active=True).order_by("pk").first()


def _target_ticket(parsed: ParsedMessage) -> Ticket | None:
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    number = ticket_number_from_ids(ids) or parsed.ticket_number
    if number is None:
        return None
    return Ticket.objects.select_related("status").filter(number=number).first()


def _no_auto_reply(parsed: ParsedMessage, mailbox: Mailbox | None, now: dt.datetime) -> bool:
    if mailbox is not None and parsed.date is not None and parsed.date < mailbox.created_at:
        return True
    window = now - dt.timedelta(minutes=int(settings.INTAKE_AUTO_REPLY_WINDOW_MINUTES))
    recent = InboundMessage.objects.filter(
        sender=parsed.from_address[:254],
        received_at__gte=window,
        outcome__in=[Outcome.CREATED, Outcome.APPENDED],
    ).count()
    return recent >= int(settings.INTAKE_AUTO_REPLY_LIMIT)


def message_files(parsed: ParsedMessage) -> tuple[list[ContentFile], list[str]]:
    """Attachments and inline images as files; refused ones are named with their reason."""
    files, refused = [], [f"{name}: {why}" for name, why in parsed.skipped_parts]
    for part in parsed.attachments:
        upload = ContentFile(part.content, name=part.filename)
        upload.content_type = part.content_type
        try:
            validate_upload(upload)
        except ValidationError as exc:
            refused.append(f"{part.filename}: {' '.join(exc.messages)}")
            continue
        files.append(upload)
    return files, refused


def _ingest(
    parsed: ParsedMessage, raw: bytes, mailbox: Mailbox | None, *, retry: bool, own: frozenset[str]
) -> Result:
    message_id = parsed.message_id[:255]
    record = InboundMessage.objects.select_for_update().filter(message_id=message_id).first()
    if record is not None and not (retry and record.outcome == Outcome.QUARANTINED):
        return Result(Outcome.DUPLICATE)
    if record is None:
        # Insert first: a concurrent worker with the same Message-ID waits on the unique index.
        record = InboundMessage(message_id=message_id, outcome=Outcome.QUARANTINED)
        _describe(record, parsed, raw, mailbox)
        record.save()
    _describe(record, parsed, raw, mailbox)
    record.raw = None
    record.reason = ""
    now = timezone.now()
    if parsed.auto_generated:
        record.outcome, record.reason, record.raw = Outcome.IGNORED, parsed.auto_generated, raw
        record.save()
        return Result(Outcome.IGNORED, reason=parsed.auto_generated, record_id=record.pk)
    sender = _find_user(parsed.from_address)
    data = {"via": "email", "message_id": parsed.message_id}
    if mailbox is not None:
        data["mailbox"] = mailbox.email_address
    if _no_auto_reply(parsed, mailbox, now):
        data["no_auto_reply"] = True
    files, refused = message_files(parsed)
    if refused:
        data["refused_attachments"] = refused
        record.raw = raw  # the refused parts stay available in the raw message
        record.reason = "; ".join(refused)[:2000]
    body = clean_body(parsed)
    ticket = _target_ticket(parsed)
    if ticket is not None:
        if sender is not None and ticket_access.can_reply(sender, ticket):
            if not body.strip() and not files:
                body = _("(empty message)")
            event = ticket_services.reply(
                actor=sender,
                ticket=ticket,
                body=body,
                attachments=files,
                action_type=None,
                data=data,
            )
            _add_cc(ticket, parsed.cc, own)
            record.outcome, record.ticket, record.event = Outcome.APPENDED, ticket, event
            record.save()
            return Result(Outcome.APPENDED, ticket.number, record_id=record.pk)
        record.outcome, record.ticket, record.raw = Outcome.FLAGGED, ticket, raw
        record.reason = (
            "unknown sender" if sender is None else "sender may not reply to this ticket"
        )
        record.save()
        return Result(Outcome.FLAGGED, ticket.number, record.reason, record_id=record.pk)
    ticket, event = ticket_services.create_ticket_from_email(
        sender=sender,
        contact_email=parsed.from_address,
        title=parsed.subject,
        description=body,
        type=mailbox.default_type if mailbox is not None else None,
        cc_addresses=[a for a in parsed.cc if a not in own],
        attachments=files,
        data=data,
    )
    record.outcome, record.ticket, record.event = Outcome.CREATED, ticket, event
    record.save()
    return Result(Outcome.CREATED, ticket.number, record_id=record.pk)


def clean_body(parsed: ParsedMessage) -> str:
    text = parsed.text or parsed.html
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def _add_cc(ticket: Ticket, cc: list[str], own: frozenset[str]) -> None:
    new = [a for a in cc if a not in own and a not in ticket.cc_addresses]
    if new:
        Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=[*ticket.cc_addresses, *new])
