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
    page.get_by_text("Plus de filtres", exact=True).click()
    page.locator("#id_status").wait_for()  # the other filters are loaded when opened
    assert page.locator("#id_support_level").is_visible()
    screenshot(page, "tickets_queue_filters")


@pytest.mark.django_db(transaction=True)
def test_an_agent_saves_a_view_and_comes_back_to_it(login_page, screenshot, agent, client_a):
    kind = TicketType.objects.first()
    for title in ("Export comptable vide", "Export des notes de frais", "VPN coupé"):
        services.create_ticket(actor=client_a, title=title, description="…", type=kind)

    page = login_page(agent)
    page.goto("/tickets/?q=export&sort=title")
    page.get_by_text("Enregistrer cette vue", exact=True).click()
    page.get_by_label("Nom de la vue").fill("Mes exports")
    screenshot(page, "tickets_save_view")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("Vue « Mes exports » enregistrée.").wait_for()
    tab = page.locator("a.saved-filter", has_text="Mes exports")
    assert "active" in tab.get_attribute("class")

    page.get_by_role("link", name="Tous les tickets", exact=True).click()
    assert page.locator("td.ticket-title-cell").count() == 3
    page.locator("a.saved-filter", has_text="Mes exports").click()
    titles = page.locator("td.ticket-title-cell").all_inner_texts()
    assert [t.split("\n")[0] for t in titles] == [
        "Export comptable vide",
        "Export des notes de frais",
    ]
    assert page.locator("[name=q]").input_value() == "export"
    screenshot(page, "tickets_saved_view")

    page.get_by_role("button", name="Supprimer « Mes exports »").click()
    page.get_by_text("Vue « Mes exports » supprimée.").wait_for()
    assert page.locator("a.saved-filter").count() == 0
