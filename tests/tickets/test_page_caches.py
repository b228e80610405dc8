"""What the queue and the dashboard keep between loads (tickets.caching): the queue's rendered
rows and the dashboard's list and overdue counter are kept until the next ticket change, and
never past the moment time alone changes them (a due date passing)."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import caching, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    """The counters cache on, as in production (the test settings turn it off)."""
    settings.HELPDESK_COUNTERS_CACHE_SECONDS = 30


def later(monkeypatch, **delta):
    """The clock moved on by delta, for the pages and for the cache's expiry."""
    shift = timedelta(**delta)
    real_now, real_time = timezone.now, time.time
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift)
    monkeypatch.setattr(time, "time", lambda: real_time() + shift.total_seconds())


def test_the_queue_rows_are_kept_until_a_ticket_changes(
    cached, login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    ticket = make_ticket(client_a, title="Imprimante en panne")
    client = login(agent)
    first = client.get(reverse("tickets:list"))
    assert [t.pk for t in first.context["tickets"]] == [ticket.pk]
    with django_assert_max_num_queries(30) as computed:
        client.get(reverse("tickets:list"), {"sort": "title"})
    # Seen again: the page's rows come from the cache (no ids query; the rows themselves were
    # kept one by one at the first load, so neither they nor their assignees are read again).
    with django_assert_max_num_queries(len(computed.captured_queries) - 1):
        again = client.get(reverse("tickets:list"), {"sort": "title"})
    assert again.context["tickets"] is None
    assert "Imprimante en panne" in again.content.decode()
    assert "Unassigned" in again.content.decode()
    # Kept rows are written as markup by the page's template, never as escaped text.
    assert '<tr class="q-row' in again.content.decode() and "&lt;tr" not in again.content.decode()

    services.claim(actor=agent, ticket=ticket)
    after = client.get(reverse("tickets:list"), {"sort": "title"}).content.decode()
    assert "Alan Agent" in after
    # A new ticket shows at the next load, and the other pages and sorts are apart.
    make_ticket(client_a, title="Export comptable vide")
    page = client.get(reverse("tickets:list"))
    assert [t.title for t in page.context["tickets"]] == ["Export comptable vide"]  # read
    shown = page.content.decode()
    assert shown.index("Export comptable vide") < shown.index("Imprimante en panne")


def test_after_a_change_only_the_changed_tickets_row_is_read_again(
    cached, login, agent, make_ticket, client_a
):
    kept = make_ticket(client_a, title="Imprimante en panne")
    changed = make_ticket(client_a, title="Export comptable vide")
    client = login(agent)
    first = client.get(reverse("tickets:list"))
    assert {t.pk for t in first.context["tickets"]} == {kept.pk, changed.pk}

    services.claim(actor=agent, ticket=changed)
    after = client.get(reverse("tickets:list"))
    assert [t.pk for t in after.context["tickets"]] == [changed.pk]
    page = after.content.decode()
    assert "Imprimante en panne" in page
    assert "Alan Agent" in page  # the changed row shows its new assignee

    # A write that names no ticket (a bulk job, an import) renders every row again.
    caching.tickets_changed()
    again = client.get(reverse("tickets:list"))
    assert {t.pk for t in again.context["tickets"]} == {kept.pk, changed.pk}


def test_cached_rows_turn_overdue_when_the_due_date_passes(
    cached, login, agent, make_ticket, client_a, monkeypatch
):
    ticket = make_ticket(client_a, title="Bientôt en retard")
    Ticket.objects.filter(pk=ticket.pk).update(
        resolution_due_at=timezone.now() + timedelta(minutes=10)
    )
    client = login(agent)
    assert "ticket-overdue" not in client.get(reverse("tickets:list")).content.decode()
    assert client.get(reverse("tickets:list")).context["tickets"] is None  # cached
    assert client.get("/").context["counts"]["overdue"] == 0

    later(monkeypatch, minutes=11)
    queue = client.get(reverse("tickets:list"))
    assert [t.is_overdue for t in queue.context["tickets"]] == [True]
    assert "ticket-overdue" in queue.content.decode()
    assert client.get("/").context["counts"]["overdue"] == 1


def test_the_rows_follow_the_language(cached, login, agent, make_ticket, client_a):
    make_ticket(client_a, title="Imprimante en panne")
    agent.language = "fr"
    agent.save(update_fields=["language"])
    client = login(agent)
    assert "Non attribué" in client.get(reverse("tickets:list")).content.decode()
    agent.language = "en"
    agent.save(update_fields=["language"])
    assert "Unassigned" in client.get(reverse("tickets:list")).content.decode()


def test_the_dashboard_list_is_kept_until_a_ticket_changes(
    cached, login, agent, make_ticket, client_a
):
    ticket = make_ticket(client_a, title="Imprimante en panne")
    client = login(agent)
    assert "Imprimante en panne" not in client.get("/").content.decode()
    services.claim(actor=agent, ticket=ticket)
    page = client.get("/")
    assert [t.pk for t in page.context["my_tickets"]] == [ticket.pk]
    again = client.get("/")
    assert again.context["my_tickets"] is None  # from the cache
    assert "Imprimante en panne" in again.content.decode()
    assert "&lt;" not in again.content.decode()
    services.assign(actor=agent, ticket=ticket, assignees=[])
    assert "Imprimante en panne" not in client.get("/").content.decode()


def test_a_forged_status_or_priority_is_refused_without_a_query_on_the_table(
    login, agent, make_ticket, client_a, ref
):
    make_ticket(client_a, title="Imprimante en panne")
    client = login(agent)
    refused = client.get(reverse("tickets:list"), {"status": "999999", "priority": "abc"})
    assert refused.status_code == 200
    errors = dict(refused.context["filter_errors"])
    assert set(errors) == {"Status", "Priority"}
    chosen = ref.status["en-cours"].pk
    shown = client.get(reverse("tickets:list"), {"status": str(chosen), "state": "all"})
    assert shown.context["filter_errors"] == []
