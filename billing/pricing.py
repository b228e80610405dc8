"""Money and rounding rules as pure functions (no database): rounding up to the contract's
unit per entry or per ticket, the rate of an entry (activity and level first, then activity,
then level, then the contract's rate), and the weekend/night multiplier. Money is Decimal,
rounded to the cent, never float."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SIXTY = Decimal(60)


def round_up(minutes: int, unit: int) -> int:
    """minutes rounded up to the next multiple of unit (0 or less: no rounding). A negative
    correction is rounded toward zero by the same unit."""
    if unit <= 0 or minutes == 0:
        return minutes
    sign = -1 if minutes < 0 else 1
    whole, rest = divmod(abs(minutes), unit)
    return sign * (whole + (1 if rest else 0)) * unit


@dataclass(frozen=True)
class Line:
    """What pricing needs of a time entry."""

    ticket_id: int
    minutes: int
    activity: str = "work"
    level: int | None = None
    off_hours: bool = False


def billed_minutes(lines: Iterable[Line], *, unit: int, per_ticket: bool) -> int:
    """Total minutes to bill: each line rounded up, or each ticket's total rounded up."""
    if not per_ticket:
        return sum(round_up(line.minutes, unit) for line in lines)
    totals: dict[int, int] = defaultdict(int)
    for line in lines:
        totals[line.ticket_id] += line.minutes
    return sum(round_up(total, unit) for total in totals.values())


def rate_for(rates: dict[tuple[str, int | None], Decimal], default: Decimal, activity, level):
    """The hourly rate: (activity, level), (activity, any), (any, level), else default.
    rates maps (activity or "", level or None) to a rate."""
    for key in ((activity, level), (activity, None), ("", level)):
        if key in rates:
            return rates[key]
    return default


def amount(minutes: int, hourly_rate: Decimal, multiplier: Decimal = Decimal(1)) -> Decimal:
    """minutes at hourly_rate (times multiplier), to the cent."""
    value = Decimal(minutes) / SIXTY * hourly_rate * multiplier
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / SIXTY).quantize(CENT, rounding=ROUND_HALF_UP)


def price_lines(
    lines: Iterable[Line],
    *,
    rates: dict,
    default_rate: Decimal,
    multiplier: Decimal,
    unit: int,
    per_ticket: bool,
) -> Decimal:
    """The price of lines. Per entry: each line rounded and priced at its rate. Per ticket: each
    ticket's rounding surplus is priced at the rate of that ticket's largest line."""
    lines = list(lines)
    total = Decimal(0)
    if not per_ticket:
        for line in lines:
            rate = rate_for(rates, default_rate, line.activity, line.level)
            factor = multiplier if line.off_hours else Decimal(1)
            total += amount(round_up(line.minutes, unit), rate, factor)
        return total
    by_ticket: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_ticket[line.ticket_id].append(line)
    for group in by_ticket.values():
        raw = sum(line.minutes for line in group)
        for line in group:
            rate = rate_for(rates, default_rate, line.activity, line.level)
            factor = multiplier if line.off_hours else Decimal(1)
            total += amount(line.minutes, rate, factor)
        surplus = round_up(raw, unit) - raw
        if surplus:
            main = max(group, key=lambda line: line.minutes)
            total += amount(surplus, rate_for(rates, default_rate, main.activity, main.level))
    return total


def consumed_ratio(used_minutes: int, total_hours: Decimal) -> Decimal:
    """Share of a block consumed (1 = all of it); 0 for a block of no hours."""
    if total_hours <= 0:
        return Decimal(0)
    return Decimal(used_minutes) / (total_hours * SIXTY)
