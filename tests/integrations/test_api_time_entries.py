"""Time entries in the JSON API: the same rules as the ticket's time box (staff who see the
internal side get every entry with its comment; a client's key gets the billable entries of
the tickets the client sees, rounded as the contract says, never a comment), filters, paging,
creation by staff with a write key, the schema."""

import datetime as dt

import pytest
from django.urls import reverse

from billing import services as billing_services
from billing.models import TimeEntry
from tests.billing.conftest import make_contract  # noqa: F401

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db

URL = "/api/time-entries/"
SECRET = "Le client a encore cassé sa base : à facturer au prix fort"


@pytest.fixture
def entries(agent, ticket_a, ticket_b, make_contract, org_a):  # noqa: F811
    """On A's ticket: 50 billable minutes with a comment and 30 non-billable; on B's: 20."""
    make_contract(org_a, rounding_minutes=15, rounding_scope="entry")
    day = dt.date(2026, 12, 1)
    billable = billing_services.log_time(
        actor=agent, ticket=ticket_a, minutes=50, comment=SECRET, day=day
    )
    free = billing_services.log_time(
        actor=agent, ticket=ticket_a, minutes=30, billable=False, comment="geste", day=day
    )
    other = billing_services.log_time(actor=agent, ticket=ticket_b, minutes=20, day=day)
    return billable, free, other


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", PERSONAS)
def test_every_role_reads_the_entries_its_time_box_shows(who, request, api, login, entries):
    billable, free, other = entries
    user = request.getfixturevalue(who)
    client = api(user, "read")
    listed = client.get(URL)
    assert listed.status_code == 200
    page = login(user)
    expected = set()
    for entry in (billable, free, other):
        box = page.get(reverse("billing:time-box", args=[entry.ticket.number]))
        detail = client.get(f"{URL}{entry.pk}/")
        if detail.status_code == 200:
            expected.add(entry.pk)
            assert box.status_code == 200
        else:
            assert detail.status_code == 404
    assert ids(listed) == expected
    # Who sees what, spelled out: staff of the internal side everything they see (the sales
    # rep: A's), clients only the billable entry of their organization, the others nothing.
    staff = {"admin": 3, "agent": 3, "developer": 3, "sales": 2}
    clients = {"client_a": 1, "client_admin_a": 1, "reseller": 1, "client_b": 1}
    assert len(expected) == staff.get(who, clients.get(who, 0))


@pytest.mark.parametrize("who", ["client_a", "client_admin_a", "reseller"])
def test_a_client_key_gets_rounded_minutes_and_never_a_comment(who, request, api, entries):
    billable, free, _other = entries
    client = api(request.getfixturevalue(who), "read")
    [row] = client.get(URL).json()["results"]
    assert row["id"] == billable.pk and row["minutes"] == 60  # 50 min rounded up to 15
    assert set(row) == {"id", "ticket", "date", "minutes", "task_title"}
    assert SECRET not in client.get(f"{URL}{billable.pk}/").content.decode()
    assert client.get(f"{URL}{free.pk}/").status_code == 404
    # Filters on what a client never sees are ignored, not revealing.
    assert ids(client.get(URL, {"billable": "false"})) == {billable.pk}


def test_staff_read_every_field_and_filter(api, agent, admin, entries, ticket_a):
    billable, free, other = entries
    client = api(agent, "read")
    row = client.get(f"{URL}{billable.pk}/").json()
    assert row["minutes"] == 50 and row["comment"] == SECRET and row["billable"] is True
    assert row["consultant"]["id"] == agent.pk and row["activity"] == "work"
    assert ids(client.get(URL, {"ticket": ticket_a.number})) == {billable.pk, free.pk}
    assert ids(client.get(URL, {"billable": "false"})) == {free.pk}
    assert ids(client.get(URL, {"consultant": admin.pk})) == set()
    assert ids(client.get(URL, {"date_from": "2026-12-02"})) == set()
    assert ids(client.get(URL, {"date_to": "2026-12-01"})) == {billable.pk, free.pk, other.pk}
    for bad in ({"date_from": "hier"}, {"ticket": "1; DROP TABLE"}, {"consultant": "-1"}):
        assert client.get(URL, bad).status_code == 400


def test_staff_log_time_with_a_write_key_in_french_durations(api, agent, ticket_a, entries):
    client = api(agent)
    response = client.post(
        URL,
        {"ticket": ticket_a.number, "duration": "1h30", "comment": "Analyse", "date": "2026-12-02"},
    )
    assert response.status_code == 201
    entry = TimeEntry.objects.get(pk=response.json()["id"])
    assert entry.minutes == 90 and entry.user == agent and entry.ticket == ticket_a
    assert client.post(URL, {"ticket": ticket_a.number, "duration": "1,5"}).json()["minutes"] == 90
    ambiguous = client.post(URL, {"ticket": ticket_a.number, "duration": "1,30"})
    assert ambiguous.status_code == 400 and "duration" in ambiguous.json()
    assert client.post(URL, {"ticket": 999999, "duration": "1h"}).status_code == 404
    script = client.post(URL, {"ticket": ticket_a.number, "duration": "1h", "comment": "a\x00b"})
    assert script.status_code == 400
    # A read key never writes.
    assert (
        api(agent, "read").post(URL, {"ticket": ticket_a.number, "duration": "1h"}).status_code
        == 403
    )


@pytest.mark.parametrize("who", ["client_a", "client_admin_a", "reseller", "dpo", "sales"])
def test_people_who_do_not_log_time_cannot_create_entries(who, request, api, ticket_a):
    client = api(request.getfixturevalue(who))
    response = client.post(URL, {"ticket": ticket_a.number, "duration": "1h"})
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()


def test_an_agent_cannot_log_time_on_a_ticket_they_do_not_see(api, client_b, ticket_b, sales):
    # The sales rep of A sees nothing of B: 404, as the page.
    response = api(sales).post(URL, {"ticket": ticket_b.number, "duration": "1h"})
    assert response.status_code in (403, 404)
    assert not TimeEntry.objects.exists()


def test_a_submitted_week_refuses_new_entries_with_409(api, agent, ticket_a):
    day = dt.date(2026, 12, 1)
    billing_services.log_time(actor=agent, ticket=ticket_a, minutes=15, day=day)
    sheet = billing_services.timesheet_for(agent, day)
    billing_services.submit_timesheet(actor=agent, sheet=sheet, version=sheet.version)
    response = api(agent).post(
        URL, {"ticket": ticket_a.number, "duration": "1h", "date": "2026-12-02"}
    )
    assert response.status_code == 409


@pytest.mark.parametrize("count", [3, 30])
def test_list_queries_do_not_grow_with_entries(
    count,
    api,
    agent,
    client_a,
    ticket_a,
    make_contract,  # noqa: F811
    org_a,
    django_assert_max_num_queries,
):
    make_contract(org_a)
    for n in range(count):
        billing_services.log_time(
            actor=agent, ticket=ticket_a, minutes=10 + n, day=dt.date(2026, 12, 1)
        )
    for reader in (api(agent, "read"), api(client_a, "read")):
        with django_assert_max_num_queries(10):
            assert len(reader.get(URL).json()["results"]) == min(count, 25)


def test_the_schema_lists_time_entries(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/time-entries/" in schema and "/api/time-entries/{id}/" in schema
    assert "TimeEntryCreate" in schema
