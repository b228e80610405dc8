"""Links in every email are absolute, built from HELPDESK_BASE_URL (a mail client has no site
to resolve a relative link against): ticket emails, account emails, chat posts."""

import re

import pytest
from django.core import mail

from accounts import services as account_services
from notifications.models import ChatWebhook, WebhookPost
from tickets import services

from .conftest import sent_to

BASE = "https://support.example.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HELPDESK_BASE_URL = BASE + "/"


def links(message) -> list[str]:
    return re.findall(r'href="([^"]+)"', message.alternatives[0][0])


def test_ticket_emails_link_to_the_ticket_and_the_profile_with_absolute_addresses(
    make_ticket, client_a, agent, commit
):
    with commit():
        ticket = make_ticket(client_a)
    services.assign(actor=agent, ticket=ticket, assignees=[agent])
    mail.outbox.clear()
    with commit():
        services.reply(actor=client_a, ticket=ticket, body="Still broken.")
    ticket_url = f"{BASE}/tickets/{ticket.number}/"
    [to_agent] = sent_to(agent.email)
    assert ticket_url in to_agent.body and f"{BASE}/profile/#notifications" in to_agent.body
    assert links(to_agent) == [ticket_url, f"{BASE}/profile/#notifications"]


def test_account_emails_link_with_absolute_addresses(
    admin, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.create_user(
            actor=admin,
            email="nina@alpha.test",
            role_codes=["client_user"],
            organization=org_a,
            first_name="Nina",
        )
    [invitation] = mail.outbox
    [link] = links(invitation)
    assert link.startswith(f"{BASE}/accounts/password/reset/key/")
    assert link in invitation.body


def test_chat_posts_link_to_the_ticket_with_an_absolute_address(
    make_ticket, client_a, commit, http_sink
):
    ChatWebhook.objects.create(name="Support", url=http_sink.url, events=["ticket_created"])
    with commit():
        ticket = make_ticket(client_a)
    text = WebhookPost.objects.get().payload["text"]
    assert f"<{BASE}/tickets/{ticket.number}/|#{ticket.number} " in text
