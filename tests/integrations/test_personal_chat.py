"""Personal chat notifications (seed 001): each person adds their own Slack-compatible webhook
on their profile and picks the events of their tickets; posts go through the outbox, only for
tickets they see, never for internal notes, never for their own changes."""

import pytest
from django.urls import reverse

from notifications.models import ChatWebhook, WebhookPost
from tickets import services as ticket_services

from .conftest import PERSONAS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_local_servers")]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def personal(user, url, events):
    return ChatWebhook.objects.create(owner=user, name=user.email, url=url, events=events)


@pytest.mark.parametrize("who", PERSONAS)
def test_every_role_sets_their_own_chat_webhook_on_the_profile(who, request, login, http_sink):
    user = request.getfixturevalue(who)
    client = login(user)
    assert client.get(reverse("integrations:personal-webhook")).status_code == 200
    response = client.post(
        reverse("integrations:personal-webhook"),
        {"url": http_sink.url, "events": ["ticket_replied"], "is_active": "on"},
    )
    assert response.status_code == 200
    webhook = ChatWebhook.objects.get(owner=user)
    assert webhook.events == ["ticket_replied"] and webhook.url == http_sink.url
    page = client.get(reverse("integrations:personal-webhook")).content.decode()
    assert http_sink.url not in page  # write-only: shown masked
    # Changing the events keeps the address when none is typed.
    client.post(reverse("integrations:personal-webhook"), {"url": "", "events": ["ticket_created"]})
    webhook.refresh_from_db()
    assert webhook.url == http_sink.url and webhook.events == ["ticket_created"]
    assert not webhook.is_active
    assert client.post(reverse("integrations:personal-webhook-delete")).status_code == 302
    assert not ChatWebhook.objects.filter(owner=user).exists()
    assert client.post(reverse("integrations:personal-webhook-delete")).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get(reverse("integrations:personal-webhook")).status_code == 302
    assert client.post(reverse("integrations:personal-webhook-delete")).status_code == 302


def test_an_internal_address_is_refused_and_what_was_typed_kept(login, client_a, settings):
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = []
    client = login(client_a)
    response = client.post(
        reverse("integrations:personal-webhook"),
        {"url": "http://169.254.169.254/latest", "events": ["ticket_replied"]},
    )
    page = response.content.decode()
    assert "réseau interne" in page and "169.254.169.254" in page
    for data in ({"url": "ftp://x.test/", "events": ["ticket_replied"]}, {"url": "a\x00b"}):
        assert client.post(reverse("integrations:personal-webhook"), data).status_code == 200
    assert not ChatWebhook.objects.exists()


def test_my_tickets_changes_reach_my_chat_not_notes_nor_my_own_changes(
    http_sink, make_ticket, client_a, agent, ref, commit
):
    personal(client_a, http_sink.url, ["ticket_replied", "ticket_status_changed"])
    ticket = make_ticket(client_a)
    with commit():
        ticket_services.reply(actor=agent, ticket=ticket, body="Bonjour")
        ticket_services.reply(actor=agent, ticket=ticket, body="Secret note", internal=True)
        ticket_services.change_status(actor=agent, ticket=ticket, status=ref.status["en-cours"])
    texts = [r["json"]["text"] for r in http_sink.requests]
    assert len(texts) == 2
    assert all(f"#{ticket.number}" in text for text in texts)
    assert not any("Secret" in text for text in texts)
    assert all("X-Helpdesk-Signature" in r["headers"] for r in http_sink.requests)
    http_sink.requests.clear()
    with commit():
        ticket_services.reply(actor=client_a, ticket=ticket, body="Merci")  # my own change
    assert http_sink.requests == []


def test_nobody_hears_about_a_ticket_they_do_not_see_or_do_not_take_part_in(
    http_sink, make_ticket, client_a, client_b, agent, commit
):
    personal(client_b, http_sink.url, ["ticket_replied"])
    personal(agent, http_sink.url, ["ticket_replied"])
    ticket = make_ticket(client_a)
    ticket.followers.add(client_b)  # forged: B may not see A's ticket
    with commit():
        ticket_services.reply(actor=client_a, ticket=ticket, body="Hello")
    assert http_sink.requests == []  # the agent is not assigned, B does not see it
    assert not WebhookPost.objects.exists()


def test_personal_webhooks_are_not_on_the_teams_webhook_page(login, admin, client_a, http_sink):
    personal(client_a, http_sink.url, ["ticket_replied"])
    page = login(admin).get(reverse("administration:webhook-list")).content.decode()
    assert client_a.email not in page
