"""Overdue is read from the due date at the time of asking: the dashboard, the queue and the
ticket page agree from the minute a due date passes, before any periodic job has run."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import selectors, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def due(ticket, **delta):
    """Move the ticket's resolution due date (the periodic flag job does not run here)."""
    Ticket.objects.filter(pk=ticket.pk).update(
        resolution_due_at=timezone.now() + timedelta(**delta)
    )


@pytest.fixture
def late(make_ticket, client_a):
    ticket = make_ticket(client_a, title="Late one")
    due(ticket, minutes=-1)
    return ticket


def test_a_ticket_due_a_minute_ago_is_overdue_everywhere_without_the_job(
    login, agent, late, make_ticket, client_a
):
    due(make_ticket(client_a, title="On time"), hours=2)
    assert not Ticket.objects.get(pk=late.pk).is_overdue  # the stored flag lags
    client = login(agent)

    dashboard = client.get("/")
    assert dashboard.context["counts"]["overdue"] == 1
    assert 'data-counter="overdue">1<' in dashboard.content.decode()
    live = client.get("/", HTTP_HX_REQUEST="true")
    assert live.context["counts"]["overdue"] == 1

    queue = client.get(reverse("tickets:list"), {"view": "overdue"})
    assert [t.title for t in queue.context["tickets"]] == ["Late one"]
    assert queue.context["page"].paginator.count == 1
    assert "ticket-overdue" in queue.content.decode()
    everything = client.get(reverse("tickets:list"))
    rows = {t.title: t.is_overdue for t in everything.context["tickets"]}
    assert rows == {"Late one": True, "On time": False}
    on_time = client.get(reverse("tickets:list"), {"overdue": "false"}).context["tickets"]
    assert [t.title for t in on_time] == ["On time"]

    page = client.get(late.get_absolute_url()).content.decode()
    assert "Overdue by" in page


def test_paused_resolved_and_pushed_back_tickets_are_not_overdue(
    login, agent, late, make_ticket, client_a, ref
):
    waiting = make_ticket(client_a, title="Waiting on the client")
    due(waiting, minutes=-30)
    services.change_status(actor=agent, ticket=waiting, status=ref.status["reponse-envoyee"])
    done = make_ticket(client_a, title="Resolved")
    due(done, minutes=-30)
    services.change_status(actor=agent, ticket=done, status=ref.status["resolu"])
    # Flagged by the job earlier, then given more time (a new priority): no longer overdue.
    pushed = make_ticket(client_a, title="More time")
    Ticket.objects.filter(pk=pushed.pk).update(
        is_overdue=True, resolution_due_at=timezone.now() + timedelta(hours=3)
    )
    client = login(agent)
    assert client.get("/").context["counts"]["overdue"] == 1
    queue = client.get(reverse("tickets:list"), {"view": "overdue"})
    assert [t.title for t in queue.context["tickets"]] == ["Late one"]


def test_a_client_sees_no_overdue_count_of_others(login, client_b, late, agent):
    """The count starts from the tickets the person may see."""
    assert login(agent).get("/").context["counts"]["overdue"] == 1
    assert selectors.overdue_count(client_b) == 0


def test_the_overdue_counter_is_one_query_whatever_the_number_of_late_tickets(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    due(make_ticket(client_a), minutes=-5)
    client.get("/", HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(25) as few:
        client.get("/", HTTP_HX_REQUEST="true")
    bound = len(few.captured_queries)
    for _ in range(20):
        due(make_ticket(client_a), minutes=-5)
    with django_assert_max_num_queries(bound):
        counts = client.get("/", HTTP_HX_REQUEST="true").context["counts"]
    assert counts["overdue"] == 21
