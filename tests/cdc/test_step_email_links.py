"""Step emails link to the change request with an absolute address built from
HELPDESK_BASE_URL: a link in a mail client has no site to be relative to."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail

from cdc import services


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HELPDESK_BASE_URL = "http://support.example.test/"


def _html_links(message) -> list[str]:
    return re.findall(r'href="([^"]+)"', message.alternatives[0][0])


def test_step_emails_link_to_the_change_request_with_an_absolute_address(
    build, client_admin_a, django_capture_on_commit_callbacks
):
    cr = build.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_change_request(actor=client_admin_a, cr=cr)
    url = f"http://support.example.test/cdc/{cr.number}/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["helpdesk@support.test", "infos@support.test", client_admin_a.email]
    )
    for message in mail.outbox:
        assert url in message.body
        assert _html_links(message) == [url]


def test_the_dpo_step_email_links_with_an_absolute_address_too(
    build, agent, dpo, django_capture_on_commit_callbacks
):
    cr = build.submitted()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_analysis(
            actor=agent, cr=cr, solution="A CSV button.", planned_date=date.today() + timedelta(3)
        )
    to_dpo = next(m for m in mail.outbox if m.to == [dpo.email])
    url = f"http://support.example.test/cdc/{cr.number}/"
    assert url in to_dpo.body and _html_links(to_dpo) == [url]
    assert 'href="/' not in to_dpo.alternatives[0][0]
