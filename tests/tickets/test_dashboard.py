"""Dashboard counters, the live fragment refreshed by htmx, and the to-do count in the top bar."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tickets import selectors, services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(make_ticket, agent, client_a, client_b, ref):
    mine = make_ticket(client_a, title="A moi")
    services.claim(actor=agent, ticket=mine)
    make_ticket(client_a, title="Personne")
    make_ticket(client_b, title="Chez Beta")
    done = make_ticket(client_a, title="Fini")
    closed = Status.objects.filter(category=Status.Category.CLOSED).first()
    services.change_status(actor=agent, ticket=done, status=closed)
    late = make_ticket(client_a, title="En retard")
    # Past its due date a minute ago; the periodic job has not flagged it yet.
    Ticket.objects.filter(pk=late.pk).update(
        resolution_due_at=timezone.now() - timedelta(minutes=1)
    )
    return mine


def test_staff_counters(login, agent, work):
    counts = login(agent).get("/").context["counts"]
    assert counts["mine"] == 1
    assert counts["unassigned"] == 3  # "Personne", "Chez Beta", "En retard"
    assert counts["overdue"] == 1
    assert counts["closed_today"] == 1 and counts["closed_week"] == 1
    assert counts["new"] == Ticket.objects.filter(status__category=Status.Category.NEW).count()


def test_sales_rep_counts_only_their_clients(login, sales, work):
    counts = login(sales).get("/").context["counts"]
    assert counts["unassigned"] == 2  # Beta's ticket is not theirs


def test_clients_see_their_open_tickets_and_no_counters(login, client_b, work):
    response = login(client_b).get("/")
    assert response.context["counts"] is None
    assert [t.title for t in response.context["my_tickets"]] == ["Chez Beta"]
    assert "A moi" not in response.content.decode()


def test_htmx_gets_the_live_fragment_only(login, agent, work):
    response = login(agent).get("/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="dashboard-live"' in body and "<html" not in body
    assert "HX-Request" in response["Vary"]
    assert 'hx-trigger="every 60s"' in body


def test_top_bar_shows_the_to_do_count(login, agent, client_a, work):
    page = login(agent).get("/tickets/").content.decode()
    assert 'id="todo-count">1</span>' in page


def test_dashboard_queries_do_not_grow_with_tickets(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    for _ in range(3):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    client.get("/")
    with django_assert_max_num_queries(25) as few:
        client.get("/", HTTP_HX_REQUEST="true")
    bound = len(few.captured_queries)  # read now: the next request resets the query log
    for _ in range(30):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    with django_assert_max_num_queries(bound):
        client.get("/", HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(bound + 6):
        client.get("/")


def test_counters_are_cached_until_the_next_ticket_change(
    login, agent, make_ticket, client_a, django_assert_max_num_queries, settings
):
    settings.HELPDESK_COUNTERS_CACHE_SECONDS = 30
    client = login(agent)
    services.claim(actor=agent, ticket=make_ticket(client_a))
    first = client.get("/", HTTP_HX_REQUEST="true").context["counts"]
    with django_assert_max_num_queries(30) as computed:
        cache.clear()
        client.get("/", HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(len(computed.captured_queries) - 5):
        again = client.get("/", HTTP_HX_REQUEST="true").context["counts"]
    assert again == first
    # Any ticket change shows at the next refresh, cache or not.
    services.claim(actor=agent, ticket=make_ticket(client_a))
    fresh = client.get("/", HTTP_HX_REQUEST="true").context["counts"]
    assert fresh["mine"] == first["mine"] + 1


def _oob_todo(body: str) -> str | None:
    """The count of the out-of-band to-do link a refresh sends, or None."""
    found = re.search(
        r'<a [^>]*id="todo"[^>]*hx-swap-oob="true"[^>]*>.*?id="todo-count">(\d+)<', body
    )
    return found.group(1) if found else None


def test_refreshes_bring_the_top_bar_to_do_count_along(login, agent, client_a, make_ticket, work):
    """The dashboard's and the queue's refreshes carry the to-do link out of band (htmx swaps
    it in the top bar); full pages have it in place, not out of band."""
    client = login(agent)
    assert _oob_todo(client.get("/", HTTP_HX_REQUEST="true").content.decode()) == "1"
    services.claim(actor=agent, ticket=make_ticket(client_a, title="Encore une"))
    assert _oob_todo(client.get("/", HTTP_HX_REQUEST="true").content.decode()) == "2"
    refresh = client.get("/tickets/?q=encore", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-rows")
    body = refresh.content.decode()
    assert _oob_todo(body) == "2" and "HX-Request" in refresh["Vary"]
    assert body.startswith('<div class="card" id="queue-rows"') and "<html" not in body
    assert "Encore une" in body and "A moi" not in body  # the filter is kept
    assert 'class="card card-body mb-3 queue-filters"' not in body  # no filter form
    page = client.get("/tickets/").content.decode()
    assert 'id="todo-count">2</span>' in page and _oob_todo(page) is None
    # Other htmx requests of the queue's URL (none today) still get the whole page.
    assert "queue-filters" in client.get("/tickets/", HTTP_HX_REQUEST="true").content.decode()


def test_the_queue_refresh_queries_do_not_grow_with_tickets(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    for _ in range(3):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    refresh = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-rows"}
    client.get("/tickets/", **refresh)
    with django_assert_max_num_queries(20) as few:
        client.get("/tickets/", **refresh)
    for _ in range(30):
        services.claim(actor=agent, ticket=make_ticket(client_a))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/tickets/", **refresh)
    assert response.content.decode().count('class="form-check-input bulk-select"') == 25


def test_to_do_counts_stop_at_the_cap(login, agent, client_a, make_ticket, monkeypatch, work):
    """Past the cap the top bar and the dashboard say "N+", and counting stops there."""
    from tickets import selectors
    from tickets.templatetags import tickets as tags

    monkeypatch.setattr(selectors, "COUNTER_CAP", 2)
    monkeypatch.setattr(tags, "COUNTER_CAP", 2)
    client = login(agent)
    services.claim(actor=agent, ticket=make_ticket(client_a, title="Deux"))
    page = client.get("/").content.decode()
    assert 'id="todo-count">2</span>' in page and 'data-counter="mine">2<' in page
    services.claim(actor=agent, ticket=make_ticket(client_a, title="Trois"))
    page = client.get("/").content.decode()
    assert 'id="todo-count">2+</span>' in page and 'data-counter="mine">2+<' in page
    assert selectors.todo_count(agent) == 3  # cap + 1: "more than the cap"


def test_counters_follow_each_change_and_the_clock(login, agent, client_a, make_ticket, work):
    """The counters of staff who see every ticket (compiled once, counted together) agree
    with the tickets after each change; the overdue count with the time of each count."""
    client = login(agent)

    def expected():
        final = Status.objects.filter(category__in=selectors.FINAL)
        return {
            "unassigned": Ticket.objects.filter(is_assigned=False)
            .exclude(status__in=final)
            .count(),
            "new": Ticket.objects.filter(status__category=Status.Category.NEW).count(),
            "closed_today": Ticket.objects.filter(closed_at__isnull=False).count(),
        }

    counts = client.get("/").context["counts"]
    assert {name: counts[name] for name in expected()} == expected()
    closed = Status.objects.filter(category=Status.Category.CLOSED).first()
    services.change_status(actor=agent, ticket=make_ticket(client_a), status=closed)
    counts = client.get("/").context["counts"]
    assert {name: counts[name] for name in expected()} == expected()
    assert counts["closed_today"] == counts["closed_week"] == 2
    assert counts["overdue"] == 1
    late = make_ticket(client_a, title="Aussi en retard")
    Ticket.objects.filter(pk=late.pk).update(
        resolution_due_at=timezone.now() - timedelta(seconds=1)
    )
    services.claim(actor=agent, ticket=late)  # a change: the counters are counted again
    assert client.get("/").context["counts"]["overdue"] == 2
