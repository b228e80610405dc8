"""Who receives which ticket email (seeds 001, 003, 004): the client, the reporter, assignees
and followers, never the author, never a note for a client, in each person's language."""

import pytest
from django.core import mail

from accounts.models import Notice
from notifications.models import NotificationJob, OutgoingEmail
from tickets import services
from tickets.models import Status, Ticket

from .conftest import kinds_to, sent_to


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ticket(make_ticket, client_a, commit):
    with commit():
        ticket = make_ticket(client_a)
    mail.outbox.clear()
    return ticket


def test_a_client_filing_on_the_web_gets_a_confirmation_with_the_number(
    make_ticket, client_a, commit
):
    client_a.language = "en"
    client_a.save()
    with commit():
        ticket = make_ticket(client_a, title="Printer & scanner down")
    [message] = sent_to(client_a.email)
    assert message.subject == f"[#{ticket.number}] Request received: Printer & scanner down"
    assert f"#{ticket.number}" in message.body
    assert "Printer & scanner down" in message.body  # plain text is not HTML-escaped
    assert "&amp;" in message.alternatives[0][0]  # the HTML part is
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert OutgoingEmail.objects.get().status == "sent"


def test_emails_are_in_the_recipients_language(make_ticket, client_a, commit):
    client_a.language = "fr"
    client_a.save()
    with commit():
        ticket = make_ticket(client_a, title="Imprimante")
    [message] = sent_to(client_a.email)
    assert message.subject == f"[#{ticket.number}] Demande reçue : Imprimante"
    assert "Bonjour" in message.body


def test_an_agent_reply_reaches_the_client_and_copied_addresses_not_its_author(
    ticket, agent, commit
):
    Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=["boss@alpha.test"])
    services.assign(actor=agent, ticket=ticket, assignees=[agent])
    with commit():
        services.reply(actor=agent, ticket=ticket, body="Please restart the **spooler**.")
    [message] = sent_to(ticket.requester.email)
    assert message.subject.startswith(f"Re: [#{ticket.number}]")
    assert "Please restart the **spooler**." in message.body
    assert "<strong>spooler</strong>" in message.alternatives[0][0]
    assert message.cc == ["boss@alpha.test"]
    assert "Auto-Submitted" not in message.extra_headers  # a person wrote it
    assert sent_to(agent.email) == []


def test_a_client_reply_reaches_assignees_and_followers_from_the_noreply_address(
    ticket, agent, agent_l2, client_a, commit
):
    services.assign(actor=agent_l2, ticket=ticket, assignees=[agent])
    ticket.followers.add(agent_l2)
    mail.outbox.clear()
    with commit():
        services.reply(actor=client_a, ticket=ticket, body="Still broken.")
    for person in (agent, agent_l2):
        [message] = sent_to(person.email)
        assert "Still broken." in message.body
        assert message.from_email.endswith("<noreply@helpdesk.local>")
        assert message.reply_to == []
        assert ".t" not in message.extra_headers["Message-ID"].split("@")[0][:6]
    assert sent_to(client_a.email) == []


def test_internal_notes_reach_staff_only(ticket, agent, agent_l2, client_a, client_a2, commit):
    services.assign(actor=agent, ticket=ticket, assignees=[agent_l2])
    ticket.followers.add(client_a2)  # a client follower must never get a note
    Ticket.objects.filter(pk=ticket.pk).update(cc_addresses=["boss@alpha.test"])
    mail.outbox.clear()
    with commit():
        services.reply(
            actor=agent, ticket=ticket, body="Secret: the client's VPN is down", internal=True
        )
    assert kinds_to(agent_l2.email) == ["ticket_note"]
    for outsider in (client_a.email, client_a2.email, "boss@alpha.test", agent.email):
        assert sent_to(outsider) == []
    assert not any("Secret" in m.body for m in mail.outbox if agent_l2.email not in m.to)


