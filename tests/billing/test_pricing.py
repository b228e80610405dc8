"""Rounding per entry and per ticket, rates by activity and level, the weekend multiplier."""

from decimal import Decimal

from billing.pricing import Line, amount, billed_minutes, price_lines, rate_for, round_up


def test_rounding_goes_up_to_the_contract_unit():
    assert round_up(1, 15) == 15
    assert round_up(15, 15) == 15
    assert round_up(16, 15) == 30
    assert round_up(16, 0) == 16
    assert round_up(-10, 15) == -15


def test_rounding_per_entry_bills_more_than_rounding_per_ticket():
    lines = [Line(1, 5), Line(1, 5), Line(1, 5), Line(2, 20)]
    assert billed_minutes(lines, unit=15, per_ticket=False) == 15 * 3 + 30
    assert billed_minutes(lines, unit=15, per_ticket=True) == 15 + 30


def test_rate_is_the_most_precise_one_the_contract_has():
    rates = {
        ("analysis", 3): Decimal("150"),
        ("analysis", None): Decimal("110"),
        ("", 2): Decimal("95"),
    }
    default = Decimal("80")
    assert rate_for(rates, default, "analysis", 3) == Decimal("150")
    assert rate_for(rates, default, "analysis", 1) == Decimal("110")
    assert rate_for(rates, default, "work", 2) == Decimal("95")
    assert rate_for(rates, default, "work", 1) == Decimal("80")


def test_money_is_decimal_to_the_cent():
    assert amount(20, Decimal("100")) == Decimal("33.33")
    assert isinstance(amount(20, Decimal("100")), Decimal)


def test_weekend_and_night_work_is_priced_with_the_multiplier():
    lines = [Line(1, 60, "work", 1, off_hours=True), Line(1, 60, "work", 1)]
    total = price_lines(
        lines,
        rates={},
        default_rate=Decimal("100"),
        multiplier=Decimal("1.5"),
        unit=15,
        per_ticket=False,
    )
    assert total == Decimal("250.00")


def test_per_ticket_rounding_prices_the_surplus_once():
    lines = [Line(1, 10, "work"), Line(1, 10, "work")]
    per_ticket = price_lines(
        lines, rates={}, default_rate=Decimal("60"), multiplier=Decimal(1), unit=15, per_ticket=True
    )
    per_entry = price_lines(
        lines,
        rates={},
        default_rate=Decimal("60"),
        multiplier=Decimal(1),
        unit=15,
        per_ticket=False,
    )
    assert per_ticket == Decimal("30.00")
    assert per_entry == Decimal("30.00")
    assert price_lines(
        [Line(1, 10), Line(1, 10), Line(1, 10)],
        rates={},
        default_rate=Decimal("60"),
        multiplier=Decimal(1),
        unit=15,
        per_ticket=True,
    ) == Decimal("30.00")
