"""Parse raw RFC 822 bytes into a ParsedMessage; never raises except UnparseableMessage."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from django.utils.translation import gettext as _

from core.files import original_filename
from core.html import html_to_text, sanitize_html
from core.text import storable

from .identity import content_hash
from .loops import Verdict, is_auto_generated

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
    skipped_parts: list[tuple[str, int, str]] = field(default_factory=list)  # name, size, why
    ticket_number: int | None = None
    auto_generated: Verdict | None = None
    synthetic_message_id: bool = False
    # Authentication-Results header values, for intake.trust.
    auth_results: list[str] = field(default_factory=list)
    # How the body was read when the strict parser could not ("lenient parser", "guessed
    # boundary"), for the event's data.
    repaired: str = ""


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
    body, repaired = _body_message(msg, bytes(raw))
    message_id = (_ids(_safe_header(msg, "Message-ID")) or [""])[0]
    synthetic = not message_id
    if synthetic:
        # The content identity: the same message read over IMAP (CRLF) or from a file (LF)
        # gets the same Message-ID.
        message_id = f"<sha256-{content_hash(raw)}@intake.invalid>"
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
    skipped: list[tuple[str, int, str]] = []
    for part in body.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
            filename = _filename(part)
        except Exception:
            disposition, filename = None, None
        content_id = _safe_header(part, "Content-ID").strip().strip("<>") or None
        is_body = disposition != "attachment" and not filename
        if is_body and ctype.startswith("multipart/"):
            # A multipart whose parts could not be found: its text is the body, never a file.
            texts.append(_decode_part(part))
            continue
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
            limit = max_bytes // (1024 * 1024)
            why = _("over the %(limit)s MB limit") % {"limit": limit}
            skipped.append((name, len(payload), why))
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
        auth_results=_all(msg, "Authentication-Results"),
        repaired=repaired,
    )


def _all(msg: Message, name: str) -> list[str]:
    try:
        return [storable(str(v)) for v in msg.get_all(name) or []]
    except Exception:
        return []


def _filename(part: Message) -> str | None:
    name = part.get_filename()
    if name is not None and part.policy is policy.compat32:
        # compat32 collapses RFC 2231 but leaves RFC 2047 encoded words.
        name = str(make_header(decode_header(name)))
    return name


def _broken_multipart(msg: Message) -> bool:
    return any(
        part.get_content_maintype() == "multipart" and not part.is_multipart()
        for part in msg.walk()
    )


_BOUNDARY_LINE = re.compile(rb"^--([^\r\n]{1,200}?)(?:--)?\r?$", re.MULTILINE)


def _body_message(msg: Message, raw: bytes) -> tuple[Message, str]:
    """The message to read parts from: the strict parse, or, when it lost a multipart's
    structure (an unquoted boundary, a missing one), the lenient parser's, or a parse with the
    boundary read from the body's first delimiter line."""
    if not _broken_multipart(msg):
        return msg, ""
    lenient = message_from_bytes(raw, policy=policy.compat32)
    if lenient.is_multipart() and not _broken_multipart(lenient):
        return lenient, "lenient parser"
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    match = _BOUNDARY_LINE.search(body)
    if sep and match:
        boundary = match.group(1).strip()
        fixed = re.sub(
            rb"(?im)^(content-type:[ \t]*multipart/[\w.+-]+)[^\n]*(\n[ \t][^\n]*)*",
            lambda m: m.group(1) + b'; boundary="' + boundary.replace(b'"', b"") + b'"',
            head,
            count=1,
        )
        guessed = message_from_bytes(fixed + b"\n\n" + body, policy=policy.compat32)
        if guessed.is_multipart() and not _broken_multipart(guessed):
            return guessed, "guessed boundary"
    return msg, "no parts found"


def _auto(msg: EmailMessage | Message, own: frozenset[str] | set[str]) -> Verdict | None:
    try:
        return is_auto_generated(msg, own)
    except Exception as exc:
        return Verdict("auto_reply", f"unreadable headers: {exc.__class__.__name__}")


def _default_name(ctype: str) -> str:
    ext = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}.get(ctype, ".bin")
    if ctype == "message/rfc822":
        ext = ".eml"
    return "attachment" + ext
