"""Email in: ingest one raw message (new ticket, reply, duplicate, ignored, flagged or
quarantined), poll mailboxes, and the admin/agent actions on what came in.

ingest_message runs one transaction per message and never raises for a bad message: anything
it cannot turn into a ticket or a reply is stored with its raw bytes (quarantined). Pollers mark
a message done on the server only after ingest_message returned, i.e. after the commit.
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
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import emails, roles
from accounts.models import Organization, Role, User
from core.files import max_upload_bytes, validate_upload
from tickets import access as ticket_access
from tickets import services as ticket_services
from tickets.errors import InvalidInput
from tickets.message_ids import ticket_number_from_ids
from tickets.models import Event, Ticket

from . import access
from .fetch import ImapSource, Pop3Source
from .models import InboundMessage, Mailbox
from .parse import ParsedMessage, UnparseableMessage, parse_message

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


# --- ingest ---


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


def _files(parsed: ParsedMessage) -> tuple[list[ContentFile], list[str]]:
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
    files, refused = _files(parsed)
    if refused:
        data["refused_attachments"] = refused
        record.raw = raw  # the refused parts stay available in the raw message
        record.reason = "; ".join(refused)[:2000]
    body = _clean_body(parsed)
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


def _clean_body(parsed: ParsedMessage) -> str:
    text = parsed.text or parsed.html
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def _add_cc(ticket: Ticket, cc: list[str], own: frozenset[str]) -> None:
    new = [a for a in cc if a not in own and a not in ticket.cc_addresses]
    if new:
        Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=[*ticket.cc_addresses, *new])


# --- staff actions on what came in ---


def access_can_create_contact(user) -> bool:
    """Creating the contact makes a client account: admins and agents (accounts.access)."""
    from accounts import access as accounts_access

    return access.can_review_unidentified(user) and accounts_access.can_create_contact(user)


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
    files, refused = _files(parsed)
    data = {"via": "email", "message_id": parsed.message_id, "from": parsed.from_address}
    data["no_auto_reply"] = True
    if record.mailbox is not None:
        data["mailbox"] = record.mailbox.email_address
    if refused:
        data["refused_attachments"] = refused
    event = ticket_services.reply(
        actor=actor,
        ticket=record.ticket,
        body=_clean_body(parsed) or _("(empty message)"),
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
    if not roles.visible_organizations(actor).filter(pk=organization.pk).exists():
        raise PermissionDenied
    if contact is not None and contact.organization_id != organization.pk:
        raise InvalidInput(_("The contact does not belong to this organization."))
    if contact is None and new_contact_name.strip():
        if User.objects.filter(email__iexact=ticket.contact_email).exists():
            raise InvalidInput(_("An account already uses this address: choose it as contact."))
        from accounts import services as account_services

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
    ticket_services._event(
        ticket,
        actor,
        ticket_services.Kind.FIELD,
        action_type=Event.ActionType.HISTORY,
        data={
            "field": "organization",
            "old": None,
            "new": organization.name,
            "contact": contact.email if contact else ticket.contact_email,
        },
    )
    return ticket


# --- polling ---


def source_for(mailbox: Mailbox, *, timeout: float = 30):
    if mailbox.protocol == Mailbox.Protocol.POP3:
        return Pop3Source(
            mailbox.host,
            mailbox.port,
            mailbox.use_tls,
            mailbox.username,
            mailbox.password,
            timeout=timeout,
        )
    return ImapSource(
        mailbox.host,
        mailbox.port,
        mailbox.use_tls,
        mailbox.username,
        mailbox.password,
        mailbox.folder or "INBOX",
        delete=mailbox.delete_after_import,
        # Mail read by someone before the mailbox was added is not imported (unread mail is).
        since=(mailbox.created_at - dt.timedelta(days=1)).date(),
        timeout=timeout,
    )


def _scrub(mailbox: Mailbox, exc: BaseException) -> str:
    text = f"{exc.__class__.__name__}: {exc}"
    if mailbox.password:
        text = text.replace(mailbox.password, "********")
    return text[:1000]


def test_connection(mailbox: Mailbox) -> tuple[bool, str]:
    """Log in and count pending messages, for the admin page; never returns the password."""
    try:
        with source_for(mailbox, timeout=10):
            pass
    except Exception as exc:
        return False, _scrub(mailbox, exc)
    return True, ""


@dataclass
class PollReport:
    mailbox: str
    counts: dict
    error: str = ""


def poll_mailbox(mailbox: Mailbox, *, limit: int | None = None) -> PollReport:
    """One pass over a mailbox: ingest each pending message, then mark it done on the server.
    A message that cannot be stored at all stays on the server for the next pass."""
    where = f"{mailbox.pk}:{mailbox.username}@{mailbox.host}:{mailbox.port}/{mailbox.folder}"
    key = "intake:poll:" + hashlib.sha256(where.encode()).hexdigest()[:32]
    # A lease renewed after each message: a killed poller's lease lapses after LEASE seconds.
    lease = int(settings.INTAKE_POLL_LEASE_SECONDS)
    if not cache.add(key, "1", timeout=lease):
        return PollReport(str(mailbox.email_address), {}, error="already being polled")
    counts: dict[str, int] = {}
    error = ""
    try:
        with source_for(mailbox) as source:
            for n, (uid, raw) in enumerate(source.list_pending()):
                if limit is not None and n >= limit:
                    break
                try:
                    result = ingest_message(raw, mailbox=mailbox)
                except Exception:
                    logger.exception("message %s of %r could not be stored", uid, mailbox)
                    counts["unstored"] = counts.get("unstored", 0) + 1
                    continue
                counts[str(result.outcome)] = counts.get(str(result.outcome), 0) + 1
                source.mark_done(uid)
                cache.touch(key, lease)
    except Exception as exc:
        error = _scrub(mailbox, exc)
        logger.warning("polling %r failed: %s", mailbox, error)
    finally:
        cache.delete(key)
    _record_poll(mailbox, error)
    return PollReport(str(mailbox.email_address), counts, error)


def _record_poll(mailbox: Mailbox, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        box = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        box.last_poll_at = now
        alert = False
        if error:
            box.last_poll_status = Mailbox.PollStatus.FAILING
            box.last_error = error
            box.consecutive_failures += 1
            if (
                box.consecutive_failures >= int(settings.INTAKE_ALERT_AFTER_FAILURES)
                and box.alerted_at is None
            ):
                box.alerted_at = now
                alert = True
        else:
            box.last_poll_status = Mailbox.PollStatus.OK
            box.last_error = ""
            box.consecutive_failures = 0
            box.last_success_at = now
            box.alerted_at = None
        box.save()
        if alert:
            transaction.on_commit(lambda: _alert_admins(box))
    mailbox.refresh_from_db()


def _alert_admins(mailbox: Mailbox) -> None:
    context = {
        "mailbox": mailbox.name,
        "address": mailbox.email_address,
        "failures": mailbox.consecutive_failures,
        "error": mailbox.last_error,
        "since": mailbox.last_success_at,
    }
    for admin in roles.users_with_role(Role.Code.ADMIN).filter(is_active=True):
        try:
            emails.send_to_user(
                admin,
                "mailbox_failing",
                context,
                # Holds no secret: the outbox log may show it.
                headers={"X-Helpdesk-Notification": "mailbox_failing"},
            )
        except Exception:
            logger.exception("could not alert %s about %r", admin.pk, mailbox)


def poll_due_mailboxes(*, now: dt.datetime | None = None, force: bool = False) -> list[PollReport]:
    now = now or timezone.now()
    reports = []
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("pk"):
        if force or mailbox.is_due(now):
            reports.append(poll_mailbox(mailbox))
    return reports
