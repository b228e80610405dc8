"""Every cached read of accounts, and what makes it stale: accounts.services (and the Django
admin, for what is edited there) call organizations_changed() after an organization is created,
edited or deleted. No signals.

- Organization names: (id, name) of every organization, for the client picker of people who
  see them all (the queue's filter, on every queue page). Kept until an organization changes,
  and at most ORGANIZATION_NAMES_SECONDS (a bulk update in a shell tells no one).
"""

from collections.abc import Callable

from django.core.cache import cache

from core.cache import stale

ORGANIZATION_NAMES_KEY = "accounts:organization-names"
ORGANIZATION_NAMES_SECONDS = 300


def organization_names(compute: Callable[[], list[tuple[int, str]]]) -> list[tuple[int, str]]:
    rows = cache.get(ORGANIZATION_NAMES_KEY)
    if rows is None:
        rows = compute()
        cache.set(ORGANIZATION_NAMES_KEY, rows, ORGANIZATION_NAMES_SECONDS)
    return rows


def organizations_changed() -> None:
    """An organization was created, renamed or deleted (now, and again on commit)."""
    stale(lambda: cache.delete(ORGANIZATION_NAMES_KEY))
