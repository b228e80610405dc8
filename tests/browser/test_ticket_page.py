"""The ticket page on a desk (1440x900) and on a phone (375 px): the reply box and the actions
(take, status, priority, assignees, escalation) are in view as the page opens; on a desk the
actions stay in view down the timeline; on a phone they open as a bottom sheet from a bar kept at
the bottom of the screen; assignees and followers are added by typing part of a name."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tickets import services
from tickets.models import Status, Ticket


@pytest.fixture
def busy_ticket(admin, agent, client_a, org_a):
    """A phone ticket taken by the admin, with eight rounds of answers, notes and questions."""
    ticket = services.create_ticket(
        actor=agent,
        organization=org_a,
        requester=client_a,
        title="L'imprimante du 2e étage n'imprime plus",
        description="Le client appelle : l'imprimante du 2e étage n'imprime plus.\n\n"
        "Il a déjà redémarré l'imprimante et son poste.",
        channel="phone",
        reported_at=timezone.now() - dt.timedelta(hours=3),
    )
    services.claim(actor=admin, ticket=ticket)
    for n in range(1, 9):
        services.reply(
            actor=admin,
            ticket=ticket,
            body=f"Essai {n} : pouvez-vous vérifier le câble réseau et le bac à papier ?",
        )
        services.reply(actor=admin, ticket=ticket, body=f"Note {n} : pilote à jour.", internal=True)
        services.reply(actor=client_a, ticket=ticket, body=f"Toujours en panne après l'essai {n}.")
    return Ticket.objects.get(pk=ticket.pk)


def _opened(sheet):
    """Wait until the bottom sheet has finished sliding in (Bootstrap: "showing", then "show")."""
    expect(sheet).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def _in_view(*locators):
    for locator in locators:
        expect(locator).to_be_in_viewport(ratio=1)


@pytest.mark.django_db(transaction=True)
def test_on_a_desk_the_reply_box_and_the_actions_are_in_view_and_stay_there(
    login_page, screenshot, agent, busy_ticket
):
    page = login_page(agent, width=1440, height=900)
    page.goto(f"/tickets/{busy_ticket.number}/")
    assert page.evaluate("window.scrollY") == 0
    status = page.locator("select[name=status]")
    _in_view(
        page.locator("#id_body"),
        page.locator(".reply-form [type=submit]"),
        page.locator("form[action$='/claim/'] button"),
        status,
        page.locator("select[name=priority]"),
        page.locator("form[action$='/assign/'] .picker-search"),
        page.locator(".escalate-toggle"),
    )
    # The newest message, the one to answer, is under the reply box and in view too.
    newest = page.locator(".timeline-item").first
    expect(newest).to_contain_text("Toujours en panne après l'essai 8.")
    expect(newest).to_be_in_viewport()
    screenshot(page, "ticket_page_agent_1440")

    # Down at the request, far below: the actions are still in view.
    page.locator("#description").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1000
    _in_view(status, page.locator("form[action$='/assign/'] .picker-search"))
    screenshot(page, "ticket_page_agent_1440_scrolled")

    # Escalating from there: the reason opens under the button, focused.
    page.locator(".escalate-toggle").click()
    reason = page.locator("#escalate-form textarea")
    expect(reason).to_be_focused()
    reason.fill("Panne matérielle : il faut un technicien sur place.")
    page.locator("#escalate-form [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Ticket.objects.get(pk=busy_ticket.pk).support_level == 2


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_actions_open_as_a_bottom_sheet(login_page, screenshot, agent, busy_ticket):
    page = login_page(agent, width=375, height=812)
    page.goto(f"/tickets/{busy_ticket.number}/")
    bar = page.locator(".ticket-phone-bar button")
    _in_view(bar, page.locator("#id_body"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "ticket_page_agent_375")
    # Halfway down the timeline, the bar is still there.
    page.locator(".timeline-item").nth(12).scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1500
    _in_view(bar)
    bar.click()
    sheet = page.locator("#ticket-panel")
    _opened(sheet)
    status = sheet.locator("select[name=status]")
    _in_view(sheet.locator("form[action$='/claim/'] button"), status)
    screenshot(page, "ticket_page_agent_375_sheet")
    working = Status.objects.get(code="en-cours")
    status.select_option(str(working.pk))
    sheet.locator("form[action$='/status/'] [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Ticket.objects.get(pk=busy_ticket.pk).status == working


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 375])
def test_a_client_writes_a_message_from_the_top_of_the_page(
    login_page, screenshot, client_a, busy_ticket, width
):
    page = login_page(client_a, width=width, height=900 if width > 400 else 812)
    page.goto(f"/tickets/{busy_ticket.number}/")
    with translation.override(page.evaluate("document.documentElement.lang")):
        title, agents_title = gettext("Add a message"), gettext("Reply to the client")
    expect(page.locator("#reply h2")).to_have_text(title)
    assert agents_title not in page.content()
    _in_view(page.locator("#id_body"))
    expect(page.locator(".timeline-item.is-internal")).to_have_count(0)
    if width < 400:
        # The bar opens the ticket's details (a client has no actions there).
        page.locator(".ticket-phone-bar button").click()
        _opened(page.locator("#ticket-panel"))
        expect(page.locator("#ticket-panel .ticket-facts")).to_be_in_viewport()
        expect(page.locator("#ticket-panel select")).to_have_count(0)
        screenshot(page, "ticket_page_client_375_sheet")
        page.locator("#ticket-panel .btn-close").click()
        expect(page.locator("#ticket-panel")).to_be_hidden()
    screenshot(page, f"ticket_page_client_{width}")
    page.locator("#id_body").fill("Le technicien peut passer demain matin.")
    page.locator("#id_body").press("Control+Enter")
    page.wait_for_url(re.compile(r"#event-\d+$"))
    assert busy_ticket.events.filter(body="Le technicien peut passer demain matin.").exists()


@pytest.mark.django_db(transaction=True)
def test_an_agent_adds_an_assignee_and_a_follower_by_typing(
    login_page, screenshot, agent, admin, client_a2, busy_ticket
):
    page = login_page(agent, width=1440, height=900)
    page.goto(f"/tickets/{busy_ticket.number}/")
    assign = page.locator("form[action$='/assign/']")
    assign.locator(".picker-search").fill("alan")
    assign.locator(".picker-option", has_text="Alan Agent").click()
    expect(assign.locator(".picker-chip", has_text="Alan Agent")).to_be_visible()
    expect(assign.locator(".picker-chip", has_text="Ada Admin")).to_be_visible()
    # The box keeps the focus for another name, its list closed: the button stays clickable.
    expect(assign.locator(".picker-search")).to_be_focused()
    page.wait_for_timeout(500)
    expect(assign.locator(".picker-option")).to_have_count(0)
    assign.locator("[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert set(busy_ticket.assignees.all()) == {admin, agent}

    # The classification form is loaded when opened.
    page.locator(".ticket-classification > summary").click()
    followers = page.locator("form[action$='/fields/']")
    # htmx wires up swapped-in content when it settles (20 ms later): typing before that would
    # not search. A person cannot type that fast; the test waits for the loaded form to settle.
    expect(followers.locator("#id_followers_search")).to_be_visible()
    expect(page.locator(".htmx-added")).to_have_count(0)
    followers.locator("#id_followers_search").fill("col")
    followers.locator(".picker-option", has_text="Colin Alpha").click()
    expect(followers.locator(".picker-chip", has_text="Colin Alpha")).to_be_visible()
    screenshot(page, "ticket_page_agent_1440_follower_picked")
    followers.locator("[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_be_visible()
    assert list(busy_ticket.followers.all()) == [client_a2]
    expect(page.locator(".ticket-facts")).to_contain_text("Colin Alpha")
