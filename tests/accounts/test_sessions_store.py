"""Sessions are Django's database sessions, read by a statement kept per process
(core/sessions.py)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_live_session_is_read_and_an_expired_one_logs_out(login, agent):
    client = login(agent)
    assert client.get(reverse("tickets:list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_session_key_is_a_visitor(client, agent):
    client.cookies["sessionid"] = "x" * 32
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
