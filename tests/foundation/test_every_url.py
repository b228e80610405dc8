"""Pages no other test requested (tests/foundation/test_guards.py lists them when one is
added without a test): who gets what, and what the person sees or changes."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.tickets.conftest import ensure_reference_data

# (URL name, method) -> status per visitor; "anonymous" is not logged in.
MATRIX = {
    ("ping", "get"): {"anonymous": 200, "client_a": 200},
    # Browsers post violation reports with or without a session (tests/foundation/
    # test_security_headers.py posts real ones; an empty form post is not a report).
    ("csp-report", "get"): {"anonymous": 405, "client_a": 405, "agent": 405},
    ("csp-report", "post"): {"anonymous": 415, "client_a": 415, "agent": 415},
    ("accounts:profile-totp", "get"): {"anonymous": 302, "client_a": 200, "agent": 200},
    ("accounts:profile-totp-start", "post"): {"anonymous": 302, "client_a": 302, "agent": 302},
    ("accounts:profile-totp-start", "get"): {"client_a": 405},
    ("accounts:profile-totp-remove", "post"): {"anonymous": 302, "client_a": 302, "agent": 302},
    ("accounts:profile-recovery-codes", "post"): {"anonymous": 302, "client_a": 200},
    ("tickets:more-filters", "get"): {"anonymous": 302, "client_a": 200, "agent": 200},
    # The queue's row density, for oneself (tests/tickets/test_queue.py: what it changes).
    ("tickets:queue-density", "post"): {"anonymous": 302, "client_a": 302, "agent": 302},
    ("tickets:queue-density", "get"): {"client_a": 405, "agent": 405},
}
CASES = [
    (name, method, who, status)
    for (name, method), row in MATRIX.items()
    for who, status in row.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "who", "status"), CASES)
def test_who_may_open_the_page(name, method, who, status, request, client, login):
    if who != "anonymous":
        client = login(request.getfixturevalue(who))
    response = getattr(client, method)(reverse(name))
    assert response.status_code == status
    if who == "anonymous" and status == 302:
        assert response["Location"].startswith(f"{reverse('account_login')}?next=")


@pytest.mark.django_db
def test_ping_answers_pong_to_anyone(client):
    response = client.get("/ping")
    assert response.content == b"pong"
    assert response["Content-Type"].startswith("text/plain")


def test_a_person_sets_up_an_authenticator_app_with_the_code_it_shows(login, client_a):
    client = login(client_a)
    page = client.get(reverse("accounts:profile-totp")).content.decode()
    assert f'action="{reverse("accounts:profile-totp-start")}"' in page  # a "Set up" button
    assert "data:image/svg+xml;base64," not in page
    assert not TOTPDevice.objects.filter(user=client_a).exists()  # opening it makes nothing

    started = client.post(reverse("accounts:profile-totp-start"))
    assert started["Location"] == reverse("accounts:profile-totp")
    page = client.get(reverse("accounts:profile-totp")).content.decode()
    assert "data:image/svg+xml;base64," in page  # the QR code, inline, no third party
    device = TOTPDevice.objects.get(user=client_a, confirmed=False)
    assert re.search(r"[A-Z2-7]{16,}", page)  # the secret, for typing it in by hand
    again = client.get(reverse("accounts:profile-totp")).content.decode()
    assert base64.b32encode(device.bin_key).decode() in again  # the same key, until confirmed

    wrong = client.post(reverse("accounts:profile-totp"), {"code": "000000"})
    assert wrong.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code

    right = client.post(reverse("accounts:profile-totp"), {"code": f"{totp(device.bin_key):06d}"})
    assert right.status_code == 302
    assert right["Location"] == reverse("accounts:profile")
    device.refresh_from_db()
    assert device.confirmed


def test_removing_the_authenticator_app_removes_only_ones_own(login, client_a, agent):
    TOTPDevice.objects.create(user=client_a, name="app", confirmed=True)
    TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    client = login(client_a)
    assert client.get(reverse("accounts:profile-totp-remove")).status_code == 405
    assert TOTPDevice.objects.filter(user=client_a).exists()

    response = client.post(reverse("accounts:profile-totp-remove"))
    assert response["Location"] == reverse("accounts:profile")
    assert not TOTPDevice.objects.filter(user=client_a).exists()
    assert TOTPDevice.objects.filter(user=agent).exists()


def test_new_recovery_codes_are_shown_once_and_replace_the_old_ones(login, client_a):
    client = login(client_a)
    assert client.get(reverse("accounts:profile-recovery-codes")).status_code == 405

    first = client.post(reverse("accounts:profile-recovery-codes")).content.decode()
    old = {token.token for token in StaticDevice.objects.get(user=client_a).token_set.all()}
    assert len(old) == 10
    assert all(code in first for code in old)

    client.post(reverse("accounts:profile-recovery-codes"))
    new = {token.token for token in StaticDevice.objects.get(user=client_a).token_set.all()}
    assert len(new) == 10
    assert not old & new


def test_the_queue_loads_its_secondary_filters_keeping_the_chosen_values(login, agent):
    ensure_reference_data()
    response = login(agent).get(reverse("tickets:more-filters"), {"channel": "email"})
    page = response.content.decode()
    for field in ("channel", "component", "support_level", "created_after", "overdue"):
        assert f'name="{field}"' in page
    # The main filters stay in the bar above: not repeated here.
    for field in ("q", "status", "type", "assignee", "organization"):
        assert f'name="{field}"' not in page
    assert re.search(r'name="channel" value="email"[^>]* checked', page)
    # Equipment and project (set from their own pages) ride along hidden, with no empty label.
    assert re.search(r'<input type="hidden" name="asset"', page)
    assert 'for="id_asset"' not in page and 'for="id_project"' not in page
    # The panel's labels read like its groups' legends: no colon after them.
    assert re.search(r'<label class="form-label" for="id_sales_rep">[^<:]+</label>', page)
