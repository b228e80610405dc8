"""Invoice arithmetic as pure functions: each line rounded to the cent (amount before tax, then
its VAT), totals as sums of the rounded lines, as French invoices require."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return cents(Decimal(quantity) * Decimal(unit_price))


def line_vat(amount: Decimal, vat_rate: Decimal) -> Decimal:
    return cents(Decimal(amount) * Decimal(vat_rate) / HUNDRED)


def totals(lines: Iterable) -> tuple[Decimal, Decimal, Decimal]:
    """(before tax, VAT, total) of lines having .amount and .vat_amount."""
    net = vat = Decimal("0.00")
    for line in lines:
        net += line.amount
        vat += line.vat_amount
    return cents(net), cents(vat), cents(net + vat)


def vat_breakdown(lines: Iterable) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, base, VAT) per VAT rate, as invoices print them."""
    by_rate: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        base_vat = by_rate.setdefault(line.vat_rate, [Decimal("0.00"), Decimal("0.00")])
        base_vat[0] += line.amount
        base_vat[1] += line.vat_amount
    return [(rate, cents(b), cents(v)) for rate, (b, v) in sorted(by_rate.items())]
