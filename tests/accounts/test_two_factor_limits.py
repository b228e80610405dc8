"""The emailed code resists guessing: tries and codes are limited per account and per address
over a window, whatever the session; a code works only in the session that asked for it; the
session gets a new key once the code is accepted; the code never shows in the outbox."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_email.models import EmailDevice

from notifications.models import OutgoingEmail
from tests import factories
from tests.conftest import verified_login

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """The people of these tests prefer English: a logged-in person's pages, the code page
    included, are in their profile's language."""
    monkeypatch.setitem(factories.LANGUAGE, "default", "en")


def browser(user=None):
    """A fresh browser, in English (the messages checked here), logged in with the password
    when user is given (which emails the first code)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return client


def codes_sent_to(user):
    return [re.search(r"\b(\d{6})\b", m.body).group(1) for m in mail.outbox if m.to == [user.email]]


def try_code(client, code):
    return client.post("/accounts/2fa/", {"code": code})


def is_verified(client):
    return client.get("/").status_code == 200


@pytest.fixture
def time_passes(monkeypatch):
    """time_passes(seconds): the cache's clock and the code device's timestamps move on."""
    offset = 0.0
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + offset)

    def _pass(seconds):
        nonlocal offset
        offset += seconds
        delta = timedelta(seconds=seconds)
        EmailDevice.objects.update(
            valid_until=F("valid_until") - delta,
            throttling_failure_timestamp=F("throttling_failure_timestamp") - delta,
            last_generated_timestamp=F("last_generated_timestamp") - delta,
        )

    return _pass


@pytest.mark.django_db
def test_wrong_codes_from_many_fresh_sessions_lock_the_account_even_for_the_right_code(
    client_a, time_passes
):
    legit = browser(client_a)
    right = codes_sent_to(client_a)[-1]
    limit = settings.HELPDESK_2FA_MAX_ATTEMPTS
    for attempt in range(1, 7):  # six fresh logins, each with its own session and one guess
        attacker = browser(client_a)
        time_passes(9)  # waits out django-otp's growing delay after a wrong code
        page = try_code(attacker, "000000").content.decode()
        if attempt < limit:
            assert "This code is not right" in page
        else:
            assert "Too many wrong codes for this account" in page
        assert not is_verified(attacker)
    assert codes_sent_to(client_a) == [right]  # all within the cooldown: no new code

    refused = try_code(legit, right).content.decode()
    assert "Too many wrong codes for this account" in refused
    assert re.search(r"no code is accepted for \d+ minutes", refused)
    assert not is_verified(legit)

    time_passes(settings.HELPDESK_2FA_WINDOW_SECONDS)  # the window ends
    assert "not right" in try_code(legit, right).content.decode()  # the locked-out code is void
    time_passes(61)
    legit.post("/accounts/2fa/resend/")
    try_code(legit, codes_sent_to(client_a)[-1])
    assert is_verified(legit)


@pytest.mark.django_db
def test_another_code_right_after_wrong_ones_is_told_to_wait(client_a, time_passes):
    client = browser(client_a)
    for _ in range(3):
        time_passes(5)
        try_code(client, "000000")
    # The third wrong code asks for 4 seconds before the next one, the right one included.
    page = try_code(client, codes_sent_to(client_a)[-1]).content.decode()
    assert re.search(r"Wait \d+ seconds? before trying another code", page)
    assert not is_verified(client)


@pytest.mark.django_db
def test_a_code_asked_for_in_one_session_is_refused_in_another(client_a, time_passes):
    first = browser(client_a)
    code = codes_sent_to(client_a)[-1]
    second = browser(client_a)  # within the cooldown: no new code, the first one still stands
    assert codes_sent_to(client_a) == [code]
    assert "not right" in try_code(second, code).content.decode()
    assert not is_verified(second)

    time_passes(5)
    try_code(first, code)
    assert is_verified(first)


@pytest.mark.django_db
def test_the_session_key_changes_when_the_code_is_accepted(client_a):
    client = browser(client_a)
    before = client.session.session_key
    try_code(client, codes_sent_to(client_a)[-1])
    assert is_verified(client)
    assert client.session.session_key != before
    # The key from before the code opens nothing.
    old = Client()
    old.cookies[settings.SESSION_COOKIE_NAME] = before
    assert old.get("/").status_code == 302


@pytest.mark.django_db
def test_a_new_code_too_soon_is_refused_with_the_time_to_wait(client_a, time_passes):
    client = browser(client_a)
    response = client.post("/accounts/2fa/resend/", follow=True)
    page = response.content.decode()
    assert re.search(r"you can ask for one in \d+ seconds", page)
    assert len(codes_sent_to(client_a)) == 1

    time_passes(61)
    page = client.post("/accounts/2fa/resend/", follow=True).content.decode()
    assert "A new code is on its way" in page
    assert len(codes_sent_to(client_a)) == 2


@pytest.mark.django_db
def test_codes_emailed_per_account_are_limited_over_the_window(client_a, time_passes):
    browser(client_a)
    for _ in range(settings.HELPDESK_2FA_MAX_CODES - 1):
        time_passes(61)
        browser(client_a)
    assert len(codes_sent_to(client_a)) == settings.HELPDESK_2FA_MAX_CODES

    time_passes(61)
    late = browser(client_a)
    page = late.get("/accounts/2fa/").content.decode()
    assert re.search(r"you can ask for one in \d+ minutes", page)
    assert len(codes_sent_to(client_a)) == settings.HELPDESK_2FA_MAX_CODES

    time_passes(settings.HELPDESK_2FA_WINDOW_SECONDS)
    late.post("/accounts/2fa/resend/")
    assert len(codes_sent_to(client_a)) == settings.HELPDESK_2FA_MAX_CODES + 1


@pytest.mark.django_db
def test_wrong_codes_from_one_address_are_limited_across_accounts(
    settings, client_a, client_b, time_passes
):
    settings.HELPDESK_2FA_MAX_ATTEMPTS_PER_IP = 3
    first, second = browser(client_a), browser(client_b)
    for client in (first, second, first):
        time_passes(20)
        try_code(client, "000000")
    time_passes(20)
    page = try_code(second, codes_sent_to(client_b)[-1]).content.decode()
    assert "Too many wrong codes" in page
    assert not is_verified(second)


@pytest.mark.django_db
def test_opening_the_code_page_sends_nothing_and_offers_a_button(client_a):
    client = browser()
    client.force_login(client_a)  # a session that never asked for a code
    page = client.get("/accounts/2fa/").content.decode()
    assert mail.outbox == []
    assert f'action="{reverse("accounts:2fa-resend")}"' in page
    assert "Send me a code" in page

    client.post(reverse("accounts:2fa-resend"))
    try_code(client, codes_sent_to(client_a)[-1])
    assert is_verified(client)


@pytest.mark.django_db
def test_the_code_shows_nowhere_in_the_outbox(client_a, admin):
    browser(client_a)
    code = codes_sent_to(client_a)[-1]
    row = OutgoingEmail.objects.get(recipients=client_a.email)
    assert code not in row.subject

    staff = verified_login(browser(), admin)
    listing = staff.get(reverse("administration:outbox"))
    detail = staff.get(reverse("administration:outbox-detail", args=[row.pk]))
    for response in (listing, detail):
        assert response.status_code == 200
        page = response.content.decode()
        assert code not in page
        assert "Your login code" not in page  # the subject is not shown either
        assert "Account email (subject and content not shown)" in page
    assert client_a.email in listing.content.decode()  # listed, with its recipient
    assert staff.get(reverse("administration:outbox-raw", args=[row.pk])).status_code == 404
    # Searching the log by the code or the subject finds nothing: it is found by recipient only.
    for q in (code, "login code"):
        found = staff.get(reverse("administration:outbox"), {"q": q}).content.decode()
        assert "No email matches these filters." in found
    found = staff.get(reverse("administration:outbox"), {"q": "client@alpha"}).content.decode()
    assert "No email matches these filters." not in found
