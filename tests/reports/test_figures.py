"""Figures against a data set computed by hand (tests/reports/conftest.py::dataset).

Business calendar 9:00-18:00, Monday to Friday, Europe/Paris; no holiday in the range.
  T1 first response: Fri 17:00-18:00 (1 h) + Mon 09:00-09:30 (0.5 h) = 1.5 h (target 4 h: met)
     resolution: 1 h + Mon 09:00-12:00 (3 h) = 4 h (target 16 h: met)
  T2 first response: Mon 10:00-14:00 = 4 h (target 1 h: breached)
     resolution: Mon 10:00-18:00 (8 h) + Tue 09:00-10:00 (1 h) = 9 h (target 8 h: breached)
  T3 first response: 0.5 h (target 8 h: met); resolution, after the reopening, to Wed 10:00:
     Tue 09:00-18:00 (9 h) + Wed 09:00-10:00 (1 h) = 10 h (target 40 h: met)
  T4 open, escalated once to level 2.
Percentiles as PostgreSQL's percentile_cont (linear interpolation).
"""

import datetime as dt

import pytest
from django.urls import reverse

from reports import exports, selectors
from tickets import services, sla
from tickets.models import Status

from .conftest import paris
from .helpers import filters, rows_by_name

pytestmark = pytest.mark.django_db


def test_friday_evening_to_monday_morning_counts_business_hours_only(dataset):
    cal = sla.load_calendar()
    # The example of the issue: Friday 17:30 -> Monday 09:30 is one business hour.
    assert (
        sla.business_seconds_between(paris(2026, 11, 20, 17, 30), paris(2026, 11, 23, 9, 30), cal)
        == 3600
    )
    # Stored when they happen, on the ticket (Friday 17:00 -> Monday 09:30: 1 h 30).
    assert dataset.t1.first_response_seconds == 5400
    assert dataset.t1.resolution_seconds == 4 * 3600
    assert dataset.t2.first_response_seconds == 4 * 3600
    assert dataset.t2.resolution_seconds == 9 * 3600
    assert dataset.t3.resolution_seconds == 10 * 3600  # measured to the last resolution
    assert dataset.t4.first_response_seconds is None
    assert dataset.t4.resolution_seconds is None


def test_speed_per_client_median_average_and_90th_percentile(dataset, admin):
    report = selectors.speed(admin, filters(group="organization"))
    rows = rows_by_name(report.tables[0])
    # answered, FR median, FR avg, FR p90, resolved, res median, res avg, res p90
    assert rows["Alpha Industries"] == [2, 2.75, 2.75, 3.75, 2, 6.5, 6.5, 8.5]
    assert rows["Beta Corp"] == [1, 0.5, 0.5, 0.5, 1, 10.0, 10.0, 10.0]
    assert rows["All"] == [3, 1.5, 2.0, 3.5, 3, 9.0, 7.67, 9.8]


def test_resolution_time_per_client_is_the_seed_report(dataset, admin):
    rows = rows_by_name(selectors.client_resolution(admin, filters()).tables[0])
    assert rows["Alpha Industries"] == [2, 6.5, 6.5, 8.5]
    assert rows["Beta Corp"] == [1, 10.0, 10.0, 10.0]


def test_speed_per_agent_counts_the_tickets_they_hold(dataset, admin, agent):
    rows = rows_by_name(selectors.speed(admin, filters(group="agent")).tables[0])
    # The agent filed T1-T3 for the clients and holds none (nobody was assigned): unassigned.
    assert rows["Unassigned"][0] == 3


def test_volume_per_day_and_per_priority(dataset, admin):
    report = selectors.volume(admin, filters(group="priority"))
    per_day = rows_by_name(report.tables[0])
    assert per_day["11/20/2026"] == [1, 0]
    assert per_day["11/23/2026"] == [1, 1]
    assert per_day["11/24/2026"] == [1, 1]
    assert per_day["11/25/2026"] == [1, 1]
    assert per_day["Total"] == [4, 3]
    by_priority = rows_by_name(report.tables[1])
    assert by_priority == {"Normal": [2, 1], "High": [1, 1], "Urgent": [1, 1]}


