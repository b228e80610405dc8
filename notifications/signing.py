"""Signed webhook posts: what a receiver checks.

Each post carries
    X-Helpdesk-Delivery: <uuid>         the same at every attempt and replay (drop repeats)
    X-Helpdesk-Event: <event name>
    X-Helpdesk-Timestamp: <unix seconds>
    X-Helpdesk-Signature: sha256=<hex>  HMAC-SHA256 of "<timestamp>." + the raw body, keyed
                                        with the webhook's signing secret
A receiver recomputes the HMAC over the body it read, compares in constant time and refuses a
timestamp older than a few minutes (a replay by someone else).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(*, secret: str, delivery_id, event: str, body: bytes, now: float | None = None):
    timestamp = int(now if now is not None else time.time())
    return {
        "X-Helpdesk-Delivery": str(delivery_id),
        "X-Helpdesk-Event": event,
        "X-Helpdesk-Timestamp": str(timestamp),
        "X-Helpdesk-Signature": signature(secret, timestamp, body),
    }


def verify(secret: str, header_values: dict, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does (and the tests): a right signature on a recent timestamp."""
    try:
        timestamp = int(header_values.get("X-Helpdesk-Timestamp", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, header_values.get("X-Helpdesk-Signature", ""))
