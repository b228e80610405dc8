"""Polling real mailboxes (Dovecot IMAP and POP3 on 127.0.0.1): tickets exactly once, the
message left on the server until its ticket is committed, failing mailboxes reported."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Role
from intake.fetch import ImapSource
from intake.models import InboundMessage, Mailbox
from intake.services import poll_due_mailboxes, poll_mailbox
from tests.factories import make_user
from tickets.models import Attachment, Ticket

from .conftest import raw_message

# Dovecot listens on 127.0.0.1, which the guard refuses unless allowed by name.
pytestmark = pytest.mark.usefixtures("ref_data", "allow_local_servers")


def make_box(server, protocol="imap", **fields):
    port = server.imap_port if protocol == "imap" else server.pop3_port
    return Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        protocol=protocol,
        host="127.0.0.1",
        port=port,
        use_tls=False,
        username=server.username,
        password=server.password,
        **fields,
    )


def unseen(server) -> int:
    with ImapSource("127.0.0.1", server.imap_port, False, server.username, server.password) as b:
        return len(list(b.list_pending()))


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_poll_tickets_each_message_once_and_marks_it_done(dovecot, client_a, protocol):
    box = make_box(dovecot, protocol)
    first = raw_message(subject="Problem 0", message_id="<p0@c>")
    dovecot.deliver(first)
    for n in (1, 2):
        dovecot.deliver(raw_message(subject=f"Problem {n}", message_id=f"<p{n}@c>"))
    dovecot.deliver(b"")  # an empty file: quarantined, never blocks the others
    dovecot.deliver(first)  # the same message delivered twice
    report = poll_mailbox(box)
    assert report.error == ""
    assert report.counts == {"created": 3, "quarantined": 1, "duplicate": 1}
    assert sorted(Ticket.objects.values_list("title", flat=True)) == [
        "Problem 0",
        "Problem 1",
        "Problem 2",
    ]
    assert unseen(dovecot) == 0
    assert poll_mailbox(box).counts == {}
    box.refresh_from_db()
    assert box.last_poll_status == "ok" and box.consecutive_failures == 0
    created = Ticket.objects.get(title="Problem 1").events.get(kind="created")
    assert created.data["mailbox"] == "support@helpdesk.test"


def test_mail_someone_read_in_a_mail_program_is_still_imported_once(dovecot, client_a):
    box = make_box(dovecot)
    dovecot.deliver(raw_message(subject="Read by a colleague", message_id="<read@c>"))
    with ImapSource(
        "127.0.0.1", dovecot.imap_port, False, dovecot.username, dovecot.password
    ) as other_client:
        [uid] = other_client._box.uids("ALL")
        other_client._box.flag([uid], "\\Seen", True)  # opened in Thunderbird, say
    assert poll_mailbox(box).counts == {"created": 1}
    assert Ticket.objects.get().title == "Read by a colleague"
    assert poll_mailbox(box).counts == {}  # our keyword: not fetched again
    with ImapSource(
        "127.0.0.1", dovecot.imap_port, False, dovecot.username, dovecot.password
    ) as other_client:
        other_client._box.flag(list(other_client._box.uids("ALL")), "\\Seen", False)
    assert poll_mailbox(box).counts == {}  # marked unread again: still imported once


def test_imap_delete_after_import(dovecot, client_a):
    box = make_box(dovecot, delete_after_import=True)
    dovecot.deliver(raw_message())
    poll_mailbox(box)
    assert Ticket.objects.count() == 1
    assert [p for sub in ("new", "cur") for p in (dovecot.maildir / sub).glob("*")] == []
    assert unseen(dovecot) == 0


def test_huge_message_does_not_block_the_mailbox(dovecot, client_a, settings):
    settings.INTAKE_MAX_MESSAGE_MB = 1
    box = make_box(dovecot)
    dovecot.deliver(raw_message(message_id="<big@c>", body="x" * (2 * 1024 * 1024)))
    dovecot.deliver(raw_message(message_id="<small@c>", subject="small"))
    report = poll_mailbox(box)
    assert report.counts == {"quarantined": 1, "created": 1}
    big = InboundMessage.objects.get(outcome="quarantined")
    assert big.size > 2 * 1024 * 1024 and len(big.read_raw()) == big.size
    assert "too large" in big.reason


def test_failing_mailbox_alerts_admins_once_then_again_after_recovery(
    dovecot, client_a, admin, django_capture_on_commit_callbacks, settings
):
    settings.INTAKE_ALERT_AFTER_FAILURES = settings_failures = 2
    box = make_box(dovecot)
    box.password = "wrong-password-xyz"
    box.save()
    mail.outbox.clear()
    for _ in range(settings_failures + 2):
        with django_capture_on_commit_callbacks(execute=True):
            report = poll_mailbox(box)
        assert report.error and "wrong-password-xyz" not in report.error
    box.refresh_from_db()
    assert box.last_poll_status == "failing"
    assert box.consecutive_failures == settings_failures + 2
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "support@helpdesk.test" in mail.outbox[0].subject
    assert "wrong-password-xyz" not in mail.outbox[0].body
    box.password = dovecot.password
    box.save()
    assert poll_mailbox(box).error == ""
    box.password = "again-wrong"
    box.save()
    for _ in range(settings_failures):
        with django_capture_on_commit_callbacks(execute=True):
            poll_mailbox(box)
    assert len(mail.outbox) == 2


def test_only_due_active_mailboxes_are_polled(dovecot, client_a):
    from django.utils import timezone

    box = make_box(dovecot, interval_minutes=10)
    dovecot.deliver(raw_message())
    assert [r.mailbox for r in poll_due_mailboxes()] == ["support@helpdesk.test"]
    assert poll_due_mailboxes() == []  # polled a moment ago
    later = timezone.now() + timezone.timedelta(minutes=11)
    assert len(poll_due_mailboxes(now=later)) == 1
    box.is_active = False
    box.save()
    assert poll_due_mailboxes(now=later + timezone.timedelta(hours=1)) == []


def test_reply_with_attachment_through_imap(dovecot, client_a, make_ticket):
    from email.message import EmailMessage

    ticket = make_ticket(client_a)
    box = make_box(dovecot)
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.helpdesk.test; dkim=pass header.d=alpha.test"
    msg["From"], msg["Subject"] = "client@alpha.test", f"RE: [#{ticket.number}] printer"
    msg["Message-ID"] = "<rep@c>"
    msg.set_content("Here is the log.\n\nOn Mon, Support wrote:\n> earlier")
    msg.add_attachment(b"error 42\n", maintype="text", subtype="plain", filename="log.txt")
    dovecot.deliver(msg.as_bytes())
    assert poll_mailbox(box).counts == {"appended": 1}
    assert Attachment.objects.get(ticket=ticket).filename == "log.txt"


# --- kill mid-poll: a real poll_mailboxes process, SIGKILLed, then polled again ---

SETUP = """
from intake.models import Mailbox
from tests.factories import make_user
from accounts.models import Organization, Role
org = Organization.objects.create(name="Alpha")
make_user(Role.Code.CLIENT_USER, organization=org, email="client@alpha.test")
Mailbox.objects.create(name="S", email_address="support@helpdesk.test", protocol="{protocol}",
    host="127.0.0.1", port={port}, use_tls=False, username="{user}", password="{password}")