def test_volume_per_week_and_month(dataset, admin):
    weeks = rows_by_name(selectors.volume(admin, filters(period="week")).tables[0])
    assert weeks["Week of 11/16/2026"] == [1, 0]
    assert weeks["Week of 11/23/2026"] == [3, 3]
    months = selectors.volume(admin, filters(period="month")).tables[0].rows
    assert months[0][1:] == [4, 3]


def test_requests_submitted_per_user(dataset, admin):
    rows = rows_by_name(selectors.requesters(admin, filters()).tables[0])
    assert rows["Chloé Alpha"] == ["Alpha Industries", 2, 2]
    assert rows["Bob Beta"] == ["Beta Corp", 2, 1]


def test_sla_compliance_per_priority(dataset, admin):
    rows = rows_by_name(selectors.sla(admin, filters(group="priority")).tables[0])
    # resolved, met, breached, %, answered, met, breached, %
    assert rows["High"] == [1, 1, 0, 100.0, 1, 1, 0, 100.0]
    assert rows["Urgent"] == [1, 0, 1, 0.0, 1, 0, 1, 0.0]
    assert rows["Normal"] == [1, 1, 0, 100.0, 1, 1, 0, 100.0]
    assert rows["All"] == [3, 2, 1, 66.7, 3, 2, 1, 66.7]


def test_reopen_rate_and_escalations_per_level(dataset, admin):
    report = selectors.quality(admin, filters())
    total = rows_by_name(report.tables[0])["Total"]
    assert total == [3, 1, 33.3, 1]
    assert rows_by_name(report.tables[1]) == {"Level 2": [1]}


def test_backlog_over_time_by_status_and_age(dataset, admin):
    report = selectors.backlog(admin, filters(), now=paris(2026, 11, 27, 12, 0))
    per_day = rows_by_name(report.tables[0])
    assert per_day["11/19/2026"] == [0]
    assert per_day["11/20/2026"] == [1]  # T1
    assert per_day["11/23/2026"] == [1]  # T2 (T1 resolved at noon)
    assert per_day["11/25/2026"] == [1]  # T4
    assert rows_by_name(report.tables[2])["New"] == [1]
    ages = rows_by_name(report.tables[3])
    assert ages["1 to 3 days"] == [1]  # T4, opened 2 days and 3 hours ago
    assert sum(v[0] for v in ages.values()) == 1


def test_backlog_over_time_by_status_category(dataset, admin, agent, clock):
    # T4 waits on the client from Thursday 26 at 11:00 ("Réponse envoyée").
    clock(paris(2026, 11, 26, 11, 0))
    services.change_status(
        actor=agent, ticket=dataset.t4, status=Status.objects.get(code="reponse-envoyee")
    )
    clock(paris(2026, 11, 27, 12, 0))
    report = selectors.backlog(admin, filters(), now=paris(2026, 11, 27, 12, 0))
    table = report.tables[1]
    assert [str(c.label) for c in table.columns] == [
        "Period", "New", "Open", "Waiting on client", "Waiting on third party"
    ]  # fmt: skip
    rows = rows_by_name(table)
    assert rows["11/19/2026"] == [0, 0, 0, 0]
    assert rows["11/20/2026"] == [1, 0, 0, 0]  # T1
    assert rows["11/23/2026"] == [1, 0, 0, 0]  # T2 (T1 resolved at noon)
    # T2 and T3 resolved on the 24th; T3's reopening on the 25th is undone too.
    assert rows["11/24/2026"] == [0, 0, 0, 0]
    assert rows["11/25/2026"] == [1, 0, 0, 0]  # T4
    assert rows["11/26/2026"] == [0, 0, 1, 0]  # T4 waits on the client
    assert rows["11/29/2026"] == [0, 0, 1, 0]
    assert table.chart["series"] == [1, 2, 3, 4]
    # Exports carry the same table.
    csv_text = exports.to_csv(report, title="Backlog", period="").decode("utf-8-sig")
    assert "Tickets at the end of each period, by status category" in csv_text
    xlsx = exports.to_xlsx(report, title="Backlog", period="")
    assert xlsx[:2] == b"PK"


