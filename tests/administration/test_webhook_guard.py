"""Webhooks cannot reach the helpdesk's own network: an internal address is refused when the
admin saves it (the form says why and keeps what was typed) and again at each post ("Send a
test" and ticket events), where the post fails at once with the reason and nothing is sent;
a redirect is never followed."""

import pytest
from django.urls import reverse

from administration.forms import REFUSED_ADDRESS
from core import net
from notifications.models import ChatWebhook, DeliveryStatus, WebhookPost
from tests.tickets.conftest import _english  # noqa: F401

INTERNAL = [
    "127.0.0.1",
    "0.0.0.0",  # noqa: S104
    "[::1]",
    "[::ffff:127.0.0.1]",
    "169.254.169.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "[fd00::1]",
    "localhost",
    "intranet.example.test",  # resolves to 127.0.0.1 (the dns fixture)
]


@pytest.fixture
def target(trap, dns):
    """A listening socket on 127.0.0.1 that no test here may reach."""
    dns["intranet.example.test"] = ["127.0.0.1"]
    return trap()


def data(url, name="Équipe N1"):
    return {"name": name, "url": url, "events": ["ticket_created"], "language": "en"}


@pytest.mark.parametrize("host", INTERNAL)
def test_an_internal_webhook_address_is_refused_on_save_and_kept_in_the_form(
    login, admin, host, target, connect_attempts
):
    url = f"http://{host}:{target.port}/services/hook"
    response = login(admin).post(reverse("administration:webhook-new"), data(url))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_url_error"' in page and str(REFUSED_ADDRESS) in page
    assert 'value="Équipe N1"' in page and f'value="{url}"' in page
    assert not ChatWebhook.objects.exists()
    assert [a for a in connect_attempts if a[1] == target.port] == []


@pytest.mark.parametrize("host", INTERNAL)
def test_a_test_post_to_an_internal_address_fails_at_once_and_sends_nothing(
    login, admin, host, target, commit, connect_attempts
):
    # Saved before the guard existed, or by a script: the post is checked all the same.
    hook = ChatWebhook.objects.create(
        name="Old", url=f"http://{host}:{target.port}/services/hook", events=["ticket_created"]
    )
    client = login(admin)
    with commit():
        client.post(reverse("administration:webhook-test", args=[hook.pk]))
    post = WebhookPost.objects.get()
    assert (post.status, post.attempts) == (DeliveryStatus.FAILED, 1)
    assert post.last_error == str(net.RefusedAddress.message)
    assert post.last_error in client.get(reverse("administration:webhook-list")).content.decode()
    assert [a for a in connect_attempts if a[1] == target.port] == []
    assert not target.connected()


def test_a_name_that_moved_to_an_internal_address_is_refused_at_send_time(
    login, admin, dns, target, commit
):
    dns["hooks.chat.test"] = ["93.184.216.34"]  # public when saved
    url = f"http://hooks.chat.test:{target.port}/services/T0/B0/x"
    client = login(admin)
    assert client.post(reverse("administration:webhook-new"), data(url)).status_code == 302
    hook = ChatWebhook.objects.get()
    assert hook.url == url
    dns["hooks.chat.test"] = ["127.0.0.1"]  # then rebound to the machine itself
    with commit():
        client.post(reverse("administration:webhook-test", args=[hook.pk]))
    post = WebhookPost.objects.get()
    assert post.status == DeliveryStatus.FAILED
    assert post.last_error == str(net.RefusedAddress.message)
    assert not target.connected()


def test_a_public_webhook_address_is_saved(login, admin, dns):
    dns["hooks.slack.test"] = ["93.184.216.34"]
    url = "https://hooks.slack.test/services/T0/B0/abc"
    response = login(admin).post(reverse("administration:webhook-new"), data(url))
    assert response.status_code == 302 and ChatWebhook.objects.get().url == url


def test_a_webhook_answering_with_a_redirect_fails_without_following_it(
    login, admin, settings, redirecting_server, trap, commit
):
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]  # the chat tool, allowed by name
    elsewhere = trap("127.0.0.2")
    redirecting_server.location = f"http://127.0.0.2:{elsewhere.port}/latest/meta-data/"
    port = redirecting_server.server_address[1]
    hook = ChatWebhook.objects.create(
        name="Moved", url=f"http://127.0.0.1:{port}/hook", events=["ticket_created"]
    )
    with commit():
        login(admin).post(reverse("administration:webhook-test", args=[hook.pk]))
    post = WebhookPost.objects.get()
    assert post.status == DeliveryStatus.FAILED and post.attempts == 1
    assert post.last_error == str(net.Redirected.message)
    assert not elsewhere.connected()
