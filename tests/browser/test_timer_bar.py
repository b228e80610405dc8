"""The running timer follows the agent in the top bar: started in a ticket's time box, it shows
(ticking) on every page, survives a reload, appears and disappears in a second tab, and stops
from the bar."""

import re

import pytest

from billing.models import TimeEntry, Timer
from tests.browser.waiting import until
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_timer_keeps_running_across_pages_reloads_and_tabs(
    login_page, screenshot, agent, client_a, live_server
):
    ticket_a = ticket_services.create_ticket(
        actor=client_a, title="Export CSV des factures", description="Merci."
    )
    page = login_page(agent, width=1440)
    page.goto(ticket_a.get_absolute_url())
    page.locator("#time-box button.timer-start").click()
    bar = page.locator("#timer-bar .timer-bar-link")
    bar.wait_for()  # this tab's bar follows the time box without a reload
    assert f"#{ticket_a.number}" in bar.inner_text()

    page.goto(f"{live_server.url}/tickets/")  # another page
    bar = page.locator("#timer-bar .timer-bar-link")
    bar.wait_for()
    page.wait_for_timeout(1500)
    elapsed = page.locator(".timer-bar-elapsed").inner_text()
    assert re.fullmatch(r"0:00:\d\d", elapsed) and elapsed != "0:00:00"  # it ticks
    page.reload()
    page.locator("#timer-bar .timer-bar-link").wait_for()
    screenshot(page, "timer_bar_queue_1440", full_page=False)

    second = page.context.new_page()  # a second tab, on the ticket
    second.goto(ticket_a.get_absolute_url())
    second.locator("#timer-bar .timer-bar-link").wait_for()
    second.locator("#time-box button.timer-stop").click()
    until(lambda: TimeEntry.objects.filter(ticket=ticket_a).exists())
    # The first tab hears of it (localStorage) and its bar empties.
    page.locator("#timer-bar .timer-bar-link").wait_for(state="detached", timeout=5000)

    second.locator("#time-box button.timer-start").click()
    page.locator("#timer-bar .timer-bar-link").wait_for(timeout=5000)  # and shows a new one
    page.locator("#timer-bar button.timer-bar-stop").click()  # stop from the bar
    page.wait_for_url(re.compile(rf"/tickets/{ticket_a.number}/"))
    until(lambda: TimeEntry.objects.filter(ticket=ticket_a).count() == 2)
    assert not Timer.objects.filter(user=agent).exists()
    assert page.locator("#timer-bar .timer-bar-link").count() == 0
    # Both tabs refresh their bar when a timer stops: let those requests end before the
    # database is emptied for the next test (SQLite refuses to empty a table being read).
    for tab in (page, second):
        tab.wait_for_load_state("networkidle")
