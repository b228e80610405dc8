"""Lock a row for the rest of the transaction, and refuse an edit made on a stale copy.

Edits carry the version the person saw (a counter on the row, bumped by every change of its
fields); a service locks the row, then refuses the edit when the version moved meanwhile,
instead of overwriting what the other person did."""

from __future__ import annotations

from django.db import models


def lock(row: models.Model, **options) -> models.Model:
    """The row read again and locked until the transaction ends (select_for_update options
    such as no_key=True pass through)."""
    return type(row)._default_manager.select_for_update(**options).get(pk=row.pk)


def check_version(row: models.Model, seen: int | str | None, error: type[Exception], message: str):
    """Raise error(message) when the person saw another version than the row's (None: the
    caller has no version to check, e.g. a job or an email)."""
    if seen is not None and int(seen) != row.version:
        raise error(message)
