"""The device a session says the person passed the second factor with is read on every page
(accounts.middleware.OTPMiddleware): only the person's own confirmed device counts."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice

from tests.conftest import verified_login

pytestmark = pytest.mark.django_db


def session_naming(client, persistent_id):
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    return client


def test_the_persons_confirmed_device_passes(agent):
    client = verified_login(Client(), agent)
    assert client.get(reverse("tickets:list")).status_code == 200


@pytest.mark.parametrize(
    "forged",
    [
        "otp_email.emaildevice/999999",
        "otp_email.emaildevice/99999999999999999999999",
        "otp_email.emaildevice/abc",
        "accounts.user/1",
        "nowhere.nothing/1",
        "otp_email.emaildevice",
        "otp_email.emaildevice/1\x00",
    ],
)
def test_a_session_naming_no_device_of_theirs_is_sent_to_the_code_page(agent, forged):
    client = verified_login(Client(), agent)
    response = session_naming(client, forged).get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa"))


def test_another_persons_or_an_unconfirmed_device_does_not_pass(agent, agent_l2):
    theirs = verified_login(Client(), agent_l2)
    their_device = EmailDevice.objects.get(user=agent_l2)
    client = verified_login(Client(), agent)
    response = session_naming(client, their_device.persistent_id).get(reverse("tickets:list"))
    assert response["Location"].startswith(reverse("accounts:2fa"))

    client = verified_login(Client(), agent)
    EmailDevice.objects.filter(user=agent).update(confirmed=False)
    assert client.get(reverse("tickets:list"))["Location"].startswith(reverse("accounts:2fa"))
    assert theirs.get(reverse("tickets:list")).status_code == 200
