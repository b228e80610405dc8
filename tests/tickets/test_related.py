"""Organization and contact pages list the tickets concerning or filed by them (seed 003)."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def numbers(response):
    return [t.number for t in response.context["tickets"]]


@pytest.fixture
def tickets(make_ticket, client_a, client_a2, client_b, agent, org_a):
    own = make_ticket(client_a, title="Imprimante")
    colleague = make_ticket(client_a2, title="Export")
    on_behalf = services.create_ticket(
        actor=agent, title="Appel", description="", organization=org_a, requester=client_a2
    )
    other = make_ticket(client_b, title="Paie secrète")
    return {"own": own, "colleague": colleague, "on_behalf": on_behalf, "other": other}


def test_organization_page_lists_its_tickets_only(login, agent, org_a, tickets):
    client = login(agent)
    page = client.get(reverse("accounts:organization-detail", args=[org_a.pk]))
    assert reverse("tickets:related", args=["organization", org_a.pk]) in page.content.decode()
    fragment = client.get(reverse("tickets:related", args=["organization", org_a.pk]))
    expected = [tickets[k].number for k in ("own", "colleague", "on_behalf")]
    assert sorted(numbers(fragment)) == sorted(expected)
    assert fragment.context["page"].paginator.count == 3


def test_contact_page_lists_tickets_concerning_or_filed_by_them(login, agent, client_a2, tickets):
    client = login(agent)
    page = client.get(reverse("tickets:contact", args=[client_a2.pk]))
    assert page.status_code == 200 and client_a2.email in page.content.decode()
    fragment = client.get(reverse("tickets:related", args=["contact", client_a2.pk]))
    assert sorted(numbers(fragment)) == sorted(
        [tickets["colleague"].number, tickets["on_behalf"].number]
    )
    # Staff belong to no client organization: they have no contact record.
    assert client.get(reverse("tickets:contact", args=[agent.pk])).status_code == 404


def test_visibility_of_organization_and_contact_pages(
    login, sales, client_a, client_b, org_b, tickets
):
    # A client of org B sees neither org A's list nor org A's people.
    client = login(client_b)
    assert (
        client.get(reverse("tickets:related", args=["organization", 1 + org_b.pk])).status_code
        == 404
    )
    assert client.get(reverse("tickets:contact", args=[client_a.pk])).status_code == 404
    assert client.get(reverse("tickets:related", args=["contact", client_a.pk])).status_code == 404
    assert client.get(reverse("tickets:related", args=["team", org_b.pk])).status_code == 404
    # A sales rep of org A lists org A's tickets, never org B's.
    rep = login(sales)
    assert rep.get(reverse("tickets:related", args=["organization", org_b.pk])).status_code == 404
    assert rep.get(reverse("tickets:contact", args=[client_a.pk])).status_code == 200


def test_client_who_sees_only_own_tickets_has_no_contact_pages(login, client_a, org_a, tickets):
    org_a.clients_see_all_tickets = False
    org_a.save()
    client = login(client_a)
    assert client.get(reverse("tickets:contact", args=[client_a.pk])).status_code == 404
    fragment = client.get(reverse("tickets:related", args=["organization", org_a.pk]))
    assert numbers(fragment) == [tickets["own"].number]


def test_related_fragment_queries_do_not_grow_with_rows(
    login, agent, org_a, client_a, make_ticket, django_assert_max_num_queries, tickets
):
    client = login(agent)
    url = reverse("tickets:related", args=["organization", org_a.pk])
    client.get(url)
    for i in range(15):
        make_ticket(client_a, title=f"T{i}")
    assert Ticket.objects.filter(organization=org_a).count() == 18
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["tickets"]) == 10
    contact_url = reverse("tickets:related", args=["contact", client_a.pk])
    with django_assert_max_num_queries(12):
        client.get(contact_url)


def test_organization_card_lists_a_development_ticket_without_requester(
    login, agent, org_a, ticket_a, ref
):
    # A development ticket has no requester (transfer_to_development): the card showed a 500.
    dev = services.transfer_to_development(actor=agent, ticket=ticket_a, type=ref.type["bogue"])
    fragment = login(agent).get(reverse("tickets:related", args=["organization", org_a.pk]))
    assert fragment.status_code == 200
    assert sorted(numbers(fragment)) == sorted([ticket_a.number, dev.number])
    row = fragment.content.decode().split(f">#{dev.number}<")[1].split("</tr>")[0]
    assert '<td class="small">—</td>' in row
