"""Issue 16: no message lost or silently skipped, every raw byte kept.

Identity by content (defects 3 and 10), bounces and auto-replies without Auto-Submitted
(4), the original of every message downloadable from its event (5), attachments left out
shown on the ticket (6), readable text kept from a broken multipart (7), invalid sender
addresses (9), the ignored-messages page (10), and a message the database refuses (2).
"""

import base64
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import InboundMessage, Mailbox
from intake.services import ingest, ingest_message, poll_mailbox, purge_old_originals
from intake.services.review import link_ticket
from tickets.errors import InvalidInput
from tickets.models import Attachment, Event, Ticket

from .conftest import raw_message

pytestmark = pytest.mark.usefixtures("ref_data")


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    return smtp_sink


# --- identity ---


def test_a_reused_message_id_with_other_content_is_its_own_ticket(client_a):
    first = ingest_message(raw_message(subject="Printer", message_id="<same@list.test>"))
    other = ingest_message(raw_message(subject="VPN down", message_id="<same@list.test>"))
    assert first.outcome == other.outcome == "created"
    assert other.ticket_number != first.ticket_number
    assert other.line() == (
        f"created #{other.ticket_number} (Message-ID already used by a different message)"
    )
    event = Ticket.objects.get(number=other.ticket_number).events.get(kind="created")
    assert event.data["message_id_reused"] is True
    assert InboundMessage.objects.filter(message_id="<same@list.test>").count() == 2


def test_the_same_message_over_imap_and_from_a_file_is_one_message(client_a):
    crlf = raw_message(message_id="", headers="Received: from a by b; Mon, 7 Dec 2026\r\n")
    lf = crlf.replace(b"\r\n", b"\n").replace(b"Received: from a by b", b"Received: from c by d")
    first = ingest_message(crlf)
    assert first.outcome == "created"
    again = ingest_message(lf)
    assert again.outcome == "duplicate"
    assert again.reason.startswith("identical to the message received ")
    assert f"(#{first.ticket_number})" in again.reason
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


# --- bounces and auto-replies ---


BOUNCES = [
    ("Precedence: auto_reply\r\n", "client@alpha.test", "Re: Printer", "auto_reply"),
    ("Return-Path: <>\r\n", "client@alpha.test", "Votre demande", "bounce"),
    ("", "postmaster@alpha.test", "Notification", "bounce"),
    ("", "client@alpha.test", "Undeliverable: Printer broken", "bounce"),
    ("", "client@alpha.test", "Mail delivery failed: returning message to sender", "bounce"),
    ("", "client@alpha.test", "Non remis : Imprimante en panne", "bounce"),
    ("", "client@alpha.test", "Échec de la remise : Imprimante", "bounce"),
    ("", "client@alpha.test", "Réponse automatique : Imprimante", "auto_reply"),
    ("", "client@alpha.test", "Automatic reply: Printer broken", "auto_reply"),
    ("", "client@alpha.test", "Message d'absence", "auto_reply"),
    ("X-Failed-Recipients: boss@alpha.test\r\n", "client@alpha.test", "Hi", "bounce"),
]


@pytest.mark.parametrize("headers, sender, subject, category", BOUNCES)
def test_bounces_and_auto_replies_get_no_ticket_and_no_mail(
    smtp, django_capture_on_commit_callbacks, client_a, headers, sender, subject, category
):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_message(raw_message(sender=sender, subject=subject, headers=headers))
    assert result.outcome == "ignored"
    assert Ticket.objects.count() == 0 and smtp.messages == []
    assert InboundMessage.objects.get().category == category


def test_a_delivery_report_in_french_is_a_bounce(client_a):
    raw = (
        b"From: Orange <no-reply@orange.test>\r\nSubject: Information\r\nMessage-ID: <d@o>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVotre message n'a pas pu"
        b" \xc3\xaatre remis.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.orange.test\r\n\r\nFinal-Recipient: rfc822; x@y.test\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert ingest_message(raw).outcome == "ignored"
    assert InboundMessage.objects.get().category == "bounce"


def test_a_client_subject_that_mentions_delivery_is_still_a_ticket(client_a):
    raw = raw_message(subject="Undeliverable emails since this morning")
    assert ingest_message(raw).outcome == "created"


# --- originals ---


def test_the_original_of_every_message_is_downloadable_by_staff_only(
    login, client_a, agent, make_ticket, settings
):
    raw = raw_message(subject="Printer", body="See the headers.")
    result = ingest_message(raw)
    event = Ticket.objects.get(number=result.ticket_number).events.get(kind="created")
    url = reverse("intake:event-original", args=[event.pk])
    staff = login(agent)
    page = staff.get(reverse("tickets:detail", args=[result.ticket_number])).content.decode()
    assert url in page and "Message d\u2019origine (.eml)" in page
    response = staff.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "message/rfc822"
    assert response.content == raw and response["X-Content-Type-Options"] == "nosniff"
    client = login(client_a)
    client_page = client.get(reverse("tickets:detail", args=[result.ticket_number]))
    assert url not in client_page.content.decode()
    assert client.get(url).status_code == 404
    # Retention: once the period is over, the bytes go and the link says so.
    settings.INTAKE_RAW_RETENTION_DAYS = 30
    later = timezone.now() + dt.timedelta(days=31)
    assert purge_old_originals(now=later) == 1
    gone = login(agent).get(url)  # one test client: logging the client in logged the agent out
    assert gone.status_code == 410, gone.content[:300]
    assert InboundMessage.objects.get().read_raw() == b""


def test_an_event_not_from_email_has_no_original(login, agent, client_a, make_ticket):
    ticket = make_ticket(client_a)
    event = ticket.events.get(kind="created")
    assert login(agent).get(reverse("intake:event-original", args=[event.pk])).status_code == 404


def test_an_attachment_left_out_shows_on_the_ticket(login, client_a, agent, settings):
    settings.HELPDESK_MAX_UPLOAD_MB = 1
    big = base64.encodebytes(b"A" * (2 * 1024 * 1024))
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
        "Content-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="journal.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + big.decode() + "--b--"
    )
    raw = raw_message(body=body, headers='Content-Type: multipart/mixed; boundary="b"\r\n').replace(
        b"Content-Type: text/plain; charset=utf-8\r\n", b"", 1
    )
    result = ingest_message(raw)
    assert result.outcome == "created"
    for person in (agent, client_a):
        page = login(person).get(reverse("tickets:detail", args=[result.ticket_number]))
        text = page.content.decode()
        assert "Attachment not imported" in text or "Pièce jointe non importée" in text
        assert "journal.bin" in text and re.search(r"2[,.]0\s?(Mio|MiB|MB|Mo)", text)


