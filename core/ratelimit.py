"""Counters over a time window, kept in the shared cache (Redis, or the embedded file cache).

A counter starts with its first hit and lasts `seconds` from then on; it is shared by every
process and session using the same cache, so a limit holds across logins, browsers and
workers. Callers name what they count and who for (`hit("2fa-wrong", f"user:{pk}", 900)`)
and decide what the number means; `peek` reads without counting.

Why two keys: Django's file cache implements incr() as get-then-set with the default timeout,
which would move the end of the window; the start is kept beside the count and the count's
expiry is set again from it after each hit. On Redis incr() is atomic, so parallel requests
cannot slip past a limit; the file cache of the embedded default serves one machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

PREFIX = "ratelimit"


@dataclass(frozen=True)
class Count:
    count: int  # hits in the current window
    wait: int  # seconds until the window ends (0: no window running)


def _keys(name: str, ident: str) -> tuple[str, str]:
    base = f"{PREFIX}:{name}:{ident}"
    return base, base + ":start"


def _remaining(start: float, seconds: int, now: float) -> int:
    return max(1, math.ceil(start + seconds - now))


def hit(name: str, ident: str, seconds: int) -> Count:
    """Count one hit of name for ident; the count including it and the time left."""
    key, start_key = _keys(name, ident)
    now = time.time()
    cache.add(start_key, now, seconds)
    start = cache.get(start_key, now)
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, seconds)
        count = 1
    wait = _remaining(start, seconds, now)
    cache.touch(key, wait)
    return Count(count, wait)


def peek(name: str, ident: str, seconds: int) -> Count:
    """The current count of name for ident, without counting."""
    key, start_key = _keys(name, ident)
    now = time.time()
    values = cache.get_many([key, start_key])
    count = int(values.get(key) or 0)
    if not count:
        return Count(0, 0)
    return Count(count, _remaining(values.get(start_key, now), seconds, now))


def reset(name: str, ident: str) -> None:
    cache.delete_many(list(_keys(name, ident)))
