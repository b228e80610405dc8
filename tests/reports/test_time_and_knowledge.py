"""The time and knowledge base reports: figures against a small hand-made data set, who sees
what, and bounded queries."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from billing.models import TimeEntry, Timesheet
from tickets.models import Ticket
from wiki.models import HelpfulMark, Page, Space

from .conftest import RANGE, paris

pytestmark = pytest.mark.django_db


def _entry(user, ticket, day, minutes, *, billable=True, comment=""):
    sheet, _ = Timesheet.objects.get_or_create(
        user=user, week_start=day - dt.timedelta(days=day.weekday())
    )
    return TimeEntry.objects.create(
        ticket=ticket,
        user=user,
        timesheet=sheet,
        work_date=day,
        minutes=minutes,
        billable=billable,
        comment=comment,
        task_title="Analyse",
    )


@pytest.fixture
def time_data(dataset, admin, agent, org_a, org_b):
    """In the range (16-29 Nov 2026):
    Alan Agent on an Alpha ticket: 90 min billable (20 Nov), 30 min non-billable (23 Nov);
    Ada Admin on a Beta ticket: 45 min billable (24 Nov);
    Alan Agent on a Beta ticket: 15 min non-billable (25 Nov).
    Outside: Alan Agent 60 min billable on the Alpha ticket (30 Oct).
    Hand-computed: November 2.25 h billable, 0.75 h not, 3.00 h in all; Alan 1.50 / 0.75 /
    2.25, Ada 0.75 / 0 / 0.75; Alpha 1.50 / 0.50 / 2.00, Beta 0.75 / 0.25 / 1.00."""
    alpha = Ticket.objects.filter(organization=org_a).order_by("pk").first()
    beta = Ticket.objects.filter(organization=org_b).order_by("pk").first()
    _entry(agent, alpha, dt.date(2026, 11, 20), 90)
    _entry(agent, alpha, dt.date(2026, 11, 23), 30, billable=False, comment="Secret interne")
    _entry(admin, beta, dt.date(2026, 11, 24), 45)
    _entry(agent, beta, dt.date(2026, 11, 25), 15, billable=False)
    _entry(agent, alpha, dt.date(2026, 10, 30), 60)


def _csv(client, key, params=RANGE):
    response = client.get(reverse("reports:export", args=[key, "csv"]), params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _tables(client, key, params=RANGE):
    from reports.catalog import REPORTS
    from reports.forms import ReportFilterForm

    user = client.user
    form = ReportFilterForm(params, user=user, report=REPORTS[key])
    assert form.is_valid(), form.errors
    return {t.title: t for t in REPORTS[key].build(user, form.filters()).tables}


@pytest.fixture
def reader(login):
    def _open(user):
        client = login(user)
        client.user = user
        return client

    return _open


def _rows(table):
    return [[str(v) for v in row] for row in table.rows]


def test_time_figures_for_the_support_team(reader, admin, time_data):
    tables = _tables(reader(admin), "time")
    assert _rows(tables["Hours per month"]) == [["November 2026", "2.25", "0.75", "3.00"]]
    assert _rows(tables["Hours per consultant"]) == [
        ["Alan Agent", "1.50", "0.75", "2.25"],
        ["Ada Admin", "0.75", "0.00", "0.75"],
    ]
    assert _rows(tables["Hours per client"]) == [
        ["Alpha Industries", "1.50", "0.50", "2.00"],
        ["Beta Corp", "0.75", "0.25", "1.00"],
    ]
    # The figures are Decimal hours, never floats.
    from decimal import Decimal

    assert all(isinstance(v, Decimal) for row in tables["Hours per client"].rows for v in row[1:])


def test_time_filters_by_client_and_consultant(reader, admin, agent, org_b, time_data):
    tables = _tables(reader(admin), "time", {**RANGE, "organization": org_b.pk})
    assert _rows(tables["Hours per client"]) == [["Beta Corp", "0.75", "0.25", "1.00"]]
    tables = _tables(reader(admin), "time", {**RANGE, "agent": agent.pk})
    assert _rows(tables["Hours per consultant"]) == [["Alan Agent", "1.50", "0.75", "2.25"]]
    assert _rows(tables["Hours per month"]) == [["November 2026", "1.50", "0.75", "2.25"]]


def test_a_sales_rep_counts_their_clients_time_only(reader, sales, time_data):
    tables = _tables(reader(sales), "time")
    assert _rows(tables["Hours per client"]) == [["Alpha Industries", "1.50", "0.50", "2.00"]]
    assert _rows(tables["Hours per consultant"]) == [["Alan Agent", "1.50", "0.50", "2.00"]]


def test_a_client_administrator_reads_billable_time_of_their_organization_only(
    reader, client_admin_a, org_b, time_data
):
    client = reader(client_admin_a)
    tables = _tables(client, "time")
    assert set(tables) == {"Hours per month", "Hours per client"}
    assert _rows(tables["Hours per month"]) == [["November 2026", "1.50"]]
    assert _rows(tables["Hours per client"]) == [["Alpha Industries", "1.50"]]
    page = client.get(reverse("reports:report", args=["time"]), RANGE)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Beta Corp" not in text and "Alan Agent" not in text and "Secret" not in text
    assert "Non-billable" not in text
    rows = _csv(client, "time")
    flat = " ".join(" ".join(r) for r in rows)
    assert "Beta" not in flat and "Alan" not in flat and "Secret" not in flat
    assert ["Alpha Industries", "1.50"] in rows
    # Forging the other organization's id is refused.
    forged = client.get(
        reverse("reports:export", args=["time", "xlsx"]), {**RANGE, "organization": org_b.pk}
    )
    assert forged.status_code == 400 and b"Beta" not in forged.content


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        # Per entry, 60 min: 90 -> 120 and 20 -> 60 = 3 h.
        ("entry", "3.00"),
        # Per ticket, 60 min: the ticket's 110 min of November -> 120 = 2 h.
        ("ticket", "2.00"),
    ],
)
def test_a_client_administrator_reads_time_rounded_by_their_contract(
    reader, admin, agent, client_admin_a, client_a, org_a, time_data, scope, expected
):
    from billing import services as billing_services

    billing_services.save_contract(
        actor=admin,
        contract=None,
        data={
            "organization": org_a,
            "name": "Bloc",
            "kind": "prepaid",
            "rounding_minutes": 60,
            "rounding_scope": scope,
            "block_hours": 10,
            "starts_on": dt.date(2026, 1, 1),
        },
    )
    alpha = Ticket.objects.filter(organization=org_a).order_by("pk").first()
    _entry(agent, alpha, dt.date(2026, 11, 21), 20)
    # The support team reads the time as logged: 110 min billable, 30 not.
    staff = _tables(reader(admin), "time", {**RANGE, "organization": org_a.pk})
    assert _rows(staff["Hours per client"]) == [["Alpha Industries", "1.83", "0.50", "2.33"]]
    client = reader(client_admin_a)
    tables = _tables(client, "time")
    assert _rows(tables["Hours per month"]) == [["November 2026", expected]]
    assert _rows(tables["Hours per client"]) == [["Alpha Industries", expected]]
    assert ["Alpha Industries", expected] in _csv(client, "time")
    page = client.get(reverse("reports:report", args=["time"]), RANGE).content.decode()
    assert "arrondi comme le prévoit votre contrat" in page  # the client reads French
    assert "1.83" not in page and "0.50" not in page  # neither raw nor non-billable time
    # A client user without the administrator role has no reports.
    assert reader(client_a).get(reverse("reports:report", args=["time"]), RANGE).status_code == 404


def test_time_csv_holds_the_hand_computed_figures(reader, admin, time_data):
    rows = _csv(reader(admin), "time")
    assert ["Alan Agent", "1.50", "0.75", "2.25"] in rows
    assert ["Beta Corp", "0.75", "0.25", "1.00"] in rows


@pytest.fixture
def wiki_data(org_a, org_b, client_a, client_b, client_admin_a):
    """Pages and their counters: Alpha procedures 10 views, marked helpful by Clara (in the
    range, from a suggestion) and by Bea (October); Beta procedures 7 views; FAQ 5 views,
    marked by a Beta user in the range; internal notes 3 views."""
    alpha = Space.objects.create(kind=Space.Kind.ORGANIZATION, organization=org_a, name="Alpha")
    beta = Space.objects.create(kind=Space.Kind.ORGANIZATION, organization=org_b, name="Beta")
    shared = Space.objects.create(kind=Space.Kind.SHARED, name="FAQ")
    internal = Space.objects.create(kind=Space.Kind.INTERNAL, name="Interne")
    org_vis, clients_vis, staff_vis = (
        Page.Visibility.ORGANIZATION,
        Page.Visibility.CLIENTS,
        Page.Visibility.STAFF,
    )

    def page(space, title, views, helpful, visibility):
        return Page.objects.create(
            space=space,
            organization=space.organization,
            title=title,
            visibility=visibility,
            view_count=views,
            helpful_count=helpful,
        )

    pa = page(alpha, "Procédure Alpha", 10, 2, org_vis)
    page(beta, "Procédure Beta", 7, 0, org_vis)
    faq = page(shared, "Imprimante bloquée", 5, 1, clients_vis)
    page(internal, "Notes internes", 3, 0, staff_vis)
    HelpfulMark.objects.create(
        page=pa, user=client_a, from_suggestion=True, created_at=paris(2026, 11, 20, 10)
    )
    HelpfulMark.objects.create(page=pa, user=client_admin_a, created_at=paris(2026, 10, 2, 10))
    HelpfulMark.objects.create(page=faq, user=client_b, created_at=paris(2026, 11, 28, 10))


def test_knowledge_figures_for_an_admin(reader, admin, wiki_data):
    table = _tables(reader(admin), "knowledge")["Most read pages"]
    assert _rows(table) == [
        ["Procédure Alpha", "Alpha", "10", "1", "1", "2"],
        ["Procédure Beta", "Beta", "7", "0", "0", "0"],
        ["Imprimante bloquée", "FAQ", "5", "1", "0", "1"],
        ["Notes internes", "Interne", "3", "0", "0", "0"],
    ]


def test_knowledge_respects_who_reads_which_page(reader, admin, sales, org_a, wiki_data):
    table = _tables(reader(sales), "knowledge")["Most read pages"]
    assert [row[0] for row in table.rows] == [
        "Procédure Alpha",
        "Imprimante bloquée",
        "Notes internes",
    ]
    table = _tables(reader(admin), "knowledge", {**RANGE, "organization": org_a.pk})
    assert [row[0] for row in table["Most read pages"].rows] == ["Procédure Alpha"]


def test_client_administrators_see_no_page_counters(reader, client_admin_a, wiki_data):
    client = reader(client_admin_a)
    assert _tables(client, "knowledge")["Most read pages"].rows == []
    page = client.get(reverse("reports:report", args=["knowledge"]), RANGE).content.decode()
    assert "Procédure" not in page and "Notes internes" not in page
    assert "Procédure" not in " ".join(" ".join(r) for r in _csv(client, "knowledge"))


@pytest.mark.parametrize("persona", ["client_a", "reseller", "developer"])
def test_outsiders_get_404_on_the_new_reports(persona, request, login, time_data, wiki_data):
    client = login(request.getfixturevalue(persona))
    for key in ("time", "knowledge"):
        assert client.get(reverse("reports:report", args=[key]), RANGE).status_code == 404
        for fmt in ("csv", "xlsx"):
            url = reverse("reports:export", args=[key, fmt])
            assert client.get(url, RANGE).status_code == 404


def test_queries_do_not_grow_with_entries_and_pages(
    settings, login, admin, agent, org_a, dataset, django_assert_max_num_queries
):
    settings.REPORTS_CACHE_SECONDS = 0
    client = login(admin)
    alpha = Ticket.objects.filter(organization=org_a).first()
    space = Space.objects.create(kind=Space.Kind.SHARED, name="FAQ")

    def add(count):
        for i in range(count):
            _entry(agent, alpha, dt.date(2026, 11, 16 + i % 14), 10 + i, billable=i % 2 == 0)
            Page.objects.create(space=space, title=f"P{i}", visibility=Page.Visibility.CLIENTS)

    add(2)
    for key in ("time", "knowledge"):
        url = reverse("reports:report", args=[key])
        client.get(url, RANGE)
        with django_assert_max_num_queries(25) as few:
            assert client.get(url, RANGE).status_code == 200
        add(20)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url, RANGE).status_code == 200