"""


def _manage(env, *args, **kw):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        **kw,
    )


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_killing_the_poller_mid_way_loses_and_doubles_nothing(dovecot, tmp_path, protocol):
    db = tmp_path / "kill.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_DEBUG="1",
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        INTAKE_POLL_LEASE_SECONDS="1",
        INTAKE_TRUSTED_AUTHSERV_IDS="mx.helpdesk.test",
        # Notifications run in the poller: nothing left queued in the checkout's var/celery/.
        CELERY_TASK_ALWAYS_EAGER="1",
        # Dovecot on 127.0.0.1, allowed as an admin allows an intranet mail server.
        HELPDESK_ALLOWED_INTERNAL_HOSTS="127.0.0.1",
    )
    assert _manage(env, "migrate", "--no-input").returncode == 0
    port = dovecot.imap_port if protocol == "imap" else dovecot.pop3_port
    setup = SETUP.format(
        protocol=protocol, port=port, user=dovecot.username, password=dovecot.password
    )
    done = _manage(env, "shell", "-c", setup)
    assert done.returncode == 0, done.stderr
    total = 300
    for n in range(total):
        dovecot.deliver(raw_message(subject=f"Kill {n}", message_id=f"<k{n}@c>"))
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "poll_mailboxes"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                stored = conn.execute("select count(*) from intake_inboundmessage").fetchone()[0]
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 10:
            break
        time.sleep(0.005)
    assert proc.poll() is None, f"the poller ended first: {stored} {proc.stdout.read()[-2000:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    with sqlite3.connect(db) as conn:
        killed_at = conn.execute("select count(*) from tickets_ticket").fetchone()[0]
    assert 10 <= killed_at < total
    time.sleep(1.5)  # the killed poller's lease lapses
    done = _manage(env, "poll_mailboxes")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        titles = [r[0] for r in conn.execute("select title from tickets_ticket")]
        ids = [r[0] for r in conn.execute("select message_id from intake_inboundmessage")]
    assert sorted(titles) == sorted(f"Kill {n}" for n in range(total))  # each exactly once
    assert sorted(ids) == sorted(f"<k{n}@c>" for n in range(total))
    if protocol == "imap":
        assert unseen(dovecot) == 0
    assert "created" in done.stdout


def test_demo_admin_is_alerted_only_when_admin_role(db):
    # Alerts go to admins only: agents are not emailed about mailboxes.
    make_user(Role.Code.AGENT, level=1, email="a@staff.test")
    assert not mail.outbox
