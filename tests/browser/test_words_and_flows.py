"""Issue 18 in the browser: the contact picker waits for the organization and forgets a
contact when the organization changes; the CDC checks tab offers each role its checks; the
user list shows sign-ups apart; the invitation page (screenshots at 1440 and 375 px)."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.services import password_setup_url
from cdc import services as cdc_services


@pytest.mark.django_db(transaction=True)
def test_the_contact_follows_the_chosen_organization(
    login_page, screenshot, agent, client_a, client_b
):
    page = login_page(agent)
    page.goto("/tickets/new/")
    page.locator("#id_requester_search").focus()
    expect(page.locator("#id_requester_options .picker-empty")).to_contain_text(
        "Choisissez d'abord l'organisation cliente"
    )
    expect(page.locator("#id_requester_options .picker-option")).to_have_count(0)
    screenshot(page, "words_new_ticket_contact_waits_1440")

    page.locator("#id_organization_search").fill("alph")
    page.locator(".picker-option", has_text="Alpha Industries").click()
    page.locator("#id_requester_search").fill("")
    page.locator("#id_requester_search").focus()
    expect(
        page.locator("#id_requester_options .picker-option", has_text="Chloé Alpha")
    ).to_have_count(1)
    expect(page.locator("#id_requester_options .picker-option", has_text="Bob Beta")).to_have_count(
        0
    )
    page.locator("#id_requester_options .picker-option", has_text="Chloé Alpha").click()
    expect(page.locator("select[name=requester] option")).to_have_count(1)

    # Another organization: the contact of the first one is forgotten.
    page.locator("#id_organization_search").fill("beta")
    page.locator(".picker-option", has_text="Beta Corp").click()
    expect(page.locator("select[name=requester] option")).to_have_count(0)
    assert page.locator("#id_requester_search").input_value() == ""


@pytest.mark.django_db(transaction=True)
def test_check_forms_sign_ups_and_the_password_page(
    login_page,
    screenshot,
    new_page,
    live_server,
    client_admin_a,
    agent,
    dpo,
    admin,
    developer,
    controller,
    build,
):
    cr = build.in_development(gdpr=True, title="Export des factures")
    cdc_services.add_task(
        actor=admin,
        cr=cr,
        title="Export CSV",
        developers=[developer],
        start_date=date.today(),
        end_date=date.today() + timedelta(days=3),
    )
    page = login_page(controller)
    page.goto(f"/cdc/{cr.number}/?tab=checks")
    kinds = page.locator("#pane-checks select[name=kind] option")
    expect(kinds).to_have_text(["Test unitaire", "Test fonctionnel", "Test d'intégration"])
    screenshot(page, "words_cdc_checks_controller_1440")
    page = login_page(dpo)
    page.goto(f"/cdc/{cr.number}/?tab=checks")
    expect(page.locator("#pane-checks select[name=kind] option")).to_have_text(["Contrôle RGPD"])

    User.objects.create_user(
        email="nouvelle@exemple.test", first_name="Nina", last_name="Nouvelle",
        is_active=False, awaiting_approval=True,
    )  # fmt: skip
    for width in (1440, 375):
        page = login_page(admin, width=width)
        page.goto("/users/")
        expect(page.locator(".pending-signups")).to_contain_text("Nina Nouvelle")
        screenshot(page, f"words_users_pending_{width}")

    invited = User.objects.create_user(
        email="invitee@alpha.test", organization=client_admin_a.organization
    )
    path = re.sub(r"^https?://[^/]+", "", password_setup_url(invited))
    for width in (1440, 375):
        page = new_page(width=width)
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_text("Choisissez votre mot de passe")
        cancel = page.locator("button[form=logout-from-stage]")
        expect(cancel).to_have_class(re.compile(r"\bbtn-link\b"))
        screenshot(page, f"words_set_password_{width}")
