"""Mailbox transport against a real Dovecot; SMTP and HTTP sinks."""

import json
import urllib.request

import pytest
from django.core.mail import EmailMessage, get_connection

from intake.fetch import ImapSource, Pop3Source

# Dovecot listens on 127.0.0.1, which the guard refuses unless allowed by name.
pytestmark = pytest.mark.usefixtures("allow_local_servers")


def msg(n: int) -> bytes:
    head = f"From: c{n}@client.test\r\nSubject: m{n}\r\nMessage-ID: <m{n}@t>\r\n"
    return f"{head}\r\nbody {n}\r\n".encode()


def imap(server, **kw):
    return ImapSource("127.0.0.1", server.imap_port, False, server.username, server.password, **kw)


def pop3(server):
    return Pop3Source("127.0.0.1", server.pop3_port, False, server.username, server.password)


def test_imap_mark_done_keeps_others_pending(dovecot):
    for n in range(3):
        dovecot.deliver(msg(n))
    with imap(dovecot) as box:
        pending = list(box.list_pending())
        assert [raw for _, raw in pending] == [msg(n) for n in range(3)]
        box.mark_done(pending[0][0])
    with imap(dovecot) as box:
        assert [raw for _, raw in box.list_pending()] == [msg(1), msg(2)]


def test_imap_crash_before_mark_done_leaves_message(dovecot):
    dovecot.deliver(msg(1))
    try:
        with imap(dovecot, delete=True) as box:
            list(box.list_pending())
            raise RuntimeError("worker killed")
    except RuntimeError:
        pass
    with imap(dovecot, delete=True) as box:
        [(uid, _raw)] = list(box.list_pending())
        box.mark_done(uid)
    with imap(dovecot) as box:
        assert list(box.list_pending()) == []


def test_pop3_mark_done_and_crash(dovecot):
    for n in range(3):
        dovecot.deliver(msg(n))
    with pop3(dovecot) as box:
        pending = list(box.list_pending())
        assert len(pending) == 3 and pending[0][1].startswith(b"From: c0@")
        box.mark_done(pending[0][0])
    try:
        with pop3(dovecot) as box:
            for uid, _ in box.list_pending():
                box.mark_done(uid)
            raise RuntimeError("worker killed before commit")
    except RuntimeError:
        pass
    with pop3(dovecot) as box:
        assert len(list(box.list_pending())) == 2


def test_smtp_sink_receives_django_mail(smtp_sink):
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host=smtp_sink.host, port=smtp_sink.port
    )
    EmailMessage(
        "[#5] Hello",
        "body",
        "support@demo.test",
        ["client@demo.test"],
        headers={"In-Reply-To": "<a@demo.test>"},
        connection=connection,
    ).send()
    [sent] = smtp_sink.messages
    assert sent["rcpt_tos"] == ["client@demo.test"]
    assert b"In-Reply-To: <a@demo.test>" in sent["raw"] and b"[#5] Hello" in sent["raw"]


def test_http_sink_records_json(http_sink):
    req = urllib.request.Request(
        http_sink.url, data=json.dumps({"text": "hi"}).encode(), method="POST"
    )
    urllib.request.urlopen(req, timeout=5).close()
    assert http_sink.requests[0]["json"] == {"text": "hi"}
