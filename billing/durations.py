"""Durations as people type them, read into whole minutes.

Understood: "1h30", "1 h 30", "1h", "45min", "15 min", "1:30", "1,5" and "1.5" (hours, a
decimal with one digit or ,25/,75), "90" (a bare number of 10 or more is minutes).
Refused with a sentence saying what to type: empty, negative, zero, over a day, minutes of 60
or more after hours ("1h90"), and ambiguous input: a bare number under 10 ("2": hours or
minutes?) and a decimal whose two digits read like minutes ("1,30": 1 h 30 or 1.3 h?).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import InvalidDuration

MAX_MINUTES = 24 * 60

_HOURS_MINUTES = re.compile(r"^(\d{1,2})\s*h\s*(?:(\d{1,2})\s*(?:min|mn|m)?)?$")
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:min|mn|m|minutes?)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_DECIMAL = re.compile(r"^(\d{1,2})[.,](\d{1,2})\s*(?:h)?$")
_BARE = re.compile(r"^\d{1,4}$")


def _checked(minutes: int) -> int:
    if minutes <= 0:
        raise InvalidDuration(_("A duration must be more than zero."))
    if minutes > MAX_MINUTES:
        raise InvalidDuration(_("A duration cannot be more than 24 hours: split it by day."))
    return minutes


def parse_duration(text: str) -> int:
    """Minutes in text, or InvalidDuration with a message for the person."""
    value = " ".join(str(text or "").lower().split())
    if not value:
        raise InvalidDuration(_("Enter a duration, e.g. 1h30, 1,5 or 90 (minutes)."))
    if value.startswith("-"):
        raise InvalidDuration(_("A duration cannot be negative."))
    if match := _HOURS_MINUTES.match(value):
        hours, minutes = int(match[1]), int(match[2] or 0)
        if minutes >= 60:
            raise InvalidDuration(_("Minutes after the hours must be under 60 (e.g. 1h45)."))
        return _checked(hours * 60 + minutes)
    if match := _CLOCK.match(value):
        hours, minutes = int(match[1]), int(match[2])
        if minutes >= 60:
            raise InvalidDuration(_("Minutes after the hours must be under 60 (e.g. 1:45)."))
        return _checked(hours * 60 + minutes)
    if match := _MINUTES.match(value):
        return _checked(int(match[1]))
    if match := _DECIMAL.match(value):
        fraction = match[2]
        if len(fraction) == 2 and fraction not in ("25", "50", "75"):
            raise InvalidDuration(
                _("“%(value)s” is ambiguous: write %(hm)s for hours and minutes, or %(dec)s.")
                % {"value": text.strip(), "hm": f"{match[1]}h{fraction}", "dec": "1,5"}
            )
        try:
            hours = Decimal(f"{match[1]}.{fraction}")
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            raise InvalidDuration(_("This duration cannot be read.")) from None
        return _checked(int(hours * 60))
    if _BARE.match(value):
        number = int(value)
        if 0 < number < 10:
            raise InvalidDuration(
                _("“%(value)s” is ambiguous: write %(value)sh for hours or %(value)s min.")
                % {"value": value}
            )
        return _checked(number)
    raise InvalidDuration(
        _("This duration cannot be read: write it like 1h30, 1,5 (hours) or 90 (minutes).")
    )


def format_minutes(minutes: int) -> str:
    """90 -> "1h30", 45 -> "0h45", -15 -> "-0h15" (a correction)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}h{rest:02d}"
