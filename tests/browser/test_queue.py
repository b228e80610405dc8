"""The agent's queue: filter menus and chips, filters and sort in the URL (reload, back button),
saved views, keyboard shortcuts, the row density each person keeps, and a card list on a phone.

Screenshots of the queue at 1440 and 375 px wide go to var/screenshots/ (queue_desktop_*,
queue_phone_*)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tickets import services
from tickets.models import Priority, Status, Ticket, TicketType


@pytest.fixture
def desk(agent, admin, client_a, client_b):
    """Tickets of two clients in several states: urgent, normal, one closed, one cancelled."""
    kind = TicketType.objects.order_by("order").first()
    urgent = Priority.objects.get(code="urgente")
    made = {}
    for key, who, title in (
        ("printer", client_a, "Imprimante en panne au 2e étage"),
        ("export", client_a, "Export comptable vide depuis la mise à jour de mars"),
        ("vpn", client_a, "VPN coupé"),
        ("beta", client_b, "Paie de Beta en retard"),
        ("closed", client_a, "Ancienne demande close"),
        ("cancelled", client_b, "Demande annulée"),
    ):
        made[key] = services.create_ticket(actor=who, title=title, description="…", type=kind)
    services.change_priority(actor=agent, ticket=made["printer"], priority=urgent)
    services.claim(actor=agent, ticket=made["export"])
    for key, code in (("closed", "ferme"), ("cancelled", "annule")):
        services.change_status(actor=admin, ticket=made[key], status=Status.objects.get(code=code))
    return made


def titles(page):
    return [text.strip() for text in page.locator("#queue-rows .q-open").all_inner_texts()]


@pytest.mark.django_db(transaction=True)
def test_an_agent_filters_with_the_menus_and_removes_a_chip(login_page, screenshot, agent, desk):
    page = login_page(agent, width=1440)
    page.goto("/tickets/")
    # The default view: open tickets only (no closed nor cancelled one).
    assert len(titles(page)) == 4
    assert "Ancienne demande close" not in titles(page)

    # Priority: tick "Urgente" in its menu; closing the menu applies it.
    page.locator("#qf-priority-toggle").click()
    page.get_by_label("Urgente", exact=True).check()
    screenshot(page, "queue_desktop_priority_menu")
    page.locator("h1").click()  # a click elsewhere closes the menu
    page.wait_for_url(re.compile(r"priority=\d+"))
    assert titles(page) == ["Imprimante en panne au 2e étage"]
    expect(page.locator(".queue-chip")).to_have_count(1)

    # Client: search the organization in the menu's picker, choose it, apply.
    page.locator("#qf-organization-toggle").click()
    page.locator("#qf-organization-search").fill("alph")
    page.locator(".picker-option", has_text="Alpha Industries").click()
    expect(page.locator(".picker-chip", has_text="Alpha Industries")).to_be_visible()
    screenshot(page, "queue_desktop_client_menu")
    page.locator(".queue-filter[data-filter=organization] [type=submit]").click()
    page.wait_for_url(re.compile(r"organization=\d+"))
    expect(page.locator(".queue-chip")).to_have_count(2)
    screenshot(page, "queue_desktop_chips")

    # Removing the priority chip keeps the client filter.
    page.locator(".queue-chip", has_text="Urgente").click()
    page.wait_for_url(lambda url: "priority=" not in url)
    assert "organization=" in page.url
    assert sorted(titles(page)) == sorted(
        [
            "Imprimante en panne au 2e étage",
            "Export comptable vide depuis la mise à jour de mars",
            "VPN coupé",
        ]
    )
    expect(page.locator(".queue-chip")).to_have_count(1)

    # The status menu narrows its long list as one types.
    page.locator("#qf-status-toggle").click()
    page.locator(".queue-filter[data-filter=status] .queue-filter-search").fill("ferm")
    menu = page.locator(".queue-filter[data-filter=status]")
    # "Fermé" is both a group of statuses and the status itself.
    expect(menu.locator(".queue-option", has_text="Fermé")).to_have_count(2)
    expect(menu.locator(".queue-option", has_text="Fermé").first).to_be_visible()
    expect(menu.get_by_label("En cours", exact=True)).to_be_hidden()
    page.keyboard.press("Escape")
    page.locator(".queue-views a[href*='state=closed']").click()
    page.wait_for_url(re.compile(r"state=closed"))
    # The Closed and All tabs: closed and cancelled tickets only when asked.
    assert sorted(titles(page)) == ["Ancienne demande close", "Demande annulée"]
    page.locator(".queue-views a[href*='state=all']").click()
    page.wait_for_url(re.compile(r"state=all"))
    assert len(titles(page)) == 6


@pytest.mark.django_db(transaction=True)
def test_filters_and_sort_stay_in_the_url(login_page, screenshot, agent, desk):
    page = login_page(agent)
    page.goto("/tickets/")
    page.get_by_role("link", name="Mes tickets", exact=True).click()
    page.wait_for_url("**view=mine*")
    assert titles(page) == ["Export comptable vide depuis la mise à jour de mars"]

    page.goto("/tickets/")
    page.locator("[name=q]").fill("export")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    page.wait_for_url("**q=export*")
    assert titles(page)[0].startswith("Export comptable")
    page.locator("th a.sort-link", has_text="Titre").click()
    page.wait_for_url(lambda url: "q=export" in url and "sort=" in url)
    page.reload()
    assert page.locator("[name=q]").input_value() == "export"
    page.go_back()
    assert "q=export" in page.url
    page.goto("/tickets/?sort=-updated")
    page.locator("#qf-more-toggle").click()
    page.locator("#id_support_level").wait_for()  # the other filters are loaded when opened
    screenshot(page, "tickets_queue_filters")
    # Created before 2025, with the date picker: only the ticket filed then.
    Ticket.objects.filter(pk=desk["vpn"].pk).update(created_at="2024-06-03T09:00:00Z")
    expect(page.locator("#id_created_1")).to_have_attribute("type", "date")
    page.locator("#id_created_1").fill("2024-12-31")
    page.locator(".queue-more-menu").get_by_role("button", name="Appliquer").click()
    page.wait_for_url("**created_before=2024-12-31*")
    expect(page.locator("#queue-rows .q-open")).to_have_text(["VPN coupé"])
    expect(page.locator(".queue-chip")).to_contain_text("31/12/2024")


@pytest.mark.django_db(transaction=True)
def test_the_keyboard_moves_selects_and_opens(login_page, screenshot, agent, desk):
    page = login_page(agent, width=1440)
    page.goto("/tickets/?sort=number")
    rows = page.locator("#queue-rows tr.q-row")
    assert rows.count() == 4
    page.keyboard.press("j")
    expect(rows.nth(0).locator(".q-open")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1).locator(".q-open")).to_be_focused()
    page.keyboard.press("x")
    expect(rows.nth(1).locator(".bulk-select")).to_be_checked()
    expect(page.locator("#bulk-apply")).to_be_enabled()  # the bulk bar counts it
    page.keyboard.press("x")
    expect(rows.nth(1).locator(".bulk-select")).not_to_be_checked()

    # Never while typing: j in the search box is a letter.
    page.locator("#id_q").click()
    page.keyboard.type("jk")
    assert page.locator("#id_q").input_value() == "jk"
    page.locator("#id_q").fill("")
    page.keyboard.press("Escape")  # leaves the box

    page.keyboard.press("?")
    expect(page.locator("#queue-shortcuts")).to_be_focused()  # shown, the keyboard in it
    screenshot(page, "queue_desktop_shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("#queue-shortcuts")).to_be_hidden()

    rows.nth(2).locator(".q-open").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/tickets/{desk['vpn'].number}/$"))


@pytest.mark.django_db(transaction=True)
def test_the_row_density_is_remembered(login_page, screenshot, agent, desk):
    page = login_page(agent, width=1440)
    page.goto("/tickets/?sort=number")
    assert "queue-compact" in page.locator("#queue").get_attribute("class")
    compact = page.locator("#queue-rows tr.q-row").first.bounding_box()["height"]
    screenshot(page, "queue_desktop_compact")
    page.locator(".queue-density [value=comfortable]").click()
    expect(page.locator("#queue")).to_have_class(re.compile(r"\bqueue-comfortable\b"))
    assert page.url.endswith("/tickets/?sort=number")
    assert User.objects.get(pk=agent.pk).queue_density == "comfortable"
    comfortable = page.locator("#queue-rows tr.q-row").first.bounding_box()["height"]
    assert comfortable > compact * 1.4  # the type and contact on a second line
    screenshot(page, "queue_desktop_comfortable")
    # Another session of the same person: still comfortable.
    other = login_page(agent, width=1440)
    other.goto("/tickets/")
    assert "queue-comfortable" in other.locator("#queue").get_attribute("class")


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_tickets_are_cards_and_filters_a_panel(login_page, screenshot, agent, desk):
    # The longest status name (demo: "En attente validation chiffrage") on one ticket.
    longest = max(Status.objects.filter(is_active=True), key=lambda status: len(status.name))
    Ticket.objects.filter(pk=desk["vpn"].pk).update(status=longest)
    page = login_page(agent, width=375, height=812)
    page.goto("/tickets/?sort=number")
    # No horizontal scroll; each ticket a card with its number, title, client, status,
    # priority and last update; the assignees and creation date are left out.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Nothing sticks out of a card, the long status included (it wraps).
    sticking_out = page.evaluate(
        """() => [...document.querySelectorAll('#queue-rows tr.q-row')].flatMap(row => {
            const edge = row.getBoundingClientRect().right + 1;
            return [...row.querySelectorAll('td')].filter(cell => cell.offsetParent !== null
                && cell.getBoundingClientRect().right > edge).map(cell => cell.className);
        })"""
    )
    assert sticking_out == []
    card = page.locator("#queue-rows tr.q-row").first
    box = card.bounding_box()
    assert box["width"] <= 375 and box["height"] < 140
    for cell in ("q-number", "q-title", "q-client", "q-status", "q-priority", "q-updated"):
        expect(card.locator(f".{cell}")).to_be_visible()
    expect(card.locator(".q-assignees")).to_be_hidden()
    # The bulk bar waits for a selection.
    expect(page.locator(".bulk-bar")).to_be_hidden()
    screenshot(page, "queue_phone_cards")
    card.locator(".bulk-select").check()
    expect(page.locator(".bulk-bar")).to_be_visible()
    screenshot(page, "queue_phone_selection")
    card.locator(".bulk-select").uncheck()
    expect(page.locator(".bulk-bar")).to_be_hidden()

    # The filters: a side panel, its menus opening in place.
    expect(page.locator("#id_q")).to_be_hidden()
    page.locator(".queue-filters-open").click()
    expect(page.locator("#queue-filters")).to_be_visible()
    page.locator("#qf-priority-toggle").click()
    page.locator("#qf-type-toggle").click()  # closes the other, applies nothing yet
    page.locator("#qf-priority-toggle").click()
    page.get_by_label("Urgente", exact=True).check()
    screenshot(page, "queue_phone_filters")
    page.locator(".queue-filters-apply").click()
    page.wait_for_url(re.compile(r"priority=\d+"))
    assert titles(page) == ["Imprimante en panne au 2e étage"]
    expect(page.locator(".queue-chip")).to_have_count(1)


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

    page.locator(".queue-views .nav-link").first.click()  # the open tickets
    expect(page.locator("#queue-rows .q-open")).to_have_count(3)
    page.locator("a.saved-filter", has_text="Mes exports").click()
    expect(page.locator("#queue-rows .q-open")).to_have_text(
        ["Export comptable vide", "Export des notes de frais"]
    )
    assert page.locator("[name=q]").input_value() == "export"
    screenshot(page, "tickets_saved_view")

    page.get_by_role("button", name="Supprimer « Mes exports »").click()
    page.get_by_text("Vue « Mes exports » supprimée.").wait_for()
    assert page.locator("a.saved-filter").count() == 0
    assert Ticket.objects.count() == 3


TITLES = [
    "Imprimante du 2e étage hors service depuis la coupure de courant",
    "Export comptable vide",
    "VPN coupé pour les commerciaux en déplacement",
    "Paie : bulletin de mars illisible",
    "Demande d'accès au dossier partagé Direction",
    "Erreur 500 à l'ouverture d'une facture",
    "Mot de passe expiré",
    "Lenteurs sur le serveur de fichiers l'après-midi",
]


@pytest.mark.django_db(transaction=True)
def test_a_screen_of_the_queue_shows_twice_as_many_tickets(
    login_page, screenshot, agent, admin, client_a, client_b
):
    """At 1440 x 900, compact rows: at least 15 tickets above the fold (about 5 with the
    three-line rows of before); screenshots of the queue at 1440 and 375 px, agent and client."""
    kinds = list(TicketType.objects.order_by("order"))
    priorities = list(Priority.objects.order_by("order"))
    for n in range(30):
        who = client_a if n % 3 else client_b
        ticket = services.create_ticket(
            actor=who, title=TITLES[n % len(TITLES)], description="…", type=kinds[n % len(kinds)]
        )
        if ticket.priority != priorities[n % 4]:
            services.change_priority(actor=agent, ticket=ticket, priority=priorities[n % 4])
        if n % 4 == 0:
            services.claim(actor=agent, ticket=ticket)
    page = login_page(agent, width=1440, height=900)
    page.goto("/tickets/")
    rows = page.locator("#queue-rows tr.q-row")
    above = [
        box
        for box in (rows.nth(i).bounding_box() for i in range(25))
        if box["y"] + box["height"] <= 900
    ]
    assert len(above) >= 15
    assert len({round(box["height"]) for box in above}) == 1  # one line each, whatever the title
    screenshot(page, "queue_desktop_agent")
    screenshot(page, "queue_desktop_agent_fold", full_page=False)  # what one screen shows

    for who, width, name in (
        (agent, 375, "queue_phone_agent"),
        (client_a, 1440, "queue_desktop_client"),
        (client_a, 375, "queue_phone_client"),
    ):
        other = login_page(who, width=width, height=900 if width > 375 else 812)
        other.goto("/tickets/")
        assert other.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(other, name)
