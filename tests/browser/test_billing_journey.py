"""The evolution journey of seed 002 in the browser: the agent sends an estimate, the client
refuses it with a reason, the agent sends a new one, the client accepts it from the emailed
link, work is logged (the timer survives a reload and a second tab), the ticket is closed."""

import re

import pytest
from playwright.sync_api import expect

from billing.models import Estimate, TimeEntry
from notifications.models import OutgoingEmail
from tests.browser.waiting import until
from tests.factories import LANGUAGE
from tickets import services as ticket_services
from tickets.models import Status, TicketType

pytestmark = pytest.mark.django_db(transaction=True)


def _box(page):
    box = page.locator("#time-box")
    box.wait_for()
    return box


def test_the_whole_evolution_journey(
    login_page, screenshot, agent, client_a, live_server, monkeypatch
):
    monkeypatch.setitem(LANGUAGE, "default", "fr")
    ticket = ticket_services.create_ticket(
        actor=client_a,
        title="Création de l'utilisateur Fabrice",
        description="Merci de créer l'utilisateur Fabrice avec les droits de saisie.",
        type=TicketType.objects.get(code="evolution"),
    )
    url = ticket.get_absolute_url()

    # The agent sends a first estimate from the ticket page.
    staff = login_page(agent, width=1440)
    staff.goto(url)
    box = _box(staff)
    box.locator(".estimate-new summary").click()
    box.locator("input[name=amount]").fill("2 400,00")
    box.locator("textarea[name=description]").fill("Création du compte, des droits et recette.")
    box.locator("button.estimate-send").click()
    staff.wait_for_load_state("networkidle")
    until(lambda: Estimate.objects.filter(ticket=ticket).exists())
    staff.locator(".estimate-state").first.wait_for()
    ticket.refresh_from_db()
    assert ticket.status.code == "attente-chiffrage"
    screenshot(staff, "billing_ticket_estimate_sent_agent_1440")

    # The client refuses it in the portal, with a reason.
    client = login_page(client_a, width=1440)
    client.goto(url)
    box = _box(client)
    assert "secret" not in box.inner_text()
    box.locator(".estimate-refuse summary").click()
    box.locator(".estimate-refuse textarea[name=reason]").fill("Trop cher : sans la recette ?")
    box.locator(".estimate-refuse button[type=submit]").click()
    until(lambda: Estimate.objects.filter(state=Estimate.State.REFUSED).exists())
    client.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.status.code == "en-cours"
    expect(client.get_by_text("Trop cher : sans la recette ?").first).to_be_visible()

    # The agent sends a new estimate; the client accepts it from the email's link.
    staff.goto(url)
    box = _box(staff)
    box.locator(".estimate-new summary").click()
    box.locator("input[name=hours]").fill("6")
    box.locator("textarea[name=description]").fill("Création du compte et des droits.")
    box.locator("button.estimate-send").click()
    until(lambda: Estimate.objects.filter(state=Estimate.State.SENT).exists())
    estimate = Estimate.objects.get(state=Estimate.State.SENT)
    until(lambda: OutgoingEmail.objects.filter(kind="billing_estimate").count() == 2)
    email = OutgoingEmail.objects.filter(kind="billing_estimate").latest("pk")
    body = bytes(email.raw).decode("utf-8", "replace")
    link = re.search(r"https?://\S+/billing/estimates/answer/[^/\s]+/", body).group(0)
    path = link.split("/billing/", 1)[1]
    client.goto(f"{live_server.url}/billing/{path}")
    screenshot(client, "billing_estimate_link_client_1440")
    client.locator("button.estimate-accept").click()
    until(lambda: Estimate.objects.filter(state=Estimate.State.ACCEPTED).exists())
    estimate.refresh_from_db()
    assert estimate.state == Estimate.State.ACCEPTED
    ticket.refresh_from_db()
    assert ticket.status.code == "realisation"
    client.goto(f"{live_server.url}/billing/{path}")  # the link works once
    expect(client.locator(".link-error")).to_be_visible()

    # Work is logged: "+15 min", then the timer, which survives a reload and a second tab.
    staff.goto(url)
    box = _box(staff)
    box.locator("button.quick-time").click()
    until(lambda: TimeEntry.objects.filter(ticket=ticket).exists())
    _box(staff).locator("button.timer-start").click()
    staff.locator(".timer-running").wait_for()
    staff.reload()
    _box(staff).locator(".timer-running").wait_for()
    staff.wait_for_timeout(1500)
    elapsed = staff.locator(".timer-elapsed").inner_text()
    assert re.fullmatch(r"0:00:\d\d", elapsed) and elapsed != "0:00:00"  # it ticks
    second = staff.context.new_page()  # a second tab of the same browser
    second.goto(url)
    _box(second).locator(".timer-running").wait_for()  # the other tab sees it running
    screenshot(second, "billing_ticket_time_box_timer_1440")
    second.locator("button.timer-stop").click()
    until(lambda: TimeEntry.objects.filter(ticket=ticket).count() == 2)
    staff.locator("button.timer-start").wait_for(timeout=5000)  # told through localStorage
    assert TimeEntry.objects.filter(ticket=ticket).count() == 2

    # The agent closes the ticket.
    staff.goto(url)
    closed = Status.objects.get(code="ferme")
    ticket_services.change_status(actor=agent, ticket=ticket, status=closed)
    staff.reload()
    screenshot(staff, "billing_ticket_closed_agent_1440")
    phone = login_page(client_a, width=375, height=800)
    phone.goto(url)
    _box(phone)
    screenshot(phone, "billing_ticket_time_box_client_375")


def test_timesheet_contract_and_balance_pages_at_desk_and_phone_widths(
    login_page, screenshot, agent, admin, client_a, org_a, sales
):
    import datetime as dt
    from decimal import Decimal

    from billing import services

    services.save_contract(
        actor=admin,
        contract=None,
        data={
            "organization": org_a,
            "name": "Bloc de 20 heures",
            "kind": "prepaid",
            "default_rate": Decimal("85"),
            "block_hours": Decimal("20"),
            "rollover": True,
            "starts_on": dt.date.today() - dt.timedelta(days=30),
        },
    )
    ticket = ticket_services.create_ticket(
        actor=client_a, title="Impression des factures impossible", description="Depuis ce matin."
    )
    for minutes, activity, comment in [(45, "analysis", "Analyse"), (600, "work", "Correction")]:
        services.log_time(
            actor=agent, ticket=ticket, minutes=minutes, activity=activity, comment=comment
        )
    services.log_time(actor=agent, ticket=ticket, minutes=30, billable=False, comment="Interne")
    contract = services.contract_for(org_a.pk, dt.date.today())
    pages = [
        (agent, "/billing/timesheet/", ".timesheet-entry", "timesheet"),
        (admin, "/billing/contracts/", "table.contracts", "contracts"),
        (sales, f"/billing/contracts/{contract.pk}/", ".contract-use", "contract"),
        (client_a, "/billing/balance/", ".balance-left", "balance"),
    ]  # fmt: skip
    for width, height in ((1440, 900), (375, 800)):
        for person, path, marker, name in pages:
            page = login_page(person, width=width, height=height)
            page.goto(path)
            expect(page.locator(marker).first).to_be_visible()
            screenshot(page, f"billing_{name}_{width}")
            page.close()
