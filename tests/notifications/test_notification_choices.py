"""The profile's email-notification choices: which ticket emails each role is offered, and
turning some off, with the rest of the profile kept as typed."""

import re

from django.urls import reverse

from accounts.models import Notice
from tests.tickets.conftest import _english  # noqa: F401


def ticked(page: str) -> set[str]:
    """The email notices ticked on a profile page."""
    boxes = re.findall(r'<input type="checkbox" name="email_notices"[^>]*>', page)
    assert boxes, "no notification checkbox on the page"
    return {re.search(r'value="(\w+)"', box).group(1) for box in boxes if " checked" in box}


def profile_data(user, **changes):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "job_title": user.job_title,
        "language": user.language,
    }
    data.update(changes)
    return data


def test_client_turns_off_status_change_emails_and_saves_the_profile(login, client_a):
    client = login(client_a)
    page = client.get(reverse("accounts:profile")).content.decode()
    offered = [Notice.CREATED, Notice.REPLY, Notice.STATUS, Notice.AUTO_CLOSE]
    for code in offered:
        assert f'value="{code}"' in page
    assert 'value="note"' not in page and 'value="assigned"' not in page
    assert str(Notice.STATUS.label) in page
    data = profile_data(
        client_a,
        first_name="Chloé-Anne",
        phone="+33 1 23 45 67 89",
        job_title="Comptable",
        language="en",
        email_notices=[Notice.CREATED, Notice.REPLY, Notice.AUTO_CLOSE],
    )
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.muted_notices == ["status"]
    assert (client_a.first_name, client_a.phone, client_a.job_title, client_a.language) == (
        "Chloé-Anne",
        "+33 1 23 45 67 89",
        "Comptable",
        "en",
    )
    assert not client_a.wants_email(Notice.STATUS) and client_a.wants_email(Notice.REPLY)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert ticked(page) == {"created", "reply", "auto_close"}


def test_staff_agent_is_offered_reply_note_status_and_assignment_emails(login, agent):
    page = login(agent).get(reverse("accounts:profile")).content.decode()
    for code in (Notice.REPLY, Notice.NOTE, Notice.STATUS, Notice.ASSIGNED):
        assert f'name="email_notices" value="{code}"' in page
    for code in (Notice.CREATED, Notice.AUTO_CLOSE):
        assert f'name="email_notices" value="{code}"' not in page


def test_dpo_is_told_their_role_gets_no_ticket_emails(login, dpo):
    page = login(dpo).get(reverse("accounts:profile")).content.decode()
    assert "Your role receives no ticket emails" in page
    assert 'name="email_notices"' not in page


def test_profile_with_an_error_keeps_the_names_and_choices_typed(login, client_a):
    client = login(client_a)
    data = profile_data(
        client_a,
        first_name="Chloé-Marie",
        last_name="Alpha-Omega",
        language="klingon",
        email_notices=[Notice.REPLY],
    )
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_language_error"' in page
    assert 'value="Chloé-Marie"' in page and 'value="Alpha-Omega"' in page
    assert ticked(page) == {"reply"}
    client_a.refresh_from_db()
    assert client_a.first_name == "Chloé" and client_a.muted_notices == []
