"""The one cache of billing: a person's running timers, for the top bar of every page.

The bar shows on every page of people who log time; reading the Timer table on each of their
requests would add a query to every page. The timers are kept per person (ticket number and
start, newest first; an empty list for most people, most of the time) until a timer of theirs
starts, stops or is discarded: start_timer, stop_timer and cancel_timer call forget_timers.
A cache that is lost costs one query.
"""

from __future__ import annotations

from django.core.cache import cache

from core.cache import stale

from .models import Timer

TTL = 24 * 3600


def _key(user_id: int) -> str:
    return f"billing:v1:timers:{user_id}"


def running_timers(user) -> list[dict]:
    """[{"ticket": number, "started_at": datetime}] of user's running timers, newest first."""
    key = _key(user.pk)
    timers = cache.get(key)
    if timers is None:
        rows = (
            Timer.objects.filter(user_id=user.pk)
            .order_by("-started_at")
            .values_list("ticket__number", "started_at")
        )
        timers = [{"ticket": number, "started_at": started} for number, started in rows]
        cache.set(key, timers, TTL)
    return timers


def forget_timers(user_id: int) -> None:
    stale(lambda: cache.delete(_key(user_id)))
