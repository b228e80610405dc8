"""The queue's count and page ids run SQL kept per process for each filter set
(tickets.paging.CompiledList): what one person's filters compiled never answers another's, a
change of tickets or of the statuses shows at once."""

import pytest
from django.urls import reverse

from core.prepared import _COMPILED
from tickets import caching, services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def numbers(response):
    return [t.number for t in response.context["tickets"]]


def test_me_means_each_person_with_the_same_url(login, agent, agent_l2, client_a, make_ticket):
    alan = make_ticket(client_a, title="Pour Alan")
    lea = make_ticket(client_a, title="Pour Léa")
    services.claim(actor=agent, ticket=alan)
    services.claim(actor=agent_l2, ticket=lea)
    mine = {"assignee": "me"}
    assert numbers(login(agent).get(reverse("tickets:list"), mine)) == [alan.number]
    # The same URL in the same process, once the first person's statement is kept.
    assert _COMPILED
    assert numbers(login(agent_l2).get(reverse("tickets:list"), mine)) == [lea.number]
    # A ticket change: the kept statement counts and reads the new rows.
    services.claim(actor=agent_l2, ticket=alan)
    response = login(agent_l2).get(reverse("tickets:list"), mine)
    assert sorted(numbers(response)) == sorted([alan.number, lea.number])
    assert response.context["page"].paginator.count == 2


def test_a_new_closed_status_leaves_the_open_queue_at_once(login, agent, client_a, make_ticket):
    shown = make_ticket(client_a, title="Bientôt archivé")
    other = make_ticket(client_a, title="Toujours ouvert")
    client = login(agent)
    assert set(numbers(client.get(reverse("tickets:list")))) == {shown.number, other.number}
    archived = Status.objects.create(
        code="archived", name_fr="Archivé", category=Status.Category.CLOSED, order=99
    )
    caching.reference_changed()
    Ticket.objects.filter(pk=shown.pk).update(status=archived)
    caching.tickets_changed()
    assert numbers(client.get(reverse("tickets:list"))) == [other.number]
    closed = client.get(reverse("tickets:list"), {"state": "closed"})
    assert numbers(closed) == [shown.number]


def test_a_search_kept_for_one_filter_set_answers_with_the_current_tickets(
    login, agent, client_a, make_ticket
):
    first = make_ticket(client_a, title="Imprimante bloquée")
    client = login(agent)
    assert numbers(client.get(reverse("tickets:list"), {"q": "imprimante"})) == [first.number]
    second = make_ticket(client_a, title="Autre imprimante en panne")
    found = numbers(client.get(reverse("tickets:list"), {"q": "imprimante"}))
    assert sorted(found) == sorted([first.number, second.number])