def test_backlog_reads_tickets_opened_before_the_range_and_leaves_out_those_after_it(
    dataset, admin, agent, client_a, clock
):
    # Range Saturday 21 to Wednesday 25, per day: T1 (opened Friday 20) is before it; T4 waits
    # on the client from Thursday 26 at 11:00 and T5 is opened Thursday 26 at 10:00, both
    # after its end.
    clock(paris(2026, 11, 26, 10, 0))
    services.create_ticket(
        actor=agent,
        title="Badge",
        description="Mon badge ne marche plus.",
        organization=client_a.organization,
        requester=client_a,
    )
    clock(paris(2026, 11, 26, 11, 0))
    services.change_status(
        actor=agent, ticket=dataset.t4, status=Status.objects.get(code="reponse-envoyee")
    )
    clock(paris(2026, 11, 27, 12, 0))
    report = selectors.backlog(
        admin,
        filters(start=dt.date(2026, 11, 21), end=dt.date(2026, 11, 25), period="day"),
        now=paris(2026, 11, 27, 12, 0),
    )
    # Open: T1 from before the range until Monday noon; T2 Monday to Tuesday; T3 Tuesday to
    # Wednesday 10:00 (its last resolution); T4 from Wednesday.
    assert [row[1] for row in report.tables[0].rows] == [1, 1, 1, 1, 1]
    by_category = rows_by_name(report.tables[1])
    assert by_category["11/21/2026"] == [1, 0, 0, 0]  # T1, new until its resolution Monday
    assert by_category["11/22/2026"] == [1, 0, 0, 0]
    assert by_category["11/23/2026"] == [1, 0, 0, 0]  # T2
    assert by_category["11/24/2026"] == [0, 0, 0, 0]
    assert by_category["11/25/2026"] == [1, 0, 0, 0]  # T4, new until Thursday
    now_by_status = rows_by_name(report.tables[2])
    assert now_by_status["New"] == [1]  # T5
    assert now_by_status["Waiting on client"] == [1]  # T4
    ages = rows_by_name(report.tables[3])
    assert ages["1 to 3 days"] == [2]  # T4 (2 days 3 hours), T5 (1 day 2 hours)
    assert sum(v[0] for v in ages.values()) == 2


