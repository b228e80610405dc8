"""Email both ways over real SMTP: a client's email gets a confirmation threaded under it, with
[#N] in the subject and Reply-To the mailbox; answering any of our emails lands on the same
ticket; old mail and unknown senders are handled as the issue says."""

from email import message_from_bytes, policy

import pytest

from intake.models import Mailbox
from intake.services import ingest_message
from tests.intake.conftest import raw_message
from tickets import services
from tickets.message_ids import ticket_number_from_ids
from tickets.models import Ticket


@pytest.fixture
def smtp(settings, smtp_sink):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    settings.DEFAULT_FROM_EMAIL = "Support <support@helpdesk.test>"
    return smtp_sink


@pytest.fixture
def mailbox(db, ref):
    return Mailbox.objects.create(
        name="Support", email_address="support@helpdesk.test", host="127.0.0.1", username="u"
    )


def delivered(sink, to):
    out = []
    for item in sink.messages:
        if to in item["rcpt_tos"]:
            out.append(message_from_bytes(item["raw"], policy=policy.default))
    return out


def test_a_client_email_gets_a_threaded_confirmation_and_the_answer_lands_on_the_ticket(
    smtp, mailbox, client_a, agent, commit
):
    with commit():
        result = ingest_message(
            raw_message(subject="Printer broken", message_id="<first@alpha.test>"), mailbox=mailbox
        )
    number = result.ticket_number
    [confirmation] = delivered(smtp, "client@alpha.test")
    assert f"[#{number}]" in confirmation["Subject"]
    assert confirmation["In-Reply-To"] == "<first@alpha.test>"
    assert "<first@alpha.test>" in confirmation["References"]
    assert str(confirmation["Reply-To"]) == "support@helpdesk.test"
    assert ticket_number_from_ids([confirmation["Message-ID"]]) == number
    assert confirmation.get_body(("html",)) is not None  # text + HTML

    # The client answers the confirmation from their mail program: it joins the ticket.
    answer = raw_message(
        subject=f"Re: {confirmation['Subject']}".replace(f"[#{number}]", ""),  # no number
        message_id="<second@alpha.test>",
        body="Here is the error code: E42.",
        headers=f"In-Reply-To: {confirmation['Message-ID']}\r\n"
        f"References: <first@alpha.test> {confirmation['Message-ID']}\r\n",
    )
    with commit():
        assert ingest_message(answer, mailbox=mailbox).line() == f"appended #{number}"

    # The agent's answer goes back by email, in the same thread.
    ticket = Ticket.objects.get(number=number)
    with commit():
        services.reply(actor=agent, ticket=ticket, body="Replace the toner.")
    reply = delivered(smtp, "client@alpha.test")[-1]
    assert reply["Subject"].startswith(f"Re: [#{number}]")
    assert "Replace the toner." in reply.get_body(("plain",)).get_content()
    assert "<first@alpha.test>" in reply["References"]
    assert ticket_number_from_ids([reply["Message-ID"]]) == number


def test_an_unknown_sender_is_confirmed_and_copied_people_get_the_answers(
    smtp, mailbox, agent, commit
):
    with commit():
        result = ingest_message(
            raw_message(
                sender="stranger@nowhere.test",
                message_id="<s1@nowhere.test>",
                headers="Cc: colleague@nowhere.test, support@helpdesk.test\r\n",
            ),
            mailbox=mailbox,
        )
    assert len(delivered(smtp, "stranger@nowhere.test")) == 1
    assert delivered(smtp, "colleague@nowhere.test") == []  # no confirmation to Cc
    ticket = Ticket.objects.get(number=result.ticket_number)
    with commit():
        services.reply(actor=agent, ticket=ticket, body="We are on it.")
    answer = delivered(smtp, "stranger@nowhere.test")[-1]
    assert "colleague@nowhere.test" in answer["Cc"]
    assert "support@helpdesk.test" not in str(answer["Cc"])  # never to ourselves
    # No link to a page they cannot open: they have no account.
    assert "/tickets/" not in answer.get_body(("plain",)).get_content()


def test_connecting_a_mailbox_full_of_old_mail_sends_no_confirmation(smtp, mailbox, commit):
    with commit():
        for n in range(5):
            ingest_message(
                raw_message(
                    message_id=f"<old{n}@alpha.test>", date="Mon, 1 Jan 2018 08:00:00 +0000"
                ),
                mailbox=mailbox,
            )
    assert Ticket.objects.count() == 5
    assert smtp.messages == []


def test_a_sender_over_the_rate_limit_gets_no_more_confirmations(smtp, mailbox, settings, commit):
    settings.INTAKE_AUTO_REPLY_LIMIT = 2
    with commit():
        for n in range(4):
            ingest_message(
                raw_message(sender="loop@robot.test", message_id=f"<r{n}@robot.test>"),
                mailbox=mailbox,
            )
    assert len(delivered(smtp, "loop@robot.test")) == 2
