"""Detect auto-generated mail (auto-replies, bounces, list mail, our own mail) to avoid loops."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import Message
from email.utils import getaddresses, parseaddr

BOUNCE_SENDERS = ("mailer-daemon", "postmaster")


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # malformed header: treat as absent
        return ""
    return str(value).strip() if value is not None else ""


def is_auto_generated(msg: Message, own_addresses: Iterable[str] = ()) -> str | None:
    """Return a reason string when msg must never create a ticket or an automatic reply."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return f"precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(msg, name):
            return f"header: {name}"
    suppress = _header(msg, "X-Auto-Response-Suppress").lower()
    if any(token in suppress for token in ("all", "oof")):
        return f"x-auto-response-suppress: {suppress}"
    return_path = _header(msg, "Return-Path")
    if return_path.replace(" ", "") == "<>":
        return "empty return-path"
    sender = parseaddr(_header(msg, "From"))[1].lower()
    if sender.split("@")[0] in BOUNCE_SENDERS:
        return f"bounce sender: {sender}"
    if msg.get_content_type() == "multipart/report":
        report_type = (msg.get_param("report-type") or "").lower()
        return f"multipart/report: {report_type or 'unknown'}"
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "mailing list"
    own = {a.lower() for a in own_addresses}
    if own:
        for _, addr in getaddresses([_header(msg, "From"), _header(msg, "Sender")]):
            if addr.lower() in own:
                return f"own address: {addr.lower()}"
    return None
