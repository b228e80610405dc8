"""The identity of a received message: a hash of its content, not its Message-ID.

Mail software reuses Message-IDs (list managers, resent mail, broken clients), so two different
messages may carry the same one; and the same message arrives with CRLF line endings over IMAP
and LF from a file, or with other trace headers when delivered to two of our mailboxes. The
identity is the SHA-256 of the message with:
- line endings normalised to LF and trailing blank lines dropped;
- header lines unfolded, and the trace headers that each hop or each mailbox adds left out
  (Received, Return-Path, Delivered-To, Authentication-Results, ARC-*, spam scores, IMAP and
  mbox status headers).
Everything else counts: two messages are duplicates only when they say the same thing.
"""

from __future__ import annotations

import hashlib
import re

TRACE_HEADERS = frozenset(
    {
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "x-envelope-from",
        "authentication-results",
        "received-spf",
        "x-received",
        "x-ms-exchange-organization-authas",
        "x-ms-exchange-organization-authsource",
        "status",
        "x-status",
        "x-uid",
        "x-keywords",
        "x-mozilla-status",
        "x-mozilla-status2",
        "content-length",
        "lines",
        "x-imapbase",
        "x-helpdesk-mailbox",
    }
)
_TRACE_PREFIXES = ("arc-", "x-spam-", "x-virus-", "x-rspamd-", "x-amavis-")
_EOL = re.compile(rb"\r\n|\r")


def _is_trace(name: bytes) -> bool:
    lowered = name.strip().decode("latin-1").lower()
    return lowered in TRACE_HEADERS or lowered.startswith(_TRACE_PREFIXES)


def content_hash(raw: bytes) -> str:
    """Hex SHA-256 identity of raw (see the module docstring)."""
    text = _EOL.sub(b"\n", bytes(raw))
    if text.startswith(b"From ") and b"\n" in text:  # mbox separator line
        text = text.split(b"\n", 1)[1]
    head, sep, body = text.partition(b"\n\n")
    if not sep and not re.match(rb"[!-9;-~]+:", head):
        head, body = b"", text  # no header block at all
    kept: list[bytes] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and kept:
            kept[-1] += b" " + line.strip()  # unfold
            continue
        kept.append(line.rstrip())
    kept = [h for h in kept if not _is_trace(h.split(b":", 1)[0])]
    digest = hashlib.sha256()
    digest.update(b"\n".join(kept))
    digest.update(b"\n\n")
    digest.update(body.rstrip(b"\n"))
    return digest.hexdigest()
