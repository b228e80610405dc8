"""The helpdesk's own addresses, asked by whoever writes emails, told by the apps that know them.

An app that receives mail (intake: its mailboxes) registers providers in its AppConfig.ready():

    addresses.register_own_addresses(own_addresses)       # () -> iterable of addresses
    addresses.register_default_reply_to(default_mailbox)  # () -> address or ""

so that a notifier never writes to the helpdesk itself and can give clients an address to answer
to, without importing the app that knows the mailboxes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.utils.translation import gettext as _

_own_address_providers: list[Callable[[], Iterable[str]]] = []
_reply_to_providers: list[Callable[[], str]] = []


def register_own_addresses(provider: Callable[[], Iterable[str]]) -> None:
    if provider not in _own_address_providers:
        _own_address_providers.append(provider)


def register_default_reply_to(provider: Callable[[], str]) -> None:
    if provider not in _reply_to_providers:
        _reply_to_providers.append(provider)


def address(value: str) -> str:
    """The bare, lower-case address of "Name <a@b>" (or of a bare address)."""
    return parseaddr(value or "")[1].lower()


def noreply_email() -> str:
    """The sender of staff notifications (answers to it reach nobody), in the active language."""
    configured = getattr(settings, "NOTIFICATIONS_NOREPLY_EMAIL", "")
    if configured:
        return configured
    domain = address(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "helpdesk.localhost"
    return formataddr((str(_("Helpdesk notifications")), f"noreply@{domain}"))


def own_addresses() -> frozenset[str]:
    """Every address of the helpdesk itself (lower case): what the registered providers know,
    and the no-reply sender."""
    found = {address(noreply_email())}
    for provider in _own_address_providers:
        found.update(a.lower() for a in provider() if a)
    found.discard("")
    return frozenset(found)


def default_reply_to() -> str:
    """The address clients answer to when nothing better is known (the first provider that
    has one), or ""."""
    for provider in _reply_to_providers:
        value = provider()
        if value:
            return value
    return ""
