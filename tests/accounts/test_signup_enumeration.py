"""The public sign-up answers the same way whether the address has an account or not: the
known address gets an email saying so instead of a confirmation link."""

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from notifications.models import OutgoingEmail

PASSWORD = "a long passphrase 77"


def sign_up(email, capture):
    browser = Client()
    with capture(execute=True):
        response = browser.post(
            "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        )
    landing = browser.get(response["Location"]) if response.status_code == 302 else response
    return response, landing


@pytest.mark.django_db
@pytest.mark.parametrize("approval", [True, False])
def test_a_known_and_an_unknown_address_get_the_same_answer(
    settings, client_a, admin, approval, django_capture_on_commit_callbacks
):
    settings.HELPDESK_SIGNUP_REQUIRES_APPROVAL = approval
    known, known_page = sign_up(client_a.email, django_capture_on_commit_callbacks)
    to_known = [m for m in mail.outbox if m.to == [client_a.email]]
    mail.outbox.clear()
    unknown, unknown_page = sign_up("newcomer@alpha.test", django_capture_on_commit_callbacks)
    to_unknown = [m for m in mail.outbox if m.to == ["newcomer@alpha.test"]]

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/confirm-email/"
    assert known_page.status_code == unknown_page.status_code == 200
    assert known_page.templates[0].name == unknown_page.templates[0].name
    assert "/accounts/inactive/" not in unknown["Location"]

    # The known address is told it has an account (with a password reset link), no new one.
    assert len(to_known) == 1
    assert "/accounts/password/reset/" in to_known[0].body
    assert "/accounts/confirm-email/" not in to_known[0].body
    assert User.objects.filter(email__iexact=client_a.email).count() == 1
    # The unknown one gets its confirmation link.
    assert len(to_unknown) == 1 and "/accounts/confirm-email/" in to_unknown[0].body
    # Both went through the outbox, as account emails (their content is not shown to admins).
    kinds = OutgoingEmail.objects.filter(
        recipients__in=[client_a.email, "newcomer@alpha.test"]
    ).values_list("kind", flat=True)
    assert sorted(kinds) == ["account", "account"]
