"""Intake test helpers: the local stand-in servers, reference data, raw messages."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parseaddr

import pytest

from tests.conftest import authentication_results
from tests.servers.fixtures import (  # noqa: F401
    allow_local_servers,
    connect_attempts,
    dovecot,
    http_sink,
    smtp_sink,
    trap,
)
from tests.tickets.conftest import ensure_reference_data, make_ticket, ref  # noqa: F401


@pytest.fixture
def ref_data(db):
    ensure_reference_data()


def raw_message(
    *,
    sender="client@alpha.test",
    subject="Printer broken",
    body="The printer is broken.",
    message_id="<m1@client.test>",
    headers="",
    date="now",
    authenticated=True,
) -> bytes:
    """A plain message; authenticated: with the trusted server's DMARC pass for the sender."""
    head = ""
    if authenticated:
        head += authentication_results(parseaddr(sender)[1] or sender)
    head += f"From: {sender}\r\nTo: support@helpdesk.test\r\nSubject: {subject}\r\n"
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    if date == "now":  # messages of the day: newer than any mailbox a test creates
        date = format_datetime(datetime.now(UTC) + timedelta(seconds=1))
    if date:
        head += f"Date: {date}\r\n"
    head += headers
    head += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n" + body + "\r\n").encode()
