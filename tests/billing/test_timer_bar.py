"""The running timer in the top bar of every page: shown to people who log time, from a
per-person cache (no query on the Timer table while nothing changes), forgotten when a timer
starts, stops or is discarded."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services


def _timer_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries if "billing_timer" in q["sql"]]


def test_the_top_bar_shows_the_running_timer_on_every_page_without_a_query_each_time(
    agent, ticket_a, login
):
    client = login(agent)
    dashboard = reverse("dashboard")
    page, queries = _timer_queries(client, dashboard)
    html = page.content.decode()
    assert 'id="timer-bar"' in html and "timer-bar-link" not in html
    assert len(queries) == 1  # computed once...
    _page, queries = _timer_queries(client, dashboard)
    assert queries == []  # ...then read from the cache
    client.post(reverse("billing:timer-start", args=[ticket_a.number]))
    page, queries = _timer_queries(client, reverse("tickets:list"))
    html = page.content.decode()
    assert f"#{ticket_a.number}" in html.split('id="timer-bar"')[1].split("</div>")[0]
    assert "timer-bar-stop" in html and "js/timer-bar.js" in html
    assert len(queries) == 1  # the start forgot the cached "no timer"
    _page, queries = _timer_queries(client, dashboard)
    assert queries == []


def test_stopping_from_the_top_bar_logs_the_time_and_opens_the_ticket(agent, ticket_a, login):
    client = login(agent)
    services.start_timer(actor=agent, ticket=ticket_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("billing:timer-stop", args=[ticket_a.number]) in html
    r = client.post(
        reverse("billing:timer-stop", args=[ticket_a.number]),
        {"activity": "work", "billable": "on"},
    )
    assert r.status_code == 302 and r["Location"] == ticket_a.get_absolute_url()
    entry = ticket_a.time_entries.get()
    assert entry.billable and entry.minutes >= 1
    html = client.get(reverse("dashboard")).content.decode()
    assert "timer-bar-link" not in html


def test_people_who_do_not_log_time_get_no_timer_bar(client_a, login):
    client = login(client_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'id="timer-bar"' not in html and "timer-bar.js" not in html
    assert client.get(reverse("billing:timer-bar")).status_code == 404


def test_the_bar_fragment_shows_only_ones_own_timer(agent, admin, ticket_a, login):
    services.start_timer(actor=admin, ticket=ticket_a)
    fragment = login(agent).get(reverse("billing:timer-bar")).content.decode()
    assert 'id="timer-bar"' in fragment and "timer-bar-link" not in fragment
    assert "<script" not in fragment  # swapped by htmx, which runs no script
    fragment = login(admin).get(reverse("billing:timer-bar")).content.decode()
    assert f"#{ticket_a.number}" in fragment
