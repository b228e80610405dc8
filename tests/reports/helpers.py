"""Reading a report back as data: build it through the selectors as a person would see it."""

import datetime as dt

from reports import selectors


def filters(**extra) -> selectors.Filters:
    values = {"start": dt.date(2026, 11, 16), "end": dt.date(2026, 11, 29), **extra}
    return selectors.Filters(**values)


def rows_by_name(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}