def test_a_status_change_reaches_the_client_and_the_reporter_but_not_its_author(
    make_ticket, agent, agent_l2, client_a, ref, commit
):
    with commit():  # an agent files for the client: the agent is the reporter
        ticket = make_ticket(agent_l2, organization=client_a.organization, requester=client_a)
    mail.outbox.clear()
    with commit():
        services.change_status(actor=agent, ticket=ticket, status=ref.status["en-cours"])
    [message] = sent_to(client_a.email)
    assert "Ouvert" in message.body and "En cours" in message.body  # client_a reads French
    assert kinds_to(agent_l2.email) == ["ticket_status"]
    assert sent_to(agent.email) == []


def test_a_reply_that_reopens_sends_the_reply_only(ticket, agent, client_a, ref, commit):
    services.assign(actor=agent, ticket=ticket, assignees=[agent])
    services.change_status(actor=agent, ticket=ticket, status=ref.status["resolu"])
    mail.outbox.clear()
    with commit():
        services.reply(actor=client_a, ticket=ticket, body="It is back.")
    assert kinds_to(agent.email) == ["ticket_reply"]


def test_assignment_emails_the_newly_assigned_only(ticket, agent, agent_l2, admin, commit):
    services.assign(actor=admin, ticket=ticket, assignees=[agent])
    mail.outbox.clear()
    with commit():
        services.assign(actor=admin, ticket=ticket, assignees=[agent, agent_l2])
    assert kinds_to(agent_l2.email) == ["ticket_assigned"]
    assert sent_to(agent.email) == []
    with commit():
        services.claim(actor=admin, ticket=Ticket.objects.get(pk=ticket.pk))
    assert sent_to(admin.email) == []  # taking it yourself: no email


def test_an_escalation_tells_the_agents_of_the_next_level(ticket, agent, agent_l2, commit):
    with commit():
        services.escalate(actor=agent, ticket=ticket, reason="Needs a database expert")
    [message] = sent_to(agent_l2.email)
    assert "Needs a database expert" in message.body
    assert sent_to(agent.email) == [] and sent_to(ticket.requester.email) == []


def test_muted_notices_are_not_sent(ticket, agent, client_a, ref, commit):
    client_a.muted_notices = [Notice.STATUS]
    client_a.save()
    with commit():
        services.change_status(actor=agent, ticket=ticket, status=ref.status["en-cours"])
        services.reply(actor=agent, ticket=ticket, body="Done?")
    assert kinds_to(client_a.email) == ["ticket_reply"]


def test_a_follower_who_may_not_see_the_ticket_gets_nothing(ticket, agent, client_b, commit):
    ticket.followers.add(client_b)
    with commit():
        services.reply(actor=agent, ticket=ticket, body="Answer")
    assert sent_to(client_b.email) == []


def test_auto_close_warns_then_tells_the_client(ticket, agent, client_a, ref, commit):
    import datetime as dt

    from django.utils import timezone

    services.change_status(actor=agent, ticket=ticket, status=ref.status["reponse-envoyee"])
    mail.outbox.clear()
    waiting = Ticket.objects.get(pk=ticket.pk).waiting_since
    with commit():
        services.auto_close_waiting_tickets(now=waiting + dt.timedelta(days=6, hours=1))
    assert kinds_to(client_a.email) == ["ticket_auto_close_warning"]
    with commit():
        services.auto_close_waiting_tickets(now=waiting + dt.timedelta(days=7, hours=1))
    assert kinds_to(client_a.email) == ["ticket_auto_close_warning", "ticket_auto_closed"]
    assert Ticket.objects.get(pk=ticket.pk).status.category == Status.Category.CLOSED
    assert timezone.now()


def test_running_a_notification_job_again_sends_nothing_twice(ticket, agent, commit):
    from notifications import jobs

    with commit():
        services.reply(actor=agent, ticket=ticket, body="Once")
    job = NotificationJob.objects.get(name="ticket_replied")
    assert job.done_at is not None
    with commit():
        jobs.run_job(job.pk)
    assert len(sent_to(ticket.requester.email)) == 1
