"""Durations and money as people read them."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from .. import access, caching
from ..durations import format_minutes

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


@register.filter
def minutes(value) -> str:
    """90 -> "1h30"."""
    try:
        return format_minutes(int(value or 0))
    except (TypeError, ValueError):
        return ""


@register.filter
def money(value, currency="EUR") -> str:
    """Decimal("1250.5") -> "1 250,50 €" in French (the locale's separators)."""
    if value is None or value == "":
        return ""
    amount = number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{amount}\u00a0{SYMBOLS.get(currency, currency)}"


@register.filter
def bar_width(percent) -> int:
    """A percentage as one of the widths static/css/billing.css has (steps of 5, 0 to 100)."""
    try:
        value = int(percent)
    except (TypeError, ValueError):
        return 0
    return max(0, min(100, round(value / 5) * 5))


@register.filter
def day_total(rows, day) -> int:
    """Minutes of the timesheet rows on day."""
    return sum(row.minutes for row in rows if row.work_date == day)


@register.simple_tag
def running_timer(user):
    """The top bar's timer of user: None for people who do not log time, {} when none runs,
    else the newest running timer ({"ticket", "started_at", "others"}). Reads billing.caching:
    no query while nothing changes."""
    if not user.is_authenticated or not access.logs_time(user):
        return None
    timers = caching.running_timers(user)
    if not timers:
        return {}
    return {**timers[0], "others": len(timers) - 1}
