"""Login with email + password, then the 6-digit code emailed at each new session."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice

from accounts.demo import seed_accounts

PASSWORD = "correct horse battery"


def password_login(client, user, password=PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def last_code():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.mark.django_db
def test_after_the_password_a_code_is_emailed_and_opens_the_dashboard(client, client_a):
    password_login(client, client_a)
    assert len(mail.outbox) == 1  # sent by the login POST itself
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/")

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert len(mail.outbox) == 1  # opening the code page sends nothing
    message = mail.outbox[0]
    assert message.to == [client_a.email]
    code = last_code()
    assert code not in message.subject  # subjects show in mail lists and in the outbox log
    assert code in message.alternatives[0][0]  # the HTML part carries it too

    done = client.post("/accounts/2fa/?next=/", {"code": code, "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_with_a_message_and_nothing_opens(client, client_a):
    password_login(client, client_a)
    response = client.post("/accounts/2fa/", {"code": "000000"})
    assert response.status_code == 200
    assert "pas le bon" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_a_code_works_once(client, client_a):
    password_login(client, client_a)
    code = last_code()
    client.post("/accounts/2fa/", {"code": code})
    assert client.get("/").status_code == 200

    other = Client()
    password_login(other, client_a)  # a new session has a new code; the old one is void
    assert len(mail.outbox) == 2
    response = other.post("/accounts/2fa/", {"code": code})
    assert "pas le bon" in response.content.decode()


@pytest.mark.django_db
def test_an_expired_code_is_refused(client, client_a):
    password_login(client, client_a)
    code = last_code()
    EmailDevice.objects.filter(user=client_a).update(
        valid_until=timezone.now() - timedelta(seconds=1)
    )
    response = client.post("/accounts/2fa/", {"code": code})
    assert "Ce code a expiré" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_each_new_session_asks_for_a_new_code(client_a):
    first, second = Client(), Client()
    password_login(first, client_a)
    first.post("/accounts/2fa/", {"code": last_code()})
    assert first.get("/").status_code == 200

    password_login(second, client_a)
    assert second.get("/").status_code == 302


@pytest.mark.django_db
def test_demo_accounts_are_not_asked_for_a_code(client):
    seed_accounts()
    response = client.post("/accounts/login/", {"login": "agent@demo.test", "password": "demo"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert mail.outbox == []


@pytest.mark.django_db
def test_two_factor_can_be_limited_to_some_roles(client, settings, client_a, agent):
    settings.HELPDESK_2FA_REQUIRED_ROLES = ["admin", "agent"]
    password_login(client, client_a)
    assert client.get("/").status_code == 200
    staff = Client()
    password_login(staff, agent)
    assert staff.get("/").status_code == 302


@pytest.mark.django_db
def test_unknown_email_and_wrong_password_get_the_same_message(client, client_a):
    unknown = client.post("/accounts/login/", {"login": "nobody@alpha.test", "password": "x" * 12})
    wrong = client.post("/accounts/login/", {"login": client_a.email, "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 200
    errors = [r.context["form"].non_field_errors() for r in (unknown, wrong)]
    assert errors[0] == errors[1]
    assert errors[0]


@pytest.mark.django_db
def test_password_reset_does_not_reveal_whether_an_account_exists(client, client_a):
    known = client.post("/accounts/password/reset/", {"email": client_a.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@alpha.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.django_db
def test_an_authenticator_app_code_is_accepted_instead_of_the_email_code(login, client, client_a):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=client_a, name="app", confirmed=True)
    fresh = Client()
    password_login(fresh, client_a)
    code = f"{totp(device.bin_key):06d}"
    fresh.post("/accounts/2fa/", {"code": code})
    assert fresh.get("/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, client_a):
    from accounts import twofactor

    codes = twofactor.new_recovery_codes(client_a)
    first = Client()
    password_login(first, client_a)
    first.post("/accounts/2fa/", {"code": codes[0]})
    assert first.get("/").status_code == 200
    second = Client()
    password_login(second, client_a)
    response = second.post("/accounts/2fa/", {"code": codes[0]})
    assert "pas le bon" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client, client_a):
    for _ in range(5):
        client.post("/accounts/login/", {"login": client_a.email, "password": "wrong password 1"})
    blocked = client.post("/accounts/login/", {"login": client_a.email, "password": PASSWORD})
    assert blocked.status_code in (200, 429)
    # Not logged in, even with the right password: sent to the login page, not the code page.
    assert client.get("/")["Location"].startswith("/accounts/login/")
