"""The agent's queue: filters and sort live in the URL, survive a reload and the back button."""

import pytest

from tickets import services
from tickets.models import TicketType


@pytest.mark.django_db(transaction=True)
def test_filters_and_sort_stay_in_the_url(login_page, screenshot, agent, client_a, client_b):
    kind = TicketType.objects.first()
    for title in ("Imprimante en panne", "Export comptable vide", "VPN coupé"):
        ticket = services.create_ticket(actor=client_a, title=title, description="…", type=kind)
    services.claim(actor=agent, ticket=ticket)
    services.create_ticket(actor=client_b, title="Autre client", description="…", type=kind)

    page = login_page(agent)
    page.goto("/tickets/")
    page.get_by_role("link", name="Mes tickets", exact=True).click()
    assert "view=mine" in page.url
    assert page.locator("td.ticket-title-cell").count() == 1

    page.goto("/tickets/")
    page.locator("[name=q]").fill("export")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    assert "q=export" in page.url
    assert page.locator("td.ticket-title-cell").all_inner_texts()[0].startswith("Export comptable")
    page.locator("th a.sort-link", has_text="Titre").click()
    assert "q=export" in page.url and "sort=" in page.url
    page.reload()
    assert page.locator("[name=q]").input_value() == "export"
    page.go_back()
    assert "q=export" in page.url
    page.goto("/tickets/?sort=-updated")
    page.locator("details summary").click()
    page.locator("#id_status").wait_for()  # the other filters are loaded when opened
    assert page.locator("#id_support_level").is_visible()
    screenshot(page, "tickets_queue_filters")
