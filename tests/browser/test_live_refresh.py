"""The queue refreshes itself: a ticket filed by someone else appears without a reload, and the
filters stay as they were."""

import pytest
from playwright.sync_api import expect

from tickets import services
from tickets.models import TicketType


@pytest.mark.django_db(transaction=True)
def test_the_queue_shows_a_new_ticket_without_reload_keeping_filters(
    login_page, screenshot, settings, agent, client_a
):
    settings.HELPDESK_REFRESH_SECONDS = 2
    kind = TicketType.objects.first()
    services.create_ticket(actor=client_a, title="Panne imprimante", description="…", type=kind)
    page = login_page(agent)
    page.goto("/tickets/?q=panne&sort=-updated")
    assert page.locator("td.ticket-title-cell").count() == 1
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    assert page.locator("#todo-count").inner_text() == "0"

    services.create_ticket(actor=client_a, title="Panne réseau", description="…", type=kind)
    services.create_ticket(actor=client_a, title="Question facture", description="…", type=kind)
    expect(page.locator("td.ticket-title-cell")).to_have_count(2, timeout=8000)
    # Assigned to her elsewhere: the top bar's to-do count follows at the next refresh.
    newest = services.create_ticket(actor=client_a, title="Panne écran", description="…", type=kind)
    services.assign(actor=agent, ticket=newest, assignees=[agent])
    expect(page.locator("#todo-count")).to_have_text("1", timeout=8000)
    expect(page.locator("td.ticket-title-cell")).to_have_count(3, timeout=8000)
    assert "1" in page.locator("#todo").inner_text()

    assert page.evaluate("window.loadedOnce") is True
    assert page.locator("[name=q]").input_value() == "panne"
    assert "Question facture" not in page.content()
    screenshot(page, "tickets_queue_live")


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_counters_refresh(login_page, screenshot, settings, agent, client_a):
    settings.HELPDESK_REFRESH_SECONDS = 2
    page = login_page(agent)
    page.goto("/")
    before = int(page.locator("[data-counter=unassigned]").inner_text())
    page.evaluate("window.loadedOnce = true")
    kind = TicketType.objects.first()
    services.create_ticket(actor=client_a, title="Nouvelle demande", description="…", type=kind)
    expect(page.locator("[data-counter=unassigned]")).to_have_text(str(before + 1), timeout=8000)
    assert page.evaluate("window.loadedOnce") is True
    screenshot(page, "dashboard_staff")


@pytest.mark.django_db(transaction=True)
def test_the_refresh_keeps_the_filters_and_the_row_the_keyboard_is_on(
    login_page, settings, agent, client_a
):
    settings.HELPDESK_REFRESH_SECONDS = 2
    kind = TicketType.objects.first()
    first = services.create_ticket(actor=client_a, title="Panne A", description="…", type=kind)
    second = services.create_ticket(actor=client_a, title="Panne B", description="…", type=kind)
    page = login_page(agent, width=1440)
    page.goto(f"/tickets/?q=panne&organization={client_a.organization_id}")
    expect(page.locator(".queue-chip")).to_have_count(2)
    page.keyboard.press("j")
    page.keyboard.press("j")  # the second row: Panne A (newest activity first)
    focused = page.locator(f"#queue-rows .q-open[href='/tickets/{first.number}/']")
    expect(focused).to_be_focused()
    page.evaluate("window.loadedOnce = true")

    services.create_ticket(actor=client_a, title="Panne C", description="…", type=kind)
    expect(page.locator("#queue-rows tr.q-row")).to_have_count(3, timeout=8000)
    # The new ticket came first; the keyboard is still on Panne A, j goes on from it.
    expect(focused).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(f"#queue-rows .q-open[href='/tickets/{second.number}/']")).to_be_focused()
    assert page.evaluate("window.loadedOnce") is True
    expect(page.locator(".queue-chip")).to_have_count(2)
