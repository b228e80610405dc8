"""Email in: turn one raw message into a ticket or a reply, or record why not.

ingest_message runs one transaction per message and never raises for a bad message. Every
message is recorded (InboundMessage) with its raw bytes in file storage:
- identical content seen before (intake.identity: line endings and trace headers aside) is a
  duplicate; the same Message-ID with other content is a message of its own;
- automatic mail (auto-replies, bounces, lists, our own mail; intake.loops) is ignored;
- a known person's address in From: counts only when something vouches for it
  (intake.trust); otherwise the message is flagged "unverified sender" for review;
- a reply from someone unknown, or who may not reply to its ticket, is flagged;
- anything that cannot be turned into a ticket or a reply is quarantined.
Tickets and replies are written by tickets.services.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policies as site_policies
from accounts.models import User
from core.files import max_upload_bytes, validate_upload
from core.text import storable
from tickets import access as ticket_access
from tickets import services as ticket_services
from tickets.message_ids import ticket_number_from_ids
from tickets.models import Ticket

from .. import access, trust
from ..identity import content_hash
from ..models import InboundMessage, Mailbox
from ..parse import ParsedMessage, UnparseableMessage, parse_message

logger = logging.getLogger(__name__)

Outcome = InboundMessage.Outcome
Category = InboundMessage.Category
MESSAGE_ID_REUSED = "Message-ID already used by a different message"


@dataclass(frozen=True)
class Result:
    outcome: str
    ticket_number: int | None = None
    reason: str = ""
    record_id: int | None = None
    note: str = ""

    @property
    def stored(self) -> bool:
        return self.record_id is not None or self.outcome == Outcome.DUPLICATE

    def line(self) -> str:
        """The ingest_email output line (ARCHITECTURE.md contract: it starts with the outcome,
        `created #N`, `appended #N`, `duplicate`, `quarantined: reason`...)."""
        if self.outcome in (Outcome.CREATED, Outcome.APPENDED):
            line = f"{self.outcome} #{self.ticket_number}"
        elif self.outcome == Outcome.FLAGGED and self.ticket_number:
            line = f"flagged #{self.ticket_number}: {self.reason}"
        else:
            line = f"{self.outcome}: {self.reason}" if self.reason else str(self.outcome)
        return f"{line} ({self.note})" if self.note else line


def own_addresses() -> frozenset[str]:
    addresses = {a.lower() for a in Mailbox.objects.values_list("email_address", flat=True)}
    for value in [settings.DEFAULT_FROM_EMAIL, getattr(settings, "SERVER_EMAIL", "")]:
        value = (value or "").strip()
        if "<" in value:
            value = value.rsplit("<", 1)[1].strip(">")
        if "@" in value:
            addresses.add(value.lower())
    addresses.update(a.lower() for a in site_policies.current().hotline_emails)
    return frozenset(addresses)


def synthetic_id(identity: str) -> str:
    return f"<sha256-{identity}@intake.invalid>"


# What a reprocessing may start again from: a quarantined message (retry), an ignored one
# (released by an admin).
_REPROCESS = {"retry": Outcome.QUARANTINED, "release": Outcome.IGNORED}


def ingest_message(
    raw: bytes, *, mailbox: Mailbox | None = None, retry: bool = False, release: bool = False
) -> Result:
    """Turn one raw RFC 822 message into a ticket or a reply, or record why not.

    retry: run a quarantined message again; release: an ignored one, as if it were not
    automatic mail. Never raises for a bad message; raises only when not even a bare
    quarantine record can be written (the caller then leaves the message on the server)."""
    raw = bytes(raw)
    identity = content_hash(raw)
    again = "retry" if retry else "release" if release else ""
    limit = int(settings.INTAKE_MAX_MESSAGE_MB) * 1024 * 1024
    if len(raw) > limit:
        reason = f"message too large: {len(raw)} bytes > {limit}"
        return _quarantine(raw, identity, mailbox, synthetic_id(identity), reason, again=again)
    own = own_addresses()
    try:
        parsed = parse_message(raw, max_attachment_bytes=max_upload_bytes(), own_addresses=own)
    except UnparseableMessage as exc:
        reason = exc.reason
        return _quarantine(raw, identity, mailbox, synthetic_id(identity), reason, again=again)
    try:
        with transaction.atomic():
            return _ingest(parsed, raw, identity, mailbox, again=again, own=own)
    except IntegrityError:
        # Another worker stored the same content at the same moment.
        duplicate = _duplicate(identity, again)
        if duplicate is not None:
            return duplicate
        logger.exception("integrity error while ingesting %s", parsed.message_id)
        reason = "database refused the message"
    except Exception as exc:
        logger.exception("could not ingest %s", parsed.message_id)
        reason = storable(f"{exc.__class__.__name__}: {exc}")[:300]
    message_id = parsed.message_id
    return _quarantine(raw, identity, mailbox, message_id, reason, parsed=parsed, again=again)


def _duplicate(identity: str, again: str) -> Result | None:
    """A Result for a message whose identical content was recorded before, else None."""
    first = (
        InboundMessage.objects.filter(content_hash=identity)
        .only("pk", "outcome", "received_at", "ticket__number")
        .select_related("ticket")
        .first()
    )
    if first is None or (again and first.outcome == _REPROCESS[again]):
        return None
    when = timezone.localtime(first.received_at).strftime("%Y-%m-%d %H:%M")
    reason = f"identical to the message received {when}"
    if first.ticket is not None:
        reason += f" (#{first.ticket.number})"
    return Result(Outcome.DUPLICATE, reason=reason)


def keep_raw(record: InboundMessage, raw: bytes, identity: str) -> None:
    """Store raw in file storage under its identity (a second delivery reuses the file)."""
    name = f"inbound/{identity[:2]}/{identity}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    record.raw_file.name = name


def _quarantine(raw, identity, mailbox, message_id, reason, *, parsed=None, again="") -> Result:
    try:
        with transaction.atomic():
            return _write_quarantine(raw, identity, mailbox, message_id, reason, parsed, again)
    except Exception:
        # The database refused what was read from the message: keep it bare (the raw bytes
        # hold everything), so that no message is ever left unstored.
        logger.exception("quarantining %s failed; stored without its headers", identity)
        with transaction.atomic():
            bare = synthetic_id(identity)
            return _write_quarantine(raw, identity, mailbox, bare, reason, None, again, bare=True)


def _write_quarantine(raw, identity, mailbox, message_id, reason, parsed, again, *, bare=False):
    record = InboundMessage.objects.select_for_update().filter(content_hash=identity).first()
    if record is not None and not (again and record.outcome == _REPROCESS[again]):
        return _duplicate(identity, "") or Result(Outcome.DUPLICATE)
    record = record or InboundMessage(content_hash=identity)
    record.message_id = storable(message_id)[:255]
    _describe(record, None if bare else parsed, b"" if bare else raw, mailbox)
    record.size = len(raw)
    record.outcome = Outcome.QUARANTINED
    record.category = ""
    if bare:
        reason = "unstorable headers: " + reason[:200].encode("ascii", "replace").decode()
    record.reason = storable(reason)[:2000]
    keep_raw(record, raw, identity)
    record.ticket = record.event = None
    record.save()
    logger.warning("quarantined %s: %s", identity, record.reason)
    return Result(Outcome.QUARANTINED, reason=record.reason, record_id=record.pk)


def _describe(record: InboundMessage, parsed: ParsedMessage | None, raw: bytes, mailbox) -> None:
    record.mailbox = mailbox
    record.size = len(raw)
    record.received_at = timezone.now()
    if parsed is not None:
        record.sender = parsed.from_address[:254]
        record.subject = parsed.subject[:255]
        record.sent_at = parsed.date
        return
    if not raw:
        return
    try:  # headers only, for the quarantine list (huge or unreadable bodies)
        head = BytesHeaderParser(policy=policy.default).parsebytes(raw[: 64 * 1024])
        record.sender = storable(parseaddr(str(head.get("From", "")))[1].lower())[:254]
        record.subject = storable(" ".join(str(head.get("Subject", "")).split()))[:255]
    except Exception:
        logger.debug("no readable header", exc_info=True)


def valid_address(address: str) -> bool:
    """An address mail can be sent to (never a display name like "x at y")."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def find_user(address: str) -> User | None:
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


