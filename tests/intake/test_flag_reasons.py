"""Issue 18: a flagged message's reason is shown as its category's label in the reader's
language, also for records flagged before categories existed (their reason is English)."""

import pytest
from django.urls import reverse

from intake.models import InboundMessage

pytestmark = pytest.mark.django_db


def flagged(n, *, reason, category=""):
    return InboundMessage.objects.create(
        message_id=f"<{n}@elsewhere.test>",
        content_hash=str(n) * 64,
        sender=f"someone{n}@elsewhere.test",
        subject=f"Message {n}",
        outcome=InboundMessage.Outcome.FLAGGED,
        category=category,
        reason=reason,
    )


def test_flag_reasons_are_shown_in_french(login, agent):
    flagged(1, reason="sender may not reply to this ticket", category="not_allowed")
    flagged(2, reason="unverified sender")  # before categories
    flagged(3, reason="unknown sender")
    client = login(agent)
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("intake:unidentified"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    table = html.split('id="flagged"')[1]
    for english in ("sender may not reply", "unverified sender", "unknown sender"):
        assert english not in table.lower()
    assert "L\u2019expéditeur ne peut pas répondre" in table
    assert "Expéditeur non vérifié" in table
    assert "Expéditeur inconnu" in table


def test_an_unknown_old_reason_is_still_shown():
    record = flagged(4, reason="something else")
    assert record.reason_label == "something else"
