"""Staff file a ticket for a client by typing part of the organization's and the contact's
names into the searchable pickers; the ticket page's assignee picker works the same way."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Organization
from tickets.models import Ticket


@pytest.mark.django_db(transaction=True)
def test_staff_file_a_ticket_picking_organization_and_contact_by_typing(
    login_page, screenshot, admin, agent, client_a, client_a2, org_b
):
    for index in range(40):
        Organization.objects.create(name=f"Client n°{index}", kind="client")
    page = login_page(admin)
    page.goto("/tickets/new/")
    assert page.locator("select[name=organization] option").count() == 0

    page.locator("#id_organization_search").fill("alph")
    option = page.locator(".picker-option", has_text="Alpha Industries")
    # Focus lists the first organizations; what is typed narrows them.
    expect(page.locator(".picker-option", has_text="Beta Corp")).to_have_count(0)
    expect(option).to_have_count(1)
    screenshot(page, "picker_new_ticket_organization_open")
    option.click()
    expect(page.locator("#id_organization_search")).to_have_value("Alpha Industries")
    expect(page.locator(".picker-option")).to_have_count(0)  # the list closed

    # The contact picker only offers people of the chosen organization.
    page.locator("#id_requester_search").fill("chlo")
    # The list answers what is typed (focusing the box first lists everyone of Alpha).
    expect(page.locator("#id_requester_options .picker-option")).to_have_count(1)
    expect(page.locator(".picker-option", has_text="Chloé Alpha")).to_have_count(1)
    screenshot(page, "picker_new_ticket_contact_open")
    page.locator(".picker-option", has_text="Chloé Alpha").click()

    page.locator("#id_assignees_search").fill(agent.first_name[:3])
    page.locator(".picker-option", has_text=agent.get_full_name()).click()
    expect(page.locator(".picker-chip", has_text=agent.get_full_name())).to_be_visible()

    page.locator("[name=title]").fill("Imprimante du 2e étage")
    page.locator("[name=description]").fill("Elle n'imprime plus depuis ce matin.")
    page.locator("[name=type]").select_option(index=1)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get(title="Imprimante du 2e étage")
    assert ticket.organization_id == client_a.organization_id
    assert ticket.requester_id == client_a.pk
    assert list(ticket.assignees.all()) == [agent]

    # The ticket page: the assignee picker, open.
    page.locator("form[action$='/assign/'] .picker-search").fill(admin.first_name[:3])
    expect(page.locator("form[action$='/assign/'] .picker-option")).to_have_count(1)
    screenshot(page, "picker_ticket_page_assignees_open")
