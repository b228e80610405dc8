"""Issue 16, defect 1: a forged From: never speaks as someone else.

A known person's address counts only when the trusted mail server authenticated it, the
helpdesk verified a DKIM signature, or (clients only) the reply names an email we sent to that
very address. Everything else is flagged "unverified sender", with the evidence, and nothing
is emailed on its behalf.
"""

import base64
import subprocess

import pytest
from django.urls import reverse

from intake import trust
from intake.models import InboundMessage, Mailbox
from intake.services import append_flagged, ingest_message
from tests.conftest import TRUSTED_MX, authentication_results
from tickets.message_ids import make_message_id
from tickets.models import Event, Ticket

from .conftest import raw_message

pytestmark = pytest.mark.usefixtures("ref_data")


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    return smtp_sink


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def reply(ticket, sender, *, headers="", authenticated=False, references="", mid="<r@x>"):
    extra = headers
    if references:
        extra += f"In-Reply-To: {references}\r\nReferences: {references}\r\n"
    return raw_message(
        sender=sender,
        subject=f"Re: [#{ticket.number}] printer",
        body="Please close it, and here is my password reset link.",
        message_id=mid,
        headers=extra,
        authenticated=authenticated,
    )


def test_a_forged_agent_address_never_replies_as_the_agent(
    smtp, commit, client_a, agent, make_ticket
):
    ticket = make_ticket(client_a)
    smtp.messages.clear()
    forged = reply(ticket, "agent@staff.test", headers="Return-Path: <agent@staff.test>\r\n")
    with commit():
        result = ingest_message(forged)
    assert result.outcome == "flagged" and result.reason == "unverified sender"
    assert result.line() == f"flagged #{ticket.number}: unverified sender"
    assert not ticket.events.filter(kind=Event.Kind.REPLY).exists()
    assert smtp.messages == []  # nothing emailed to the client from our address
    record = InboundMessage.objects.get()
    assert record.category == "unverified" and record.read_raw() == forged
    assert "no Authentication-Results header" in record.evidence["evidence"]


def test_a_reply_token_is_not_enough_for_staff_but_authentication_is(
    smtp, client_a, agent, make_ticket
):
    ticket = make_ticket(client_a)
    token_for_agent = make_message_id(ticket.number, "agent@staff.test")
    result = ingest_message(reply(ticket, "agent@staff.test", references=token_for_agent))
    assert result.outcome == "flagged"
    authenticated = reply(ticket, "agent@staff.test", authenticated=True, mid="<r2@x>")
    assert ingest_message(authenticated).outcome == "appended"
    event = ticket.events.get(kind=Event.Kind.REPLY)
    assert event.actor == agent and event.data["verified_by"] == "dmarc"


@pytest.mark.parametrize(
    "header, why",
    [
        # The trusted server says the domain failed DMARC (even with SPF passing).
        (
            f"Authentication-Results: {TRUSTED_MX}; spf=pass smtp.mailfrom=alpha.test;"
            " dmarc=fail header.from=alpha.test\r\n",
            "DMARC failed for the From domain",
        ),
        # A pass written by someone else's server (or by the sender) is not believed.
        (
            authentication_results("client@alpha.test", server="mx.attacker.test"),
            "ignored (authserv-id mx.attacker.test not trusted)",
        ),
        # DKIM passed, but for another domain than the From one.
        (
            f"Authentication-Results: {TRUSTED_MX}; dkim=pass header.d=attacker.test\r\n",
            "trusted:",
        ),
    ],
)
def test_a_client_address_without_proof_is_flagged_with_the_evidence(
    client_a, make_ticket, header, why
):
    ticket = make_ticket(client_a)
    result = ingest_message(reply(ticket, "client@alpha.test", headers=header))
    assert result.outcome == "flagged"
    record = InboundMessage.objects.get()
    assert any(line.startswith(why) for line in record.evidence["evidence"])
    assert not ticket.events.filter(kind=Event.Kind.REPLY).exists()


def test_a_stranger_quoting_our_message_id_is_not_the_client(client_a, make_ticket):
    ticket = make_ticket(client_a)
    sent_to_someone_else = make_message_id(ticket.number, "boss@alpha.test")
    result = ingest_message(reply(ticket, "client@alpha.test", references=sent_to_someone_else))
    assert result.outcome == "flagged"
    assert "no reply token for this address" in InboundMessage.objects.get().evidence["evidence"]


def test_a_client_answering_the_email_we_sent_them_is_appended(client_a, make_ticket):
    ticket = make_ticket(client_a)
    ours = make_message_id(ticket.number, "Client@Alpha.test")
    result = ingest_message(reply(ticket, "client@alpha.test", references=ours))
    assert result.outcome == "appended"
    assert ticket.events.get(kind=Event.Kind.REPLY).data["verified_by"] == "reply-token"


