"""Header values are written on one line by notifications.mail.send, the one place emails are
built: a line break typed in a title (subject) or carried by any header value must not make an
email unsendable ("Header values can't contain newlines")."""

import pytest
from django.core import mail

from notifications import mail as notifications_mail

pytestmark = pytest.mark.django_db


def test_a_header_value_with_a_line_break_is_sent_on_one_line(commit):
    with commit():
        queued = notifications_mail.send(
            "mailbox_failing",
            to="person@alpha.test\r\n",
            context={"address": "support@alpha.test\r\nBcc: x@evil.test", "failures": 3},
            headers={"X-Topic": "Export\r\nCSV\nnow", "In-Reply-To": "<a@b>\n"},
            kind="test",
            language="en",
        )
    assert queued == 1
    [message] = mail.outbox
    assert message.to == ["person@alpha.test"]
    assert message.subject == "Mailbox support@alpha.test Bcc: x@evil.test cannot be polled"
    assert message.extra_headers["X-Topic"] == "Export CSV now"
    assert message.extra_headers["In-Reply-To"] == "<a@b>"
