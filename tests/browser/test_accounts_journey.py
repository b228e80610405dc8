"""A client logs in with the emailed code; an admin creates and deactivates a user in the UI."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import F
from django_otp.plugins.otp_email.models import EmailDevice
from playwright.sync_api import expect

from accounts.models import User

PASSWORD = "correct horse battery"


def emailed_code():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


@pytest.mark.django_db(transaction=True)
def test_client_logs_in_with_the_emailed_code_after_a_wrong_one(page, screenshot, client_a):
    page.goto("/")
    page.locator("input[name=login]").fill(client_a.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url("**/accounts/2fa/**")
    expect(page.get_by_role("heading", name="Consultez vos e-mails")).to_be_visible()
    # The code was emailed by the login itself; the code page sends nothing more.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [client_a.email]
    screenshot(page, "accounts_code_entry")

    page.get_by_label("Code à 6 chiffres").fill("000000")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Ce code n'est pas le bon")).to_be_visible()
    screenshot(page, "accounts_code_refused")
    # The person reads the message: django-otp's delay after a wrong code (a second) is over.
    EmailDevice.objects.filter(user=client_a).update(
        throttling_failure_timestamp=F("throttling_failure_timestamp") - timedelta(seconds=5)
    )

    page.get_by_label("Code à 6 chiffres").fill(emailed_code())
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.locator("h1").inner_text() == f"Bonjour {client_a.first_name}"


@pytest.mark.django_db(transaction=True)
def test_admin_creates_then_deactivates_a_user(login_page, screenshot, admin, org_a, client_a):
    page = login_page(admin)
    page.goto("/users/")
    screenshot(page, "accounts_user_list")
    page.get_by_role("link", name="Nouvel utilisateur").click()

    page.get_by_label("E-mail").fill("marie.curie@alpha.test")
    page.get_by_label("Prénom").fill("Marie")
    page.get_by_label(re.compile(r"^Nom")).fill("Curie")
    page.get_by_label("Qualité").fill("Responsable qualité")
    page.get_by_label("Organisation").select_option(label=org_a.name)
    page.get_by_label("Utilisateur client", exact=True).check()
    screenshot(page, "accounts_user_form")
    page.get_by_role("button", name="Créer et inviter").click()

    page.wait_for_url(re.compile(r"/users/\d+/$"))
    expect(page.get_by_text("Marie Curie est créé")).to_be_visible()
    created = User.objects.get(email="marie.curie@alpha.test")
    assert created.organization == org_a
    assert mail.outbox[-1].to == ["marie.curie@alpha.test"]
    screenshot(page, "accounts_user_detail")

    page.goto(f"/users/{client_a.pk}/")
    page.get_by_role("button", name="Désactiver").click()
    expect(page.get_by_text("est désactivé")).to_be_visible()
    client_a.refresh_from_db()
    assert client_a.is_active is False

    page.goto(f"/organizations/{org_a.pk}/")
    screenshot(page, "accounts_organization")
    page.goto("/profile/")
    screenshot(page, "accounts_profile")