def test_an_unverified_new_message_waits_for_an_agent_who_may_open_it_as_the_client(
    login, agent, client_a
):
    raw = raw_message(
        sender="client@alpha.test", subject="Urgent: wire transfer", authenticated=False
    )
    result = ingest_message(raw)
    assert result.outcome == "flagged" and result.ticket_number is None
    assert Ticket.objects.count() == 0
    page = login(agent).get(reverse("intake:unidentified")).content.decode()
    assert "Urgent: wire transfer" in page and "no Authentication-Results header" in page
    event = append_flagged(actor=agent, record=InboundMessage.objects.get())
    ticket = event.ticket
    assert ticket.requester == client_a and ticket.organization == client_a.organization
    assert event.data["vouched_by"] == agent.email
    assert InboundMessage.objects.get().outcome == "created"


def test_each_mailbox_names_the_servers_it_trusts(client_a, settings):
    settings.INTAKE_TRUSTED_AUTHSERV_IDS = []
    box = Mailbox.objects.create(
        name="S",
        email_address="s@helpdesk.test",
        host="h",
        username="u",
        trusted_authserv_ids="mx1.helpdesk.test, MX2.helpdesk.test",
    )
    header = authentication_results("client@alpha.test", server="mx2.helpdesk.test")
    raw = raw_message(headers=header, authenticated=False)
    assert ingest_message(raw, mailbox=box).outcome == "created"
    other = raw_message(message_id="<o@x>", headers=header, authenticated=False)
    assert ingest_message(other).outcome == "flagged"  # ingest_email trusts no server here


def test_authentication_results_parsing():
    authserv, results = trust.parse_authentication_results(
        "mx.example.com 1; spf=pass (sender IP is 192.0.2.1)"
        ' smtp.mailfrom="bounce@mail.alpha.test"; dkim=pass (2048-bit key) header.d=alpha.test'
        " header.s=s1; dmarc=pass header.from=alpha.test"
    )
    assert authserv == "mx.example.com"
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert results[0].props["smtp.mailfrom"] == "bounce@mail.alpha.test"
    assert trust.aligned("alpha.test", "mail.alpha.test") and not trust.aligned(
        "a.test", "alpha.test"
    )


@pytest.fixture
def dkim_key(tmp_path):
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key.read_bytes(), base64.b64encode(public)


def test_dkim_verified_by_the_helpdesk_when_the_mailbox_asks(
    client_a, settings, dkim_key, monkeypatch
):
    import dkim

    private, public = dkim_key
    records = {b"s1._domainkey.alpha.test.": b"v=DKIM1; k=rsa; p=" + public}
    # DNS is outside the machine: the resolver answers from the published record above.
    monkeypatch.setattr(trust, "dkim_dnsfunc", lambda name, timeout=5: records.get(name))
    settings.INTAKE_TRUSTED_AUTHSERV_IDS = []
    box = Mailbox.objects.create(
        name="S", email_address="s@helpdesk.test", host="h", username="u", verify_dkim=True
    )
    raw = raw_message(authenticated=False)
    signature = dkim.sign(raw, b"s1", b"alpha.test", private, include_headers=[b"from", b"subject"])
    assert ingest_message(signature + raw, mailbox=box).outcome == "created"
    record = InboundMessage.objects.get()
    assert record.evidence["method"] == "dkim-local"
    tampered = signature + raw.replace(b"Printer broken", b"Send the invoices to me")
    assert ingest_message(tampered, mailbox=box).outcome == "flagged"


def test_admins_name_the_trusted_servers_on_the_mailbox_form(login, admin):
    from intake.forms import MailboxForm

    data = {
        "name": "Support",
        "email_address": "support@helpdesk.test",
        "protocol": "imap",
        "host": "imap.example.test",
        "port": 993,
        "use_tls": "on",
        "folder": "INBOX",
        "username": "u",
        "password": "p",
        "interval_minutes": 5,
        "is_active": "on",
        "trusted_authserv_ids": " MX.Example.test ,  mx2.example.test",
        "verify_dkim": "on",
    }
    form = MailboxForm(data)
    assert form.is_valid(), form.errors
    box = form.save()
    assert box.trusted_ids() == ["mx.example.test", "mx2.example.test"] and box.verify_dkim
    bad = MailboxForm(
        {**data, "email_address": "b@helpdesk.test", "trusted_authserv_ids": "mx; dmarc=pass"}
    )
    assert not bad.is_valid() and "trusted_authserv_ids" in bad.errors
    page = login(admin).get(reverse("intake:mailbox-new")).content.decode()
    assert 'name="trusted_authserv_ids"' in page
