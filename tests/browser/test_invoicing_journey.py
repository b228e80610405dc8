"""From ticket to invoice in the browser: the agent turns a ticket into an intervention, the
client signs it on a phone-sized screen (a drawn signature), the admin runs the month's
billing, reviews the draft and issues it; the client downloads the invoice and the statement
from the portal. Screenshots go to var/screenshots/invoicing_*."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services as billing_services
from invoicing import documents
from invoicing.models import Intervention, Invoice
from tests.browser.waiting import until
from tests.factories import LANGUAGE
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_from_ticket_to_invoice(
    login_page, screenshot, admin, agent, client_admin_a, org_a, live_server, monkeypatch
):
    monkeypatch.setitem(LANGUAGE, "default", "fr")
    billing_services.save_contract(
        actor=admin,
        contract=None,
        data={"organization": org_a, "name": "Régie", "kind": "time",
              "default_rate": Decimal("80"), "starts_on": dt.date(2026, 1, 1)},
    )  # fmt: skip
    ticket = ticket_services.create_ticket(
        actor=client_admin_a,
        title="Imprimante du service comptable en panne",
        description="Plus rien ne sort depuis ce matin.",
    )
    today = timezone.localdate()
    billing_services.log_time(actor=agent, ticket=ticket, minutes=50, day=today)

    # The agent opens the ticket and records the intervention.
    staff = login_page(agent, width=1440)
    staff.goto(ticket.get_absolute_url())
    staff.get_by_role("link", name="Nouvelle intervention").click()
    staff.locator("input[name=duration]").fill("1h30")
    staff.locator("textarea[name=work_done]").fill(
        "Remplacement du tambour, tests d'impression OK."
    )
    staff.locator("input[name=travel_amount]").fill("35,00")
    staff.locator("input[name='supplies-0-description']").fill("Tambour d'imagerie")
    staff.locator("input[name='supplies-0-quantity']").fill("1")
    staff.locator("input[name='supplies-0-unit_price']").fill("89,90")
    screenshot(staff, "invoicing_1-intervention-form")
    staff.get_by_role("button", name="Enregistrer l'intervention").click()
    staff.get_by_role("link", name="Faire signer").wait_for()
    intervention = Intervention.objects.get(ticket=ticket)
    screenshot(staff, "invoicing_2-intervention")

    # The client signs on a phone.
    phone = login_page(client_admin_a, width=375, height=812)
    phone.goto(intervention.get_absolute_url())
    phone.get_by_role("link", name="Faire signer").click()
    phone.locator("input[name=signer_name]").fill("Bea Boss")
    pad = phone.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 30, box["y"] + 100)
    phone.mouse.down()
    for step in range(1, 30):
        phone.mouse.move(box["x"] + 30 + step * 9, box["y"] + 100 - (step % 7) * 9)
    phone.mouse.up()
    screenshot(phone, "invoicing_3-sign-375")
    # Signing renders the report PDF and emails it (eagerly in tests, in the worker otherwise).
    phone.get_by_role("button", name="Confirmer et signer").click(timeout=120_000)
    until(lambda: Intervention.objects.get(pk=intervention.pk).is_signed, seconds=15)
    signed = Intervention.objects.get(pk=intervention.pk)
    assert signed.signer_name == "Bea Boss"
    assert signed.signature.read().startswith(b"\x89PNG")
    until(lambda: bool(Intervention.objects.get(pk=intervention.pk).report), seconds=15)

    # The admin runs the month's billing, reviews the draft and issues it.
    office = login_page(admin, width=1440)
    office.goto("/invoicing/run/")
    office.locator("input[name=start]").fill(today.replace(day=1).isoformat())
    office.locator("input[name=end]").fill(today.isoformat())
    office.get_by_role("button", name="Préparer les brouillons").click(timeout=60_000)
    office.get_by_role("link", name="Brouillon", exact=True).click()
    office.get_by_role("button", name="Émettre la facture").wait_for()
    screenshot(office, "invoicing_4-draft")
    office.get_by_role("button", name="Émettre la facture").click(timeout=120_000)
    office.get_by_role("link", name="PDF", exact=True).wait_for(timeout=120_000)
    invoice = Invoice.objects.get(organization=org_a)
    assert invoice.number == f"F{today.year}-00001"
    # 1 h at 80 (50 min rounded to the quarter), the drum and the travel, VAT 20 %.
    assert invoice.total_net == Decimal("204.90")
    screenshot(office, "invoicing_5-invoice")

    # The client downloads the invoice and the month's statement from the portal.
    documents.render_statement(org_a, today.replace(day=1))
    phone.goto("/invoicing/portal/")
    screenshot(phone, "invoicing_6-portal-375")
    # On a phone the page keeps to the screen: wide tables scroll inside their card.
    wide = phone.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, wide
    with phone.expect_download() as download:
        phone.locator(".portal-invoices a", has_text="PDF").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    with phone.expect_download() as download:
        phone.locator(".portal-statements a", has_text="PDF").click()
    assert download.value.suggested_filename.startswith("releve-")
