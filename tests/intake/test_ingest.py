"""ingest_message: new tickets, replies, duplicates, loops, quarantine, the odd-message corpus."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from intake.models import InboundMessage, Mailbox
from intake.services import ingest_message
from tests.conftest import authentication_results
from tests.factories import make_user
from tickets import services
from tickets.message_ids import make_message_id
from tickets.models import Attachment, Event, Ticket

from .conftest import raw_message

AUTH_ALPHA = authentication_results("client@alpha.test")
CORPUS = sorted((Path(__file__).parents[1] / "fixtures" / "mail").glob("*.eml"))
pytestmark = pytest.mark.usefixtures("ref_data")


def test_known_client_mail_becomes_their_ticket(client_a):
    raw = raw_message(
        sender="Chloé <CLIENT@Alpha.TEST>", headers="Cc: boss@alpha.test, x@y.test\r\n"
    )
    result = ingest_message(raw)
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert (ticket.title, ticket.description) == ("Printer broken", "The printer is broken.")
    assert ticket.requester == client_a and ticket.organization == client_a.organization
    assert ticket.channel == "email" and ticket.type is None and ticket.contact_email == ""
    assert ticket.cc_addresses == ["boss@alpha.test", "x@y.test"]
    created = ticket.events.get(kind=Event.Kind.CREATED)
    assert created.data["via"] == "email" and created.data["message_id"] == "<m1@client.test>"
    assert "no_auto_reply" not in created.data


def test_unknown_sender_gives_unidentified_ticket_and_no_account(db):
    users_before = set(Ticket.objects.none())
    raw = raw_message(sender="stranger@nowhere.test", headers="Cc: friend@nowhere.test\r\n")
    result = ingest_message(raw)
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.organization is None and ticket.requester is None
    assert ticket.contact_email == "stranger@nowhere.test"
    assert ticket.cc_addresses == ["friend@nowhere.test"]
    from accounts.models import User

    assert not User.objects.filter(email__in=["stranger@nowhere.test", "friend@nowhere.test"])
    assert users_before == set()


def test_same_message_twice_changes_nothing(client_a):
    raw = raw_message()
    assert ingest_message(raw).outcome == "created"
    assert ingest_message(raw).outcome == "duplicate"
    assert Ticket.objects.count() == 1 and Event.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_missing_message_id_dedupes_on_content(client_a):
    raw = raw_message(message_id="")
    assert ingest_message(raw).outcome == "created"
    assert ingest_message(raw).outcome == "duplicate"


def test_reply_by_subject_number_appends_and_reopens(client_a, ref):
    ticket = services.create_ticket(actor=client_a, title="Invoices", description="x")
    Ticket.objects.filter(pk=ticket.pk).update(status=ref.status["ferme"])
    body = "It fails again.\r\n\r\nLe lun. 23 nov. 2026, Support a écrit :\r\n> old text"
    raw = raw_message(subject=f"Re: [#{ticket.number}] Invoices", body=body, message_id="<r1@c>")
    result = ingest_message(raw)
    assert (result.outcome, result.ticket_number) == ("appended", ticket.number)
    ticket.refresh_from_db()
    assert ticket.status.category not in ("closed", "resolved")
    event = ticket.events.filter(kind=Event.Kind.REPLY).last()
    assert event.actor == client_a and "> old text" in event.body  # kept in full
    assert event.data["via"] == "email" and event.data["message_id"] == "<r1@c>"


def test_reply_threaded_by_our_message_id(client_a, make_ticket):
    ticket = make_ticket(client_a)
    headers = f"In-Reply-To: {make_message_id(ticket.number)}\r\n"
    result = ingest_message(raw_message(subject="Re: your ticket", headers=headers))
    assert (result.outcome, result.ticket_number) == ("appended", ticket.number)


def test_forged_message_id_is_not_a_reply(client_a, make_ticket):
    ticket = make_ticket(client_a)
    forged = f"<hd.t{ticket.number}.0123456789.0123456789abcdef@helpdesk.local>"
    result = ingest_message(raw_message(subject="Re: x", headers=f"In-Reply-To: {forged}\r\n"))
    assert result.outcome == "created" and result.ticket_number != ticket.number


def test_reply_from_someone_who_may_not_reply_is_flagged(client_b, make_ticket, client_a):
    ticket = make_ticket(client_a)
    for n, sender in enumerate(["client@beta.test", "stranger@nowhere.test"]):
        raw = raw_message(sender=sender, subject=f"Re: [#{ticket.number}]", message_id=f"<f{n}@x>")
        result = ingest_message(raw)
        assert result.outcome == "flagged"
        record = InboundMessage.objects.get(message_id=f"<f{n}@x>")
        assert record.ticket == ticket and record.read_raw() == raw
    assert ticket.events.filter(kind=Event.Kind.REPLY).count() == 0


@pytest.mark.parametrize(
    "headers,sender",
    [
        ("Auto-Submitted: auto-replied\r\n", "client@alpha.test"),
        ("Precedence: bulk\r\n", "client@alpha.test"),
        ("Precedence: junk\r\n", "client@alpha.test"),
        ("", "MAILER-DAEMON@mx.test"),
        ("", "support@helpdesk.local"),
    ],
)
def test_auto_replies_bounces_and_our_own_mail_never_make_tickets(client_a, headers, sender):
    result = ingest_message(raw_message(sender=sender, headers=headers))
    assert result.outcome == "ignored"
    assert Ticket.objects.count() == 0
    assert InboundMessage.objects.get().read_raw()


def test_mail_to_ourselves_from_a_mailbox_address_is_ignored(db):
    Mailbox.objects.create(name="S", email_address="support@helpdesk.test", host="h", username="u")
    assert ingest_message(raw_message(sender="support@helpdesk.test")).outcome == "ignored"


def test_old_mail_and_rate_limit_set_no_auto_reply(client_a, settings):
    settings.INTAKE_AUTO_REPLY_LIMIT = 2
    box = Mailbox.objects.create(name="S", email_address="s@h.test", host="h", username="u")
    old = ingest_message(
        raw_message(message_id="<old@x>", date="Mon, 1 Jan 2018 08:00:00 +0000"), mailbox=box
    )
    event = Ticket.objects.get(number=old.ticket_number).events.get(kind="created")
    assert event.data["no_auto_reply"] is True and event.data["mailbox"] == "s@h.test"
    flags = []
    for n in range(3):
        result = ingest_message(raw_message(message_id=f"<n{n}@x>"), mailbox=box)
        event = Ticket.objects.get(number=result.ticket_number).events.get(kind="created")
        flags.append(event.data.get("no_auto_reply", False))
    assert flags == [False, True, True]  # the old one counts towards the limit of 2
    settings.INTAKE_AUTO_REPLY_LIMIT = 10
    result = ingest_message(raw_message(message_id="<n9@x>", sender="colleague@alpha.test"))
    assert (
        "no_auto_reply"
        not in Ticket.objects.get(number=result.ticket_number).events.get(kind="created").data
    )


def test_unreadable_message_is_quarantined_with_raw_bytes(db):
    result = ingest_message(b"\r\n\r\n")
    assert result.outcome == "quarantined"
    record = InboundMessage.objects.get()
    assert record.outcome == "quarantined" and record.read_raw() == b"\r\n\r\n"
    assert ingest_message(b"\r\n\r\n").outcome == "duplicate"


def test_hostile_html_subject_and_filenames(client_a):
    raw = (
        AUTH_ALPHA.encode()
        + b"From: client@alpha.test\r\nSubject: <script>alert(1)</script> hi\r\n"
        b"Message-ID: <h@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/html\r\n\r\n<p>Hello<script>alert(2)</script>"
        b'<img src=x onerror="alert(3)"></p>\r\n--b\r\n'
        b'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="../../etc/passwd"'
        b"\r\n\r\nroot:x:0:0\r\n--b--\r\n"
    )
    result = ingest_message(raw)
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert "<script>" in ticket.title  # stored as text, escaped by templates
    assert "script" not in ticket.description and "onerror" not in ticket.description
    [attachment] = Attachment.objects.filter(ticket=ticket)
    assert "/" not in attachment.filename and ".." not in attachment.filename
    assert "etc" not in attachment.file.name


def test_huge_attachment_is_refused_but_kept_in_raw(client_a, settings):
    settings.HELPDESK_MAX_UPLOAD_MB = 1
    big = b"A" * (2 * 1024 * 1024)
    import base64

    raw = (
        AUTH_ALPHA.encode()
        + b"From: client@alpha.test\r\nSubject: big\r\nMessage-ID: <big@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n'
        b"\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="dump.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(big) + b"--b--\r\n"
    )
    result = ingest_message(raw)
    assert result.outcome == "created"
    record = InboundMessage.objects.get()
    assert record.read_raw() == raw and "dump.bin" in record.reason
    event = Ticket.objects.get().events.get(kind="created")
    [refused] = event.data["refused_attachments"]
    assert refused["name"] == "dump.bin" and refused["size"] == len(big)
    assert re.search(r"1\s(Mo|MB)", refused["reason"])  # "1 Mo" with a non-breaking space


def test_attachments_and_inline_images_are_stored(client_a):
    from email.message import EmailMessage

    from tests.tickets.conftest import png_file

    msg = EmailMessage()
    msg["Authentication-Results"] = AUTH_ALPHA.split(": ", 1)[1].strip()
    msg["From"], msg["Subject"], msg["Message-ID"] = "client@alpha.test", "shots", "<img@x>"
    msg.set_content("see the screenshot")
    msg.add_alternative('<p>see <img src="cid:shot1"></p>', subtype="html")
    png = png_file().read()
    msg.get_payload()[1].add_related(png, "image", "png", cid="<shot1>", filename="shot.png")
    msg.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="data.csv")
    result = ingest_message(msg.as_bytes())
    assert result.outcome == "created"
    stored = Attachment.objects.filter(ticket__number=result.ticket_number)
    assert sorted(a.filename for a in stored) == ["data.csv", "shot.png"]
    assert stored.get(filename="shot.png").is_image
    assert stored.get(filename="data.csv").file.read() == b"a,b\n1,2\n"


def test_fake_inline_image_is_refused_and_the_raw_message_kept(client_a):
    raw = (Path(__file__).parents[1] / "fixtures" / "mail" / "related_inline.eml").read_bytes()
    result = ingest_message(raw)
    assert result.outcome == "created"
    assert not Attachment.objects.exists()
    record = InboundMessage.objects.get()
    assert record.read_raw() == raw and "attachment.png" in record.reason


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_message_is_ticketed_appended_or_kept(path, client_a):
    raw = path.read_bytes()
    first = ingest_message(raw)
    assert first.outcome in ("created", "appended", "ignored", "quarantined", "flagged")
    assert InboundMessage.objects.count() == 1
    record = InboundMessage.objects.get()
    if first.outcome in ("created", "appended"):
        assert record.ticket is not None
    else:
        assert record.read_raw() == raw
    tickets, events = Ticket.objects.count(), Event.objects.count()
    assert ingest_message(raw).outcome == "duplicate"
    assert (Ticket.objects.count(), Event.objects.count()) == (tickets, events)


def test_ingest_email_command_lines(client_a, tmp_path, capsys):
    first = tmp_path / "a.eml"
    first.write_bytes(raw_message())
    broken = tmp_path / "b.eml"
    broken.write_bytes(b"")
    call_command("ingest_email", str(first), str(first), str(broken))
    number = Ticket.objects.get().number
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"created #{number}" and out[2] == "quarantined: empty message"
    assert out[1].startswith("duplicate: identical to the message received ")


def test_ingest_email_command_fails_only_for_unreadable_paths(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("ingest_email", str(tmp_path / "missing.eml"))


def test_agent_reply_by_email_is_an_answer(agent, client_a, make_ticket):
    ticket = make_ticket(client_a)
    raw = raw_message(sender="agent@staff.test", subject=f"Re: [#{ticket.number}] x")
    assert ingest_message(raw).outcome == "appended"
    assert ticket.events.filter(kind="reply").get().action_type == "answer"


def test_staff_or_dpo_new_mail_is_unidentified(db):
    make_user(Role.Code.DPO, email="dpo@staff.test")
    result = ingest_message(raw_message(sender="dpo@staff.test"))
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.organization is None and ticket.contact_email == "dpo@staff.test"


def test_retry_reuses_its_record_and_never_runs_twice(client_a, admin, settings):
    from django.core.exceptions import PermissionDenied

    from intake.services import retry_message

    settings.INTAKE_MAX_MESSAGE_MB = 0  # everything is too large: quarantined
    raw = raw_message(message_id="<same@x>")
    assert ingest_message(raw).outcome == "quarantined"
    settings.INTAKE_MAX_MESSAGE_MB = 60
    record = InboundMessage.objects.get()
    assert retry_message(actor=admin, record=record).outcome == "created"
    assert InboundMessage.objects.get().outcome == "created"  # the same record, one ticket
    record.refresh_from_db()
    with pytest.raises(PermissionDenied):
        retry_message(actor=admin, record=record)
    assert Ticket.objects.count() == 1


def test_our_own_addresses_are_not_recorded_as_cc(client_a):
    Mailbox.objects.create(name="S", email_address="support@helpdesk.test", host="h", username="u")
    raw = raw_message(headers="Cc: support@helpdesk.test, boss@alpha.test\r\n")
    ticket = Ticket.objects.get(number=ingest_message(raw).ticket_number)
    assert ticket.cc_addresses == ["boss@alpha.test"]


def test_only_admins_retry_quarantine(client_a, agent):
    from django.core.exceptions import PermissionDenied

    from intake.services import retry_message

    ingest_message(b"")
    with pytest.raises(PermissionDenied):
        retry_message(actor=agent, record=InboundMessage.objects.get())


def test_nul_characters_are_dropped_and_the_message_becomes_a_ticket(client_a):
    """An encoded NUL (subject, sender name, body) is refused by PostgreSQL's text columns: it is
    dropped, so the message is stored like any other instead of failing at every poll."""
    raw = raw_message(
        sender="=?utf-8?b?Q2hsb8OpAA==?= <client@alpha.test>",
        subject="=?utf-8?b?AA==?= Imprimante =?utf-8?b?AGJsb3F1w6llAA==?=",
        body="Elle\x00 ne marche plus.",
    )
    result = ingest_message(raw)
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.title == "Imprimante bloquée"
    assert ticket.description == "Elle ne marche plus."
    assert ticket.requester == client_a


def test_a_subject_that_is_only_a_nul_still_gives_a_ticket(client_a):
    result = ingest_message(raw_message(subject="=?utf-8?b?AA==?="))
    assert result.outcome == "created"
    assert "\x00" not in Ticket.objects.get(number=result.ticket_number).title


def test_non_ascii_attachment_names_are_kept_whole(client_a, login, agent):
    """RFC 2231 (Cyrillic) and RFC 2047 (Polish) names stay as the sender wrote them: on the
    ticket and in the download's header (filename*), the stored file under an ASCII name."""
    head = (
        AUTH_ALPHA + "From: client@alpha.test\r\nTo: support@helpdesk.test\r\nSubject: Pliki\r\n"
        "Message-ID: <names@client.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    )
    parts = (
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDwa pliki.\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*=utf-8''%D0%92%D0%B5%D0%B4%D0%BE%D0%BC%D0%BE%D1%81%D1%82%D0%B8.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="=?utf-8?q?Za=C5=BC=C3=B3=C5=82=C4=87.pdf?="\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    result = ingest_message((head + parts).encode())
    assert result.outcome == "created"
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert {a.filename for a in ticket.attachments.all()} == {"Ведомости.pdf", "Zażółć.pdf"}
    stored = ticket.attachments.get(filename="Ведомости.pdf")
    assert stored.file.name.isascii()
    response = login(agent).get(reverse("tickets:attachment", args=[ticket.number, stored.pk]))
    assert "filename*=utf-8''%D0%92%D0%B5%D0%B4" in response["Content-Disposition"]