def message_files(parsed: ParsedMessage) -> tuple[list[ContentFile], list[dict]]:
    """Attachments and inline images as files, and the parts left out: {name, size, reason}
    each (shown on the ticket, the original message keeps them)."""
    files = []
    refused = [
        {"name": name, "size": size, "reason": why} for name, size, why in parsed.skipped_parts
    ]
    for part in parsed.attachments:
        upload = ContentFile(part.content, name=part.filename)
        upload.content_type = part.content_type
        try:
            validate_upload(upload)
        except ValidationError as exc:
            refused.append(
                {"name": part.filename, "size": len(part.content), "reason": " ".join(exc.messages)}
            )
            continue
        files.append(upload)
    return files, refused


def _ids(parsed: ParsedMessage) -> list[str]:
    return [i for i in [parsed.in_reply_to, *parsed.references] if i]


def _ingest(
    parsed: ParsedMessage,
    raw: bytes,
    identity: str,
    mailbox: Mailbox | None,
    *,
    again: str,
    own: frozenset[str],
) -> Result:
    duplicate = _duplicate(identity, again)
    if duplicate is not None:
        return duplicate
    record = InboundMessage.objects.select_for_update().filter(content_hash=identity).first()
    message_id = parsed.message_id[:255]
    reused = (
        InboundMessage.objects.filter(message_id=message_id).exclude(content_hash=identity).exists()
    )
    note = MESSAGE_ID_REUSED if reused else ""
    fresh = record is None
    record = record or InboundMessage(content_hash=identity, outcome=Outcome.QUARANTINED)
    record.message_id = message_id
    _describe(record, parsed, raw, mailbox)
    keep_raw(record, raw, identity)
    if fresh:
        # Insert first: a concurrent worker with the same content waits on the unique index.
        record.save()
    record.reason, record.category, record.evidence = "", "", {}
    record.ticket = record.event = None

    def finish(outcome, *, ticket=None, event=None, reason="", category=""):
        record.outcome, record.ticket, record.event = outcome, ticket, event
        record.reason, record.category = reason, category
        record.save()
        number = ticket.number if ticket is not None else None
        return Result(outcome, number, reason, record_id=record.pk, note=note)

    if parsed.auto_generated and again != "release":
        verdict = parsed.auto_generated
        return finish(Outcome.IGNORED, reason=verdict.reason, category=verdict.category)
    address = parsed.from_address
    address_ok = valid_address(address)
    sender = find_user(address) if address_ok else None
    ticket = _target_ticket(parsed)
    if sender is not None:
        verdict = trust.evaluate(
            raw,
            auth_results=parsed.auth_results,
            from_address=address,
            mailbox=mailbox,
            ticket_number=ticket.number if ticket is not None else None,
            reply_ids=_ids(parsed),
        )
        record.evidence = verdict.as_data()
        staff = access.identity_needs_authentication(sender)
        if not verdict.vouches_for(staff=staff):
            reason, category = "unverified sender", Category.UNVERIFIED
            return finish(Outcome.FLAGGED, ticket=ticket, reason=reason, category=category)
    data = {"via": "email", "message_id": parsed.message_id}
    if record.evidence.get("method"):
        data["verified_by"] = record.evidence["method"]
    if mailbox is not None:
        data["mailbox"] = mailbox.email_address
    if reused:
        data["message_id_reused"] = True
    if parsed.repaired:
        data["repaired"] = parsed.repaired
    if not address_ok:
        data["invalid_sender"] = address[:254]
    if _no_auto_reply(parsed, mailbox, timezone.now()) or not address_ok:
        data["no_auto_reply"] = True
    files, refused = message_files(parsed)
    if refused:
        data["refused_attachments"] = refused
        record.reason = "; ".join(f"{r['name']}: {r['reason']}" for r in refused)[:2000]
    body = clean_body(parsed)
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
            return finish(Outcome.APPENDED, ticket=ticket, event=event, reason=record.reason)
        if sender is None:
            reason, category = "unknown sender", Category.UNKNOWN_SENDER
        else:
            reason, category = "sender may not reply to this ticket", Category.NOT_ALLOWED
        return finish(Outcome.FLAGGED, ticket=ticket, reason=reason, category=category)
    ticket, event = ticket_services.create_ticket_from_email(
        sender=sender,
        contact_email=address if address_ok else "",
        title=parsed.subject,
        description=body,
        type=mailbox.default_type if mailbox is not None else None,
        cc_addresses=[a for a in parsed.cc if a not in own and valid_address(a)],
        attachments=files,
        data=data,
    )
    reason = record.reason or ("" if address_ok else f"invalid sender address: {address[:200]}")
    return finish(Outcome.CREATED, ticket=ticket, event=event, reason=reason)


def clean_body(parsed: ParsedMessage) -> str:
    text = parsed.text or parsed.html
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def _add_cc(ticket: Ticket, cc: list[str], own: frozenset[str]) -> None:
    new = [a for a in cc if a not in own and a not in ticket.cc_addresses and valid_address(a)]
    if new:
        Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=[*ticket.cc_addresses, *new])