def test_backlog_by_category_counts_queries_not_tickets(
    dataset, admin, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        selectors.backlog(admin, filters(), now=paris(2026, 11, 27, 12, 0))


def test_change_requests_per_step_and_time_in_step(admin, client_admin_a, org_a, clock, settings):
    settings.HOTLINE_EMAILS = ["helpdesk@support.test"]
    from cdc import services as cdc_services

    clock(paris(2026, 11, 23, 9, 0))
    cr = cdc_services.create_change_request(
        actor=client_admin_a,
        organization=org_a,
        requester=client_admin_a,
        kind="new",
        title="Export comptable",
        description="Un export des écritures.",
    )
    clock(paris(2026, 11, 25, 9, 0))
    cdc_services.submit_change_request(actor=client_admin_a, cr=cr)
    clock(paris(2026, 11, 27, 9, 0))
    report = selectors.change_requests(admin, filters(), now=paris(2026, 11, 27, 9, 0))
    steps = rows_by_name(report.tables[0])
    assert steps["Support analysis"] == [1]
    spent = rows_by_name(report.tables[1])
    assert spent["Draft"] == [1, 0, 2.0]  # two days in draft, left
    assert spent["Support analysis"] == [1, 1, 2.0]  # entered two days ago, still there


def test_the_change_request_report_filters_by_kind_agent_client_and_range(
    admin, agent, client_admin_a, org_a, org_b, clock, settings, login
):
    settings.HOTLINE_EMAILS = ["helpdesk@support.test"]
    from cdc import services as cdc_services
    from tests.factories import make_user

    client_admin_b = make_user(
        "client_user", "client_admin", organization=org_b, email="adm@beta.test"
    )

    def request(actor, org, kind, day):
        clock(paris(2026, 11, day, 9, 0))
        return cdc_services.create_change_request(
            actor=actor, organization=org, requester=actor, kind=kind, title="T", description="D"
        )

    fix = request(client_admin_a, org_a, "fix", 18)
    request(client_admin_a, org_a, "new", 19)
    request(client_admin_b, org_b, "fix", 20)
    request(client_admin_a, org_a, "fix", 2)  # 2 Nov: before the range
    clock(paris(2026, 11, 23, 9, 0))
    cdc_services.submit_change_request(actor=client_admin_a, cr=fix)
    clock(paris(2026, 11, 24, 9, 0))
    cdc_services.save_analysis(actor=agent, cr=fix, solution="Corriger l'export.")
    now = paris(2026, 11, 27, 9, 0)

    def opened(**extra):
        report = selectors.change_requests(admin, filters(**extra), now=now)
        return sum(row[1] for row in report.tables[0].rows)

    assert opened() == 3
    assert opened(kind="fix") == 2
    assert opened(kind="fix", organization=org_a) == 1
    assert opened(agent=agent) == 1  # the one request the agent worked on
    assert opened(start=dt.date(2026, 11, 1)) == 4
    # The page offers the kind and the agent filters, and reads them from the query string.
    client = login(admin)
    page = client.get(
        reverse("reports:report", args=["cdc"]),
        {"start": "2026-11-16", "end": "2026-11-29", "kind": "fix", "agent": agent.pk},
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'name="kind"' in html and 'name="agent"' in html
    assert (
        "type" not in page.context["form"].fields and "priority" not in page.context["form"].fields
    )
    assert page.context["form"].filters().kind == "fix"
    # A client administrator has no agent filter and reads their organization only.
    client = login(client_admin_a)
    page = client.get(reverse("reports:report", args=["cdc"]), {"kind": "fix"})
    assert "agent" not in page.context["form"].fields
    report = selectors.change_requests(client_admin_a, filters(kind="fix"), now=now)
    assert sum(row[1] for row in report.tables[0].rows) == 1
    forged = client.get(reverse("reports:report", args=["cdc"]), {"kind": "<script>"})
    assert forged.status_code in (200, 400) and b"<script>" not in forged.content


def test_a_client_administrator_reads_only_their_organization(dataset, client_admin_a):
    volume = rows_by_name(selectors.volume(client_admin_a, filters()).tables[0])
    assert volume["Total"] == [2, 2]
    speed = rows_by_name(selectors.speed(client_admin_a, filters()).tables[0])
    assert set(speed) == {"Alpha Industries", "All"}
    people = rows_by_name(selectors.requesters(client_admin_a, filters()).tables[0])
    assert "Bob Beta" not in people


def test_a_sales_rep_reads_only_their_clients(dataset, sales):
    assert rows_by_name(selectors.volume(sales, filters()).tables[0])["Total"] == [2, 2]


def test_a_long_range_in_days_becomes_weeks_or_months(admin):
    period, firsts = selectors.buckets(
        selectors.Filters(start=dt.date(2023, 1, 1), end=dt.date(2026, 1, 1), period="day")
    )
    assert period == "month" and len(firsts) == 37


def test_escalations_are_internal_and_not_shown_to_client_administrators(
    dataset, admin, agent, client_a, client_admin_a, clock, ref
):
    from tickets import services

    clock(paris(2026, 11, 26, 10, 0))
    ticket = services.create_ticket(
        actor=agent,
        title="Sauvegarde",
        description="La sauvegarde échoue.",
        organization=client_a.organization,
        requester=client_a,
    )
    services.escalate(actor=agent, ticket=ticket, reason="Niveau 2 requis.")
    assert rows_by_name(selectors.quality(admin, filters()).tables[0])["Total"][3] == 2
    client_side = selectors.quality(client_admin_a, filters())
    assert rows_by_name(client_side.tables[0])["Total"][3] == 0
    assert client_side.tables[1].rows == []
