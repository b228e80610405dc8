"""Bulk actions on the queue: assign, status, priority on selected rows, through the services."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tickets import events
from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(make_ticket, client_a, client_b):
    return [
        make_ticket(client_a, title="Imprimante"),
        make_ticket(client_a, title="Export"),
        make_ticket(client_b, title="Paie"),
    ]


def post(client, numbers, change, next_url="/tickets/?category=new"):
    return client.post(
        reverse("tickets:bulk"), {"tickets": numbers, "change": change, "next": next_url}
    )


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_agent_assigns_several_tickets_each_with_its_event_and_notification(
    login, agent, rows, django_capture_on_commit_callbacks
):
    published = []
    record = lambda **kw: published.append(kw["ticket_id"])  # noqa: E731
    events.subscribe(events.TICKET_ASSIGNED, record)
    try:
        client = login(agent)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, [t.number for t in rows[:2]], f"assign:{agent.pk}")
    finally:
        events.unsubscribe(events.TICKET_ASSIGNED, record)
    assert response.status_code == 302 and response.url == "/tickets/?category=new"
    for ticket in rows[:2]:
        assert list(ticket.assignees.all()) == [agent]
        assert ticket.events.filter(kind=Event.Kind.ASSIGNMENT, actor=agent).count() == 1
    assert not rows[2].assignees.exists()
    assert sorted(published) == sorted(t.pk for t in rows[:2])
    assert "2 tickets changed" in texts(response)[0]


def test_status_and_priority_in_bulk_and_unchanged_ones_reported(login, admin, rows, ref):
    client = login(admin)
    post(client, [rows[0].number], f"priority:{ref.priority['urgente'].pk}")
    response = post(client, [t.number for t in rows], f"priority:{ref.priority['urgente'].pk}")
    assert Ticket.objects.filter(priority=ref.priority["urgente"]).count() == 3
    messages = texts(response)[-2:]  # the first post's message is still pending
    assert messages[0].startswith("2 tickets changed")
    assert messages[1] == f"1 ticket already had it: #{rows[0].number}."
    post(client, [t.number for t in rows], f"status:{ref.status['en-cours'].pk}")
    assert set(Ticket.objects.values_list("status__code", flat=True)) == {"en-cours"}
    assert Event.objects.filter(kind=Event.Kind.STATUS).count() == 3


def test_forged_or_hidden_ids_are_refused_and_the_rest_goes_on(login, sales, rows, agent, ref):
    # A sales rep sees org A only and may not change status: nothing happens, each is refused.
    response = post(login(sales), [rows[0].number], f"status:{ref.status['en-cours'].pk}")
    assert response.status_code == 404
    client = login(agent)
    response = post(client, [rows[0].number, 999999], f"assign:{agent.pk}")
    assert list(rows[0].assignees.all()) == [agent]
    assert "#999999 (not found)" in texts(response)[-1]


def test_bad_input_gives_a_message_and_changes_nothing(login, agent, rows, client_a):
    client = login(agent)
    for data in (
        {"tickets": [], "change": f"assign:{agent.pk}"},
        {"tickets": [rows[0].number], "change": ""},
        {"tickets": [rows[0].number], "change": f"assign:{client_a.pk}"},  # not an agent
        {"tickets": ["abc"], "change": f"assign:{agent.pk}"},
        {"tickets": [rows[0].number], "change": "status:999999"},
    ):
        response = client.post(reverse("tickets:bulk"), {**data, "next": "https://evil.test/"})
        assert response.status_code == 302 and response.url == reverse("tickets:list")
        assert texts(response)
    assert not Event.objects.filter(kind__in=["assignment", "status"]).exists()


def test_customers_get_no_bulk_bar_nor_endpoint(login, client_a, rows, agent):
    client = login(client_a)
    assert "bulk-form" not in client.get(reverse("tickets:list")).content.decode()
    assert post(client, [rows[0].number], f"assign:{agent.pk}").status_code == 404
    staff = login(agent).get(reverse("tickets:list")).content.decode()
    assert 'id="bulk-form"' in staff and staff.count('class="form-check-input bulk-select"') == 3


def test_the_list_of_changes_is_loaded_when_a_first_row_is_ticked(
    login, agent, agent_l2, admin, client_a, rows, django_assert_max_num_queries
):
    """The queue page carries a placeholder (no query for people); the list comes from its
    own fragment, behind the same access check as the bulk action."""
    client = login(agent)
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'data-load="/tickets/bulk/changes/"' in page and f"assign:{agent.pk}" not in page
    with django_assert_max_num_queries(12):
        fragment = client.get(reverse("tickets:bulk-changes")).content.decode()
    assert 'id="bulk-change"' in fragment and 'name="change"' in fragment
    assert re.search(rf'value="assign:{agent.pk}"\s*>(Me|Moi)<', fragment)
    assert f"assign:{agent_l2.pk}" in fragment and f"assign:{admin.pk}" in fragment
    assert f"assign:{client_a.pk}" not in fragment and "assign:none" in fragment
    assert login(client_a).get(reverse("tickets:bulk-changes")).status_code == 404
