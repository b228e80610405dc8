"""What people type into a change request cannot break it: a title with a line break still
sends its step emails; text the database cannot store or too long is refused with a message
and kept in the form."""

import pytest
from django.core import mail
from django.urls import reverse

from cdc.models import ChangeRequest
from core.forms import TEXT_MAX

pytestmark = pytest.mark.django_db


def test_a_title_with_a_line_break_sends_the_step_emails(
    build, login, client_admin_a, django_capture_on_commit_callbacks
):
    # Jobs run inline (CELERY_TASK_ALWAYS_EAGER, as without a broker): a step email that
    # failed used to make the submission answer 500.
    cr = build.draft(title="Export\r\nCSV")
    client = login(client_admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cdc:submit", args=[cr.number]))
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["helpdesk@support.test", "infos@support.test", client_admin_a.email]
    )
    for message in mail.outbox:
        assert f"CDC-{cr.number}" in message.subject and "Export CSV" in message.subject
        assert "\n" not in message.subject and "\r" not in message.subject


def _new_request(client_admin_a, **fields):
    return {
        "organization": client_admin_a.organization_id,
        "requester": client_admin_a.pk,
        "kind": "new",
        "title": "Export the invoices",
        "description": "We need a CSV export.",
        **fields,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "x" * (TEXT_MAX + 1), "at most 100000 characters"),
        ("title", "t" * 201, "at most 200 characters"),
        ("description", "A NUL \x00 here", "characters that cannot be saved"),
    ],
)
def test_a_new_request_refuses_bad_text_and_keeps_it(login, client_admin_a, field, value, message):
    client_admin_a.language = "en"  # pages follow the profile's language
    client_admin_a.save(update_fields=["language"])
    client = login(client_admin_a)
    data = _new_request(client_admin_a, **{field: value})
    response = client.post(reverse("cdc:new"), data)
    assert response.status_code in (200, 400)
    assert not ChangeRequest.objects.exists()
    html = response.content.decode()
    assert message in html
    assert value[:1000] in html
