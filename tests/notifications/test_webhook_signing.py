"""Signed, replayable webhook posts: each post carries a delivery id and an HMAC signature a
receiver can check; an admin replays a logged post (same delivery id); the log keeps 30 days."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services as delivery
from notifications import signing
from notifications.models import ChatWebhook, WebhookPost

pytestmark = pytest.mark.usefixtures("allow_local_servers")


@pytest.fixture
def hook(http_sink, db):
    return ChatWebhook.objects.create(
        name="ERP", url=http_sink.url, events=[ChatWebhook.Event.CREATED], language="en"
    )


def test_every_post_is_signed_with_the_webhooks_secret(
    hook, http_sink, make_ticket, client_a, commit
):
    assert len(hook.secret) == 64
    with commit():
        make_ticket(client_a)
    [request] = http_sink.requests
    headers = request["headers"]
    post = WebhookPost.objects.get()
    assert headers["X-Helpdesk-Delivery"] == str(post.delivery_id)
    assert headers["X-Helpdesk-Event"] == "ticket_created"
    assert signing.verify(hook.secret, headers, request["body"])
    assert not signing.verify("another secret", headers, request["body"])
    assert not signing.verify(hook.secret, headers, request["body"] + b" ")
    old = float(headers["X-Helpdesk-Timestamp"]) + signing.TOLERANCE_SECONDS + 1
    assert not signing.verify(hook.secret, headers, request["body"], now=old)


def test_two_webhooks_have_different_secrets(hook):
    other = ChatWebhook.objects.create(name="Other", url=hook.url, events=[])
    assert other.secret != hook.secret


def test_an_admin_replays_a_sent_post_with_the_same_delivery_id(
    hook, http_sink, make_ticket, client_a, admin, agent, login, commit
):
    with commit():
        make_ticket(client_a)
    post = WebhookPost.objects.get()
    page = login(admin).get(reverse("administration:webhook-list")).content.decode()
    assert reverse("administration:post-replay", args=[post.pk]) in page
    with commit():
        response = login(admin).post(reverse("administration:post-replay", args=[post.pk]))
    assert response.status_code == 302
    assert len(http_sink.requests) == 2
    first, again = (r["headers"]["X-Helpdesk-Delivery"] for r in http_sink.requests)
    assert first == again == str(post.delivery_id)
    post.refresh_from_db()
    assert post.status == "sent"
    # Anyone else: the page does not exist.
    assert (
        login(agent).post(reverse("administration:post-replay", args=[post.pk])).status_code == 404
    )
    assert login(admin).post(reverse("administration:post-replay", args=[99999])).status_code == 404


def test_a_post_still_on_its_way_is_not_replayed(hook, admin):
    post = WebhookPost.objects.create(webhook=hook, event_name="test", payload={"text": "x"})
    with pytest.raises(delivery.NotWaiting):
        delivery.replay_post(actor=admin, post=post)


def test_the_delivery_log_keeps_thirty_days(hook):
    now = timezone.now()
    old = WebhookPost.objects.create(
        webhook=hook, event_name="test", status="sent", created_at=now - dt.timedelta(days=31)
    )
    recent = WebhookPost.objects.create(
        webhook=hook, event_name="test", status="sent", created_at=now - dt.timedelta(days=29)
    )
    waiting = WebhookPost.objects.create(
        webhook=hook, event_name="test", status="retrying", created_at=now - dt.timedelta(days=40)
    )
    assert delivery.purge_old(now=now) == 1
    assert set(WebhookPost.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not WebhookPost.objects.filter(pk=old.pk).exists()


def test_the_webhook_page_shows_its_signing_secret_to_admins(hook, admin, login):
    page = login(admin).get(reverse("administration:webhook-edit", args=[hook.pk])).content.decode()
    assert hook.secret in page and "X-Helpdesk-Signature" in page
