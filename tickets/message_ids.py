"""Message-IDs of the emails we send about a ticket, and recognising them in a client's reply.

Outgoing notifications call make_message_id(number); an incoming message whose In-Reply-To or
References holds one of them is a reply to that ticket. The id carries an HMAC of the ticket
number keyed on SECRET_KEY, so a forged header naming another ticket is not recognised.

An email to one person also carries a reply token: an HMAC of the ticket number and that
person's address. A reply whose In-Reply-To or References hold it comes from someone who
received that email at that address (intake's sender trust, see intake/trust.py).

    <hd.t88.3f9a1c0e2b.r0a1b2c3d4e5f6a7b.5b1d0c8e7a6f4d2e@support.example.com>
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Iterable
from hashlib import sha256

from django.conf import settings

_ID_RE = re.compile(
    r"<?hd\.t(\d{1,12})\.([0-9a-f]{10})\.(?:r([0-9a-f]{16})\.)?[0-9a-f]{16}@[^>\s]+>?",
    re.IGNORECASE,
)


def _signature(number: int) -> str:
    key = f"helpdesk.message-id:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(number).encode(), sha256).hexdigest()[:10]


def _reply_token(number: int, address: str) -> str:
    key = f"helpdesk.reply-token:{settings.SECRET_KEY}".encode()
    message = f"{number}:{address.strip().lower()}".encode()
    return hmac.new(key, message, sha256).hexdigest()[:16]


def _domain() -> str:
    sender = getattr(settings, "DEFAULT_FROM_EMAIL", "") or ""
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else ""
    return domain or "helpdesk.localhost"


def make_message_id(number: int, recipient: str = "") -> str:
    """A new, unique Message-ID (with angle brackets) for an email about ticket number, with
    the reply token of recipient when the email goes to one address."""
    token = f"r{_reply_token(number, recipient)}." if recipient else ""
    return f"<hd.t{number}.{_signature(number)}.{token}{secrets.token_hex(8)}@{_domain()}>"


def thread_id(number: int) -> str:
    """The same Message-ID for every email about ticket number, named in References so that
    mail programs thread them together (and a reply naming it leads back to the ticket)."""
    return f"<hd.t{number}.{_signature(number)}.{'0' * 16}@{_domain()}>"


def ticket_number_from_ids(ids: Iterable[str]) -> int | None:
    """The ticket number of the first id we generated (In-Reply-To first, then References
    from the newest), or None. Ids with a bad signature are ignored."""
    for value in ids:
        match = _ID_RE.search(value or "")
        if match is None:
            continue
        number = int(match.group(1))
        if hmac.compare_digest(match.group(2).lower(), _signature(number)):
            return number
    return None


def holds_reply_token(ids: Iterable[str], number: int, address: str) -> bool:
    """True when one of ids is an email about ticket number that we sent to address."""
    expected = _reply_token(number, address)
    for value in ids:
        for match in _ID_RE.finditer(value or ""):
            if (
                int(match.group(1)) == number
                and match.group(3)
                and hmac.compare_digest(match.group(3).lower(), expected)
            ):
                return True
    return False
