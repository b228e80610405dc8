"""The helpdesk's policies as an admin set them in the app (accounts.models.SiteSettings), each
falling back to the server's environment setting when the admin left it empty:

- auto_close_days / auto_close_warning_days: TICKETS_AUTO_CLOSE_DAYS (7) and
  TICKETS_AUTO_CLOSE_WARNING_DAYS (1);
- hotline_emails: HOTLINE_EMAILS (CDC notifications; never taken for a client by intake);
- signup_open / signup_requires_approval: HELPDESK_SIGNUP_OPEN, HELPDESK_SIGNUP_REQUIRES_APPROVAL;
- two_factor_roles: HELPDESK_2FA_REQUIRED_ROLES ("*": everyone).

Reads go through accounts.caching (one copy per process, reloaded when any worker saves), so
a change takes effect at once everywhere. accounts.services.save_site_settings is the only
writer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from . import caching
from .errors import AccountError
from .models import SiteSettings

FIELDS = (
    "auto_close_days",
    "auto_close_warning_days",
    "hotline_emails",
    "signup_open",
    "signup_requires_approval",
    "two_factor_roles",
)

SETTING_NAMES = {
    "auto_close_days": "TICKETS_AUTO_CLOSE_DAYS",
    "auto_close_warning_days": "TICKETS_AUTO_CLOSE_WARNING_DAYS",
    "hotline_emails": "HOTLINE_EMAILS",
    "signup_open": "HELPDESK_SIGNUP_OPEN",
    "signup_requires_approval": "HELPDESK_SIGNUP_REQUIRES_APPROVAL",
    "two_factor_roles": "HELPDESK_2FA_REQUIRED_ROLES",
}
_FALLBACKS = {"auto_close_days": 7, "auto_close_warning_days": 1}


class StaleSettings(AccountError):
    pass


@dataclass(frozen=True)
class Policies:
    auto_close_days: int
    auto_close_warning_days: int
    hotline_emails: tuple[str, ...]
    signup_open: bool
    signup_requires_approval: bool
    two_factor_roles: tuple[str, ...]


def environment_value(name: str):
    """The server's setting behind the field name (the default an admin can override)."""
    value = getattr(settings, SETTING_NAMES[name], _FALLBACKS.get(name))
    if name in ("hotline_emails", "two_factor_roles"):
        return tuple(value or ())
    return value


def _load() -> dict | None:
    return SiteSettings.objects.filter(pk=1).values(*FIELDS, "version").first()


def current() -> Policies:
    """Every policy in force: the admin's value, else the environment's."""
    row = caching.site_settings_row(_load) or {}
    values = {}
    for name in FIELDS:
        value = row.get(name)
        if value is None:
            value = environment_value(name)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return Policies(**values)
