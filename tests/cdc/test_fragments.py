"""The "Start a change request" button a ticket page loads from cdc as an htmx fragment."""

import pytest
from django.urls import reverse

from tests.tickets.conftest import ensure_reference_data
from tickets import services as ticket_services

# Who sees the button on ticket_a (organization A): 200 with or without it; 404 when the
# ticket itself is hidden.
MATRIX = {
    "admin": (200, True),
    "dpo": (404, False),
    "client_admin_a": (200, True),
    "gdpr_auditor_a": (200, True),
    "client_a": (200, False),
    "agent": (200, False),
    "sales": (200, False),
    "reseller": (200, False),
    "client_b": (404, False),
}


@pytest.fixture
def ticket_a(client_a):
    ensure_reference_data()
    return ticket_services.create_ticket(
        actor=client_a, title="Imprimante", description="En panne."
    )


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_start_button_fragment_follows_who_may_open_requests(persona, request, login, ticket_a):
    status, shown = MATRIX[persona]
    response = login(request.getfixturevalue(persona)).get(
        reverse("cdc:start-from-ticket", args=[ticket_a.number])
    )
    assert response.status_code == status
    assert (f"/cdc/new/?ticket={ticket_a.number}" in response.content.decode()) is shown


def test_start_button_fragment_queries_are_bounded(
    login, admin, ticket_a, django_assert_max_num_queries
):
    client = login(admin)
    url = reverse("cdc:start-from-ticket", args=[ticket_a.number])
    client.get(url)
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_ticket_page_loads_the_start_button_from_cdc(login, admin, ticket_a):
    page = login(admin).get(reverse("tickets:detail", args=[ticket_a.number])).content.decode()
    fragment = reverse("cdc:start-from-ticket", args=[ticket_a.number])
    assert f'hx-get="{fragment}" hx-trigger="load"' in page
