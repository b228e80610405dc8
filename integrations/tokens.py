"""Making and recognising API keys: a random key shown once, kept as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "hd_"


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
