"""Chat webhooks (seed 001): Slack-style JSON posted to a local HTTP receiver after the commit;
"has created … Non attribué" for new tickets, "has transitioned" with the assignee when
reopened; failures retried, never blocking the person who made the change."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import jobs
from notifications import services as delivery
from notifications.models import ChatWebhook, NotificationJob, WebhookPost
from tests.servers.fixtures import free_port
from tickets import services
from tickets.models import Ticket

# The HTTP sink listens on 127.0.0.1, which the guard refuses unless allowed by name.
pytestmark = pytest.mark.usefixtures("allow_local_servers")


@pytest.fixture
def hook(http_sink, db):
    return ChatWebhook.objects.create(
        name="Support",
        url=http_sink.url,
        events=[ChatWebhook.Event.CREATED, ChatWebhook.Event.REOPENED],
        language="fr",
    )


def texts(sink):
    return [r["json"]["text"] for r in sink.requests]


def test_a_new_ticket_is_posted_with_its_author_and_unassigned(
    hook, http_sink, make_ticket, client_a, commit
):
    with commit():
        ticket = make_ticket(client_a, title="Imprimante <bloquée> & muette")
    [text] = texts(http_sink)
    assert text.startswith("*Chloé Alpha* a créé ")
    assert f"|#{ticket.number} Imprimante &lt;bloquée&gt; &amp; muette>" in text
    assert text.endswith("Non attribué")
    assert http_sink.requests[0]["headers"]["Content-Type"] == "application/json"
    post = WebhookPost.objects.get()
    assert post.status == "sent" and post.response_code == 200


def test_english_webhooks_say_has_created(hook, http_sink, make_ticket, client_a, commit):
    hook.language = "en"
    hook.save()
    with commit():
        make_ticket(client_a)
    assert "has created" in texts(http_sink)[0] and texts(http_sink)[0].endswith("Unassigned")


def test_a_reopened_ticket_is_posted_as_transitioned_with_its_assignee(
    hook, http_sink, make_ticket, client_a, agent, ref, commit
):
    hook.language = "en"
    hook.save()
    ticket = make_ticket(client_a)
    services.assign(actor=agent, ticket=ticket, assignees=[agent])
    services.change_status(actor=agent, ticket=ticket, status=ref.status["resolu"])
    with commit():
        services.reopen(actor=client_a, ticket=Ticket.objects.get(pk=ticket.pk))
    [text] = texts(http_sink)
    assert "*Chloé Alpha* has transitioned" in text
    assert "from Resolved to" in text and text.endswith("Alan Agent")


def test_events_not_ticked_are_not_posted(hook, http_sink, make_ticket, client_a, agent, commit):
    ticket = make_ticket(client_a)
    with commit():
        services.reply(actor=agent, ticket=ticket, body="Hello")
        services.reply(actor=agent, ticket=ticket, body="Secret", internal=True)
    assert http_sink.requests == []


def test_a_failing_chat_tool_is_retried_and_never_blocks_the_change(
    hook, http_sink, make_ticket, client_a, commit
):
    http_sink.status = 503
    with commit():
        ticket = make_ticket(client_a)  # the ticket is filed all the same
    post = WebhookPost.objects.get()
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert post.status == "retrying" and post.response_code == 503 and "503" in post.last_error
    http_sink.status = 200
    WebhookPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now())
    with commit():
        delivery.queue_due()
    post.refresh_from_db()
    assert post.status == "sent" and post.attempts == 2 and len(http_sink.requests) == 2


def test_a_gone_webhook_fails_at_once(hook, http_sink, make_ticket, client_a, commit):
    http_sink.status = 404
    with commit():
        make_ticket(client_a)
    assert WebhookPost.objects.get().status == "failed"


def test_an_unreachable_webhook_keeps_its_url_out_of_the_error(hook, make_ticket, client_a, commit):
    hook.url = f"http://127.0.0.1:{free_port()}/services/T000/B000/secret-token"
    hook.save()
    with commit():
        make_ticket(client_a)
    post = WebhookPost.objects.get()
    assert post.status == "retrying" and "secret-token" not in post.last_error


def test_a_notification_job_run_twice_posts_once(hook, http_sink, make_ticket, client_a, commit):
    with commit():
        make_ticket(client_a)
    job = NotificationJob.objects.get(name="ticket_created")
    with commit():
        jobs.run_job(job.pk)
    assert len(http_sink.requests) == 1


def test_a_job_the_broker_lost_is_picked_up_by_the_periodic_job(
    hook, http_sink, make_ticket, client_a, commit
):
    # No commit callbacks run: the job is written with the event, its task never queued.
    ticket = make_ticket(client_a)
    job = NotificationJob.objects.get(name="ticket_created")
    assert (job.ticket_id, job.event_id) == (ticket.pk, ticket.events.get(kind="created").pk)
    assert http_sink.requests == []
    with commit():
        assert jobs.queue_lost_jobs() == 0  # not yet: its task may still be on its way
    NotificationJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    with commit():
        assert jobs.queue_lost_jobs() == 1
    assert len(http_sink.requests) == 1
    assert NotificationJob.objects.get().done_at is not None


def test_a_ticket_creation_rolled_back_leaves_no_job_and_posts_nothing(
    hook, http_sink, make_ticket, client_a, commit
):
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(client_a)
        raise RuntimeError("the request failed after the ticket was written")
    assert not NotificationJob.objects.exists()
    assert http_sink.requests == []


def test_a_test_post_can_be_sent(hook, http_sink, commit):
    from notifications import webhooks

    with commit():
        webhooks.send_test(hook)
    assert "helpdesk" in texts(http_sink)[0].lower()
