"""Durations typed as people type them; ambiguous or negative ones refused with a sentence."""

import pytest

from billing.durations import format_minutes, parse_duration
from billing.errors import InvalidDuration


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1h30", 90),
        ("1 h 30", 90),
        ("2h", 120),
        ("1H05", 65),
        ("1,5", 90),
        ("1.5", 90),
        ("0,25", 15),
        ("1,75", 105),
        ("90", 90),
        ("15 min", 15),
        ("45min", 45),
        ("1:30", 90),
        ("0:05", 5),
        ("  1h30  ", 90),
    ],
)
def test_durations_people_type_are_understood(typed, minutes):
    assert parse_duration(typed) == minutes


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter a duration"),
        ("-1h", "negative"),
        ("-30", "negative"),
        ("0", "more than zero"),
        ("0h", "more than zero"),
        ("2", "ambiguous"),
        ("1,30", "ambiguous"),
        ("1h90", "under 60"),
        ("1:75", "under 60"),
        ("25h", "24 hours"),
        ("beaucoup", "cannot be read"),
        ("1h30\x00", "cannot be read"),
        ("<script>alert(1)</script>", "cannot be read"),
        ("9" * 5000, "cannot be read"),
    ],
)
def test_ambiguous_negative_or_unreadable_durations_are_refused_with_a_sentence(typed, words):
    with pytest.raises(InvalidDuration) as refused:
        parse_duration(typed)
    assert words in str(refused.value)


def test_minutes_are_shown_as_hours_and_minutes():
    assert format_minutes(90) == "1h30"
    assert format_minutes(5) == "0h05"
    assert format_minutes(-15) == "-0h15"
