"""Notification test helpers: ticket fixtures, local SMTP and HTTP servers, reading sent mail."""

import pytest
from django.core import mail

from tests.servers.fixtures import (  # noqa: F401
    allow_local_servers,
    connect_attempts,
    http_sink,
    redirecting_server,
    smtp_sink,
    trap,
)
from tests.tickets.conftest import ensure_reference_data, make_ticket, ref  # noqa: F401


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` runs what the block queued for after the commit (notifications,
    deliveries), as a real commit would."""

    def _commit():
        return django_capture_on_commit_callbacks(execute=True)

    return _commit


def sent_to(address: str) -> list:
    """Messages delivered (Django's test mailbox) to address, To or Cc."""
    address = address.lower()
    return [m for m in mail.outbox if address in [a.lower() for a in [*m.to, *m.cc]]]


def kinds_to(address: str) -> list[str]:
    return [m.extra_headers.get("X-Helpdesk-Notification", "account") for m in sent_to(address)]
