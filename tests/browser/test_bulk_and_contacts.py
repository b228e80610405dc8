"""Bulk actions from the queue, and the tickets on organization and contact pages."""

import pytest

from tickets import services
from tickets.models import Ticket, TicketType


@pytest.fixture
def three(client_a, client_b):
    kind = TicketType.objects.first()
    return [
        services.create_ticket(actor=who, title=title, description="…", type=kind)
        for who, title in (
            (client_a, "Imprimante bloquée"),
            (client_a, "Export vide"),
            (client_b, "Paie en retard"),
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_agent_selects_rows_and_assigns_them_to_herself(
    login_page, screenshot, settings, agent, three
):
    settings.HELPDESK_REFRESH_SECONDS = 1
    page = login_page(agent)
    page.goto("/tickets/?sort=number")
    apply = page.locator("#bulk-apply")
    assert apply.is_disabled()
    page.locator(f"input.bulk-select[value='{three[0].number}']").check()
    page.locator(f"input.bulk-select[value='{three[1].number}']").check()
    assert "2" in page.locator("#bulk-count").inner_text()
    page.wait_for_timeout(2500)  # the refresh pauses while rows are selected
    assert page.locator("input.bulk-select:checked").count() == 2
    page.select_option("#bulk-change", value=f"assign:{agent.pk}")
    screenshot(page, "tickets_bulk_selection")
    apply.click()
    page.wait_for_load_state()
    assert page.url.endswith("/tickets/?sort=number")
    assert page.locator(".alert-success").count() == 1
    assert [t.assignees.count() for t in Ticket.objects.order_by("number")] == [1, 1, 0]
    # Select all then change the status of the whole page.
    page.locator("#bulk-all").check()
    assert page.locator("input.bulk-select:checked").count() == 3


@pytest.mark.django_db(transaction=True)
def test_organization_and_contact_pages_show_their_tickets(
    login_page, screenshot, agent, client_a, three
):
    page = login_page(agent)
    page.goto(f"/organizations/{client_a.organization_id}/")
    cards = page.locator("#related-tickets")
    cards.wait_for()
    assert cards.locator("tbody tr").count() == 2
    screenshot(page, "organization_tickets")
    page.get_by_role("link", name=client_a.get_full_name()).click()
    page.locator("#related-tickets").wait_for()
    assert page.locator("#related-tickets tbody tr").count() == 2
    assert "Paie en retard" not in page.content()
    screenshot(page, "contact_tickets")
