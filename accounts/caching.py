"""Every cached read of accounts, and what makes it stale: accounts.services (and the Django
admin, for what is edited there) call organizations_changed() after an organization is created,
edited or deleted. No signals.

- Organization names: (id, name) of every organization, for the client picker of people who
  see them all (the queue's filter, on every queue page). Kept until an organization changes,
  and at most ORGANIZATION_NAMES_SECONDS (a bulk update in a shell tells no one).
"""

import time
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


# --- site settings: one copy per process, reloaded when the shared version moves ----------------

SITE_SETTINGS_VERSION_KEY = "accounts:site-settings:version"
SITE_SETTINGS_SECONDS = 300

# This process's copy: (version it was loaded under, when, the row's values or None).
_site_settings_copy: tuple[int, float, dict | None] | None = None


def site_settings_row(load: Callable[[], dict | None]) -> dict | None:
    """The settings row's values (None: no row yet), as load() reads them: this process's
    copy while the version number in the shared cache is the one it was loaded under, so that
    a change made in one worker is seen by every other at its next read."""
    global _site_settings_copy
    version = cache.get(SITE_SETTINGS_VERSION_KEY)
    if version is None:
        # A new number (the cache was emptied): no process's copy can claim it.
        cache.add(SITE_SETTINGS_VERSION_KEY, time.time_ns(), None)
        version = cache.get(SITE_SETTINGS_VERSION_KEY)
    copy = _site_settings_copy
    if copy and copy[0] == version and time.monotonic() - copy[1] < SITE_SETTINGS_SECONDS:
        return copy[2]
    values = load()
    _site_settings_copy = (version, time.monotonic(), values)
    return values


def site_settings_changed() -> None:
    """The settings row was saved: every process reloads it at its next read."""
    stale(_next_site_settings_version)


def _next_site_settings_version() -> None:
    try:
        cache.incr(SITE_SETTINGS_VERSION_KEY)
    except ValueError:
        cache.add(SITE_SETTINGS_VERSION_KEY, time.time_ns(), None)
