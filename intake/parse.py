"""Parse raw RFC 822 bytes into a ParsedMessage; never raises except UnparseableMessage."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from core.files import original_filename
from core.html import html_to_text, sanitize_html
from core.text import storable

from .loops import is_auto_generated

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
_TICKET_RE = re.compile(r"\[#(\d{1,12})\]")


class UnparseableMessage(Exception):
    """The message cannot be read at all; the caller quarantines the raw bytes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None
    is_inline: bool


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    skipped_parts: list[tuple[str, str]] = field(default_factory=list)
    ticket_number: int | None = None
    auto_generated: str | None = None
    synthetic_message_id: bool = False


def ticket_number_from_subject(subject: str) -> int | None:
    """Return N from the first "[#N]" in subject, or None."""
    match = _TICKET_RE.search(subject or "")
    return int(match.group(1)) if match else None


def _safe_header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
        if value is None:
            return ""
        return storable(str(value))
    except Exception:
        raw = msg._headers  # type: ignore[attr-defined]
        for key, val in raw:
            if key.lower() == name.lower():
                value = str(val).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                return storable(value)
        return ""


def _fold(value: str) -> str:
    return " ".join(value.replace("\ufffd", "\ufffd").split())


def _ids(value: str) -> list[str]:
    found = re.findall(r"<[^<>\s]+>", value)
    return found or ([value.strip()] if value.strip() else [])


def _addresses(msg: Message, name: str) -> list[str]:
    try:
        values = [storable(str(v)) for v in (msg.get_all(name) or [])]
    except Exception:
        values = [_safe_header(msg, name)]
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = b""
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "replace")
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return storable(payload.decode(candidate))
        except (LookupError, UnicodeDecodeError):
            continue
    return storable(payload.decode("latin-1"))


def parse_message(
    raw: bytes,
    *,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    own_addresses: frozenset[str] | set[str] = frozenset(),
) -> ParsedMessage:
    """Parse raw bytes; raise UnparseableMessage only when nothing usable can be read."""
    try:
        return _parse(raw, max_attachment_bytes, own_addresses)
    except UnparseableMessage:
        raise
    except Exception as exc:  # never let a parser bug escape as anything else
        logger.warning("unparseable message: %s", exc.__class__.__name__)
        raise UnparseableMessage(f"{exc.__class__.__name__}: {exc}"[:300]) from exc


def _parse(raw: bytes, max_bytes: int, own: frozenset[str] | set[str]) -> ParsedMessage:
    if not isinstance(raw, bytes | bytearray):
        raise UnparseableMessage("not bytes")
    if not raw.strip():
        raise UnparseableMessage("empty message")
    msg = message_from_bytes(bytes(raw), policy=policy.default)
    if not msg.keys():
        raise UnparseableMessage("no headers")
    message_id = (_ids(_safe_header(msg, "Message-ID")) or [""])[0]
    synthetic = not message_id
    if synthetic:
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@intake.invalid>"
    in_reply_to = (_ids(_safe_header(msg, "In-Reply-To")) or [None])[0]
    subject = _fold(_safe_header(msg, "Subject"))
    from_name, from_address = parseaddr(_safe_header(msg, "From"))
    date = None
    date_header = _safe_header(msg, "Date")
    if date_header:
        try:
            date = parsedate_to_datetime(date_header)
            if date is not None and date.tzinfo is None:
                date = None
        except (TypeError, ValueError, IndexError):
            date = None
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    skipped: list[tuple[str, str]] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            disposition, filename = None, None
        content_id = _safe_header(part, "Content-ID").strip().strip("<>") or None
        is_body = disposition != "attachment" and not filename
        if is_body and ctype == "text/plain":
            texts.append(_decode_part(part))
            continue
        if is_body and ctype == "text/html":
            htmls.append(_decode_part(part))
            continue
        if ctype in ("message/delivery-status", "text/rfc822-headers") and part is not msg:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b"" if payload is None else str(payload).encode("utf-8", "replace")
        name = original_filename(filename, default=_default_name(ctype))
        if len(payload) > max_bytes:
            skipped.append((name, f"too large: {len(payload)} bytes > {max_bytes}"))
            continue
        inline = disposition == "inline" or (content_id is not None and disposition is None)
        attachments.append(ParsedAttachment(name, ctype, payload, content_id, inline))
    text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    clean_html = sanitize_html("\n".join(htmls), email=True) if htmls else ""
    if not text and htmls:
        text = html_to_text("\n".join(htmls))
    return ParsedMessage(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=_ids(_safe_header(msg, "References")),
        subject=subject,
        from_address=from_address.lower(),
        from_name=_fold(from_name),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=date,
        text=text.replace("\r\n", "\n"),
        html=clean_html if not texts else "",
        attachments=attachments,
        skipped_parts=skipped,
        ticket_number=ticket_number_from_subject(subject),
        auto_generated=_auto(msg, own),
        synthetic_message_id=synthetic,
    )


def _auto(msg: EmailMessage | Message, own: frozenset[str] | set[str]) -> str | None:
    try:
        return is_auto_generated(msg, own)
    except Exception as exc:
        return f"unreadable headers: {exc.__class__.__name__}"


def _default_name(ctype: str) -> str:
    ext = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}.get(ctype, ".bin")
    if ctype == "message/rfc822":
        ext = ".eml"
    return "attachment" + ext