# --- broken structure and addresses ---


def test_readable_text_of_a_broken_multipart_is_the_description(client_a):
    raw = raw_message(
        body="------=_Part_1\r\nContent-Type: text/plain\r\n\r\nThe VPN drops every hour.\r\n"
        "------=_Part_1--",
        headers="Content-Type: multipart/alternative; boundary=----=_Part_1\r\n",
    ).replace(b"Content-Type: text/plain; charset=utf-8\r\n", b"", 1)
    result = ingest_message(raw)
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.description == "The VPN drops every hour."
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert ticket.events.get(kind="created").data["repaired"] == "lenient parser"


def test_an_invalid_sender_address_never_becomes_a_contact_nor_gets_mail(
    smtp, django_capture_on_commit_callbacks, admin, client_a, org_a
):
    raw = raw_message(sender="Jean Dupont at alpha.test", authenticated=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_message(raw)
    assert result.outcome == "created"
    assert result.reason.startswith("invalid sender address")
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.contact_email == "" and ticket.requester is None
    assert smtp.messages == []
    with pytest.raises(InvalidInput):
        link_ticket(actor=admin, ticket=ticket, organization=org_a, new_contact_name="Jean D")


# --- the ignored page ---


def test_admins_filter_ignored_messages_and_release_one_into_a_ticket(
    login, admin, agent, client_a
):
    ingest_message(raw_message(subject="Réponse automatique : absent", message_id="<a@x>"))
    ingest_message(raw_message(subject="News", headers="List-Id: <n.list>\r\n", message_id="<n@x>"))
    client = login(admin)
    page = client.get(reverse("intake:ignored"), {"category": "auto_reply"}).content.decode()
    assert "Réponse automatique" in page and "News" not in page
    record = InboundMessage.objects.get(message_id="<n@x>")
    raw = client.get(reverse("intake:ignored-raw", args=[record.pk]))
    assert raw.status_code == 200 and b"List-Id" in raw.content
    client.post(reverse("intake:ignored-release", args=[record.pk]))
    record.refresh_from_db()
    assert record.outcome == "created" and record.ticket.title == "News"
    assert record.handled_by == admin
    assert login(agent).get(reverse("intake:ignored")).status_code == 404


def test_ignored_page_queries_do_not_grow(login, admin, client_a, django_assert_max_num_queries):
    client = login(admin)
    for n in range(3):
        ingest_message(raw_message(subject=f"Out of office {n}", message_id=f"<o{n}@x>"))
    client.get(reverse("intake:ignored"))
    with django_assert_max_num_queries(12):
        client.get(reverse("intake:ignored"))
    for n in range(3, 20):
        ingest_message(raw_message(subject=f"Out of office {n}", message_id=f"<o{n}@x>"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("intake:ignored")).status_code == 200


# --- what the database refuses ---


def test_a_message_whose_headers_the_database_refuses_is_quarantined_bare(db, monkeypatch):
    real = ingest._write_quarantine
    calls = []

    def refuses_headers(*args, bare=False, **kwargs):
        calls.append(bare)
        if not bare:
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return real(*args, bare=bare, **kwargs)

    monkeypatch.setattr(ingest, "_write_quarantine", refuses_headers)
    raw = b"From: x@y.test\r\nSubject: =?utf-8?b?AA==?=\r\n\r\n"
    result = ingest._quarantine(raw, "f" * 64, None, "<m@x>", "unreadable")
    assert calls == [False, True] and result.outcome == "quarantined"
    record = InboundMessage.objects.get()
    assert record.read_raw() == raw and record.reason.startswith("unstorable headers")


def test_messages_that_cannot_be_stored_alert_the_admins(
    allow_local_servers,
    dovecot,
    admin,
    client_a,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    from django.core import mail
    from django.db import OperationalError

    settings.INTAKE_ALERT_AFTER_FAILURES = 1
    box = Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        host="127.0.0.1",
        port=dovecot.imap_port,
        use_tls=False,
        username=dovecot.username,
        password=dovecot.password,
    )
    dovecot.deliver(raw_message())

    def database_down(raw, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("intake.services.polling.ingest_message", database_down)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = poll_mailbox(box)
    assert report.counts == {"unstored": 1}
    box.refresh_from_db()
    assert box.last_poll_status == "failing" and "could not be stored" in box.last_error
    assert [m.to for m in mail.outbox] == [[admin.email]]
    monkeypatch.undo()
    assert poll_mailbox(box).counts == {"created": 1}  # it stayed on the server
    assert Event.objects.filter(kind="created").count() == 1
