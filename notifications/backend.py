"""The outbox: Django's EMAIL_BACKEND in production and development.

Every email any app sends (tickets, change requests, accounts, allauth, error reports) is
stored here with its raw bytes, then sent by a Celery task (tasks.deliver_email) through
settings.EMAIL_DELIVERY_BACKEND (SMTP, console...), retried with backoff when it fails, and
listed in the outbox log. Apps write their emails with notifications.mail.send(...), which sets
these headers from its arguments; any other mail (allauth, error reports) comes here as usual.
The outbox reads the headers and removes them before storing (all but the first):

    X-Helpdesk-Notification: <kind>   a ticket or change-request notification (content may be
                                      shown to admins; account emails never are)
    X-Helpdesk-Ticket: <number>       the ticket it is about (threading, the log's filter)
    X-Helpdesk-Key: <unique key>      sent once: the same key again is dropped (idempotent jobs)
    X-Helpdesk-Deliver: now           sent at once from this process, even before the
                                      transaction commits (sign-in codes); retried if it fails
"""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction

from . import services, tasks
from .models import OutgoingEmail

logger = logging.getLogger(__name__)

KIND_HEADER = "X-Helpdesk-Notification"
TICKET_HEADER = "X-Helpdesk-Ticket"
KEY_HEADER = "X-Helpdesk-Key"
DELIVER_HEADER = "X-Helpdesk-Deliver"
_INTERNAL = (TICKET_HEADER, KEY_HEADER, DELIVER_HEADER)


def _pop_header(message: EmailMessage, name: str) -> str:
    for key in list(message.extra_headers):
        if key.lower() == name.lower():
            return str(message.extra_headers.pop(key)).strip()
    return ""


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        stored = 0
        for message in email_messages:
            try:
                if store(message) is not None:
                    stored += 1
            except Exception:
                logger.exception("the outbox could not store an email: sending it directly")
                stored += _send_directly(message, self.fail_silently)
        return stored


def store(message: EmailMessage) -> OutgoingEmail | None:
    """Keep message in the outbox and queue its delivery once the transaction commits.
    Returns None when its X-Helpdesk-Key was stored already (or it has no recipient)."""
    recipients = [str(r) for r in message.recipients()]
    if not recipients:
        return None
    message.extra_headers = dict(message.extra_headers)
    kind = message.extra_headers.get(KIND_HEADER, "")
    number = _pop_header(message, TICKET_HEADER)
    key = _pop_header(message, KEY_HEADER) or None
    now = _pop_header(message, DELIVER_HEADER).lower() == "now"
    mime = message.message()
    raw = mime.as_bytes(linesep="\r\n")
    row = OutgoingEmail(
        kind=str(kind)[:40] or "account",
        sender=str(message.from_email or settings.DEFAULT_FROM_EMAIL)[:254],
        recipients=", ".join(recipients),
        subject=" ".join(str(message.subject or "").split())[:255],
        message_id=str(mime.get("Message-ID", ""))[:255],
        raw=raw,
        size=len(raw),
        content_visible=bool(kind),
        dedupe_key=key[:200] if key else None,
        ticket_number=int(number) if number.isdigit() else None,
        send_now=now,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if key and OutgoingEmail.objects.filter(dedupe_key=key[:200]).exists():
            return None
        raise
    if now:
        services.deliver_email(pk=row.pk)
    else:
        transaction.on_commit(partial(_queue, row.pk), robust=True)
    return row


def _queue(pk: int) -> None:
    tasks.deliver_email.delay(pk)


def _send_directly(message: EmailMessage, fail_silently: bool) -> int:
    for name in _INTERNAL:
        _pop_header(message, name)
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently)
    return connection.send_messages([message]) or 0


class _RawMIME:
    """What delivery backends call on message(): the stored bytes, line endings as asked."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom=False, linesep="\n"):
        lines = self.raw.replace(b"\r\n", b"\n").split(b"\n")
        return linesep.encode().join(lines)

    def as_string(self, unixfrom=False, linesep="\n"):
        return self.as_bytes(linesep=linesep).decode("utf-8", "replace")

    def get_charset(self):
        return None


_OWN_HEADERS = {"from", "to", "cc", "reply-to", "subject", "mime-version", "content-type"}
_OWN_HEADERS |= {"content-transfer-encoding"}


def _addresses(parsed, name: str) -> list[str]:
    header = parsed.get(name)
    return [str(a.addr_spec) for a in header.addresses] if header is not None else []


class StoredEmail(EmailMessage):
    """An outbox row as a Django EmailMessage: any delivery backend sends its raw bytes as
    they were stored; subject, body and alternatives are read back for backends that look."""

    def __init__(self, row: OutgoingEmail) -> None:
        raw = bytes(row.raw or b"")
        parsed = message_from_bytes(raw, policy=policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        super().__init__(
            subject=str(parsed.get("Subject", row.subject)),
            body=text.get_content() if text is not None else "",
            from_email=row.sender,
            to=_addresses(parsed, "To"),
            cc=_addresses(parsed, "Cc"),
            reply_to=_addresses(parsed, "Reply-To"),
            headers={k: str(v) for k, v in parsed.items() if k.lower() not in _OWN_HEADERS},
        )
        self.envelope = row.recipient_list
        self.alternatives = [(html.get_content(), "text/html")] if html is not None else []
        self.attachments = [
            (part.get_filename(), part.get_content(), part.get_content_type())
            for part in parsed.iter_attachments()
        ]
        self.parsed = parsed
        self._raw = raw

    def recipients(self):
        return list(self.envelope)

    def message(self, *, policy=None):
        return _RawMIME(self._raw)
