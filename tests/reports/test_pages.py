"""The report pages, exports and subscriptions as each role meets them."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, UserRole
from reports import services
from reports.catalog import REPORTS
from reports.models import ReportSubscription
from tests.factories import OrganizationFactory, make_user

from .conftest import RANGE, paris

pytestmark = pytest.mark.django_db

KEYS = list(REPORTS)


def urls_of(key):
    return [
        reverse("reports:report", args=[key]),
        reverse("reports:export", args=[key, "csv"]),
        reverse("reports:export", args=[key, "xlsx"]),
    ]


@pytest.mark.parametrize("persona", ["admin", "agent", "sales", "client_admin_a"])
def test_managers_open_every_report_and_export(persona, request, login, dataset):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:index")).status_code == 200
    for key in KEYS:
        for url in urls_of(key):
            response = client.get(url, RANGE)
            assert response.status_code == 200, (persona, url)


@pytest.mark.parametrize(
    "persona", ["client_a", "client_b", "reseller", "dpo", "developer", "controller"]
)
def test_people_without_reports_get_404_everywhere(persona, request, login):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:index")).status_code == 404
    for key in KEYS:
        for url in urls_of(key):
            assert client.get(url).status_code == 404, (persona, url)
        assert client.post(reverse("reports:subscribe", args=[key])).status_code == 404
    assert not ReportSubscription.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("reports:report", args=["volume"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_report_is_404(login, admin):
    client = login(admin)
    assert client.get("/reports/nothing/").status_code == 404
    assert client.get("/reports/nothing/export.csv").status_code == 404


def test_the_top_bar_links_reports_for_managers_only(login, admin, client_a, client):
    assert 'href="/reports/"' in login(admin).get("/").content.decode()
    client.logout()
    assert 'href="/reports/"' not in login(client_a).get("/").content.decode()


def test_a_client_administrator_never_sees_another_organization(
    login, client_admin_a, dataset, org_b
):
    client = login(client_admin_a)
    for key in KEYS:
        page = client.get(reverse("reports:report", args=[key]), RANGE).content.decode()
        assert "Beta Corp" not in page and "Bob Beta" not in page
        for fmt in ("csv", "xlsx"):
            body = client.get(reverse("reports:export", args=[key, fmt]), RANGE).content
            assert b"Beta Corp" not in body
    # Asking for the other organization by its id is refused, with nothing of it shown.
    response = client.get(
        reverse("reports:report", args=["volume"]), {**RANGE, "organization": org_b.pk}
    )
    assert response.status_code == 400
    assert "Beta Corp" not in response.content.decode()
    forged = client.get(
        reverse("reports:export", args=["speed", "csv"]), {**RANGE, "organization": org_b.pk}
    )
    assert forged.status_code == 400


def test_client_administrators_have_no_per_agent_breakdown(login, client_admin_a, agent, dataset):
    client = login(client_admin_a)
    page = client.get(reverse("reports:report", args=["speed"]), RANGE).content.decode()
    assert 'name="agent"' not in page and 'value="agent"' not in page
    response = client.get(reverse("reports:report", args=["speed"]), {**RANGE, "group": "agent"})
    assert response.status_code == 400


def test_the_page_shows_the_figures_in_a_table_under_the_chart(login, admin, dataset):
    client = login(admin)
    page = client.get(reverse("reports:report", args=["clients"]), RANGE).content.decode()
    assert '<canvas data-chart="report-chart-1">' in page
    assert 'id="report-chart-1" type="application/json"' in page
    assert "Alpha Industries" in page and "Beta Corp" in page
    assert "6,5" in page or "6.5" in page  # Alpha's average resolution in hours
    assert "vendor/chartjs/chart.umd.min.js" in page


def test_the_filters_keep_what_was_typed(login, admin, dataset, org_a):
    client = login(admin)
    page = client.get(
        reverse("reports:report", args=["volume"]),
        {"start": "2026-11-16", "end": "2026-11-10", "organization": org_a.pk, "period": "week"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert 'value="2026-11-16"' in text and 'value="2026-11-10"' in text
    assert f'value="{org_a.pk}" selected' in text
    assert 'value="week" selected' in text


@pytest.mark.parametrize(
    "params",
    [
        {"start": "<script>alert(1)</script>"},
        {"start": "2026-11-01\x00"},
        {"end": "9" * 5000},
        {"organization": "1 OR 1=1"},
        {"organization": "99999999999999999999"},
        {"group": "password"},
        {"period": "year"},
        {"start": "1900-01-01"},
        {"start": "2000-01-01", "end": "2026-01-01"},
    ],
)
def test_hostile_filters_are_refused_cleanly(params, login, admin):
    client = login(admin)
    response = client.get(reverse("reports:report", args=["volume"]), params)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.content.decode()
    export = client.get(reverse("reports:export", args=["volume", "csv"]), params)
    assert export.status_code == 400


def test_csv_and_xlsx_hold_exactly_the_tables_shown(login, admin, dataset):
    client = login(admin)
    response = client.get(
        reverse("reports:export", args=["sla", "csv"]), {**RANGE, "group": "priority"}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[2][0] == "SLA compliance by priority" or lines[2][0]
    header, *rows = lines[3:]
    assert len(header) == 9
    assert rows[-1][1:5] == ["3", "2", "1", "66.7"]  # the "All" row
    xlsx = client.get(
        reverse("reports:export", args=["sla", "xlsx"]), {**RANGE, "group": "priority"}
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert values[-1][1:5] == [3, 2, 1, 66.7]
    assert len(values) == len(rows)


def test_exports_never_carry_a_formula(login, admin, agent, clock, ref):
    from tickets import services as ticket_services

    evil = OrganizationFactory(name='=HYPERLINK("http://evil.test","x")')
    person = make_user(Role.Code.CLIENT_USER, organization=evil, first_name="@SUM(1)", last_name="")
    clock(paris(2026, 11, 23, 10, 0))
    ticket_services.create_ticket(
        actor=agent, title="x", description="y", organization=evil, requester=person
    )
    client = login(admin)
    body = client.get(reverse("reports:export", args=["requesters", "csv"]), RANGE).content
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert ";=HYPERLINK" not in text and "\n=" not in text
    xlsx = client.get(reverse("reports:export", args=["requesters", "xlsx"]), RANGE).content
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)


@pytest.mark.parametrize("key", KEYS)
def test_query_count_does_not_grow_with_tickets(
    key, settings, login, admin, agent, client_a, ref, clock, django_assert_max_num_queries
):
    from tickets import services as ticket_services

    settings.REPORTS_CACHE_SECONDS = 0  # every request computes: the queries are measured
    client = login(admin)
    url = reverse("reports:report", args=[key])

    def add(count):
        for i in range(count):
            clock(paris(2026, 11, 23, 9 + i % 8, i % 60))
            t = ticket_services.create_ticket(
                actor=agent,
                title=f"T{i}",
                description="d",
                organization=client_a.organization,
                requester=client_a,
                priority=ref.priority["normale"],
            )
            ticket_services.reply(actor=agent, ticket=t, body="ok")

    add(3)
    client.get(url, RANGE)  # warm the session and reference caches
    with django_assert_max_num_queries(25) as few:
        assert client.get(url, RANGE).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, RANGE).status_code == 200


def test_a_manager_subscribes_and_gets_last_weeks_report_on_monday(
    login, admin, dataset, clock, django_capture_on_commit_callbacks
):
    client = login(admin)
    response = client.post(
        reverse("reports:subscribe", args=["volume"]), {**RANGE, "group": "priority"}
    )
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get(user=admin)
    assert subscription.report == "volume" and "start" not in subscription.query
    mail.outbox.clear()
    monday = paris(2026, 11, 30, 7, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_weekly_reports(now=monday) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin.email]
    # Week of 23 to 29 November: T2, T3, T4 created, T1, T2, T3 resolved.
    assert "23/11/2026" in message.subject and "29/11/2026" in message.subject
    html = message.alternatives[0][0]
    assert "Tickets created and resolved" in message.body or "Total" in message.body
    assert "<script" not in html
    # Sent once: running the job again the same morning sends nothing.
    assert services.send_weekly_reports(now=monday) == 0
    # Unsubscribing stops it.
    client.post(reverse("reports:subscribe", args=["volume"]), {"action": "unsubscribe"})
    assert not ReportSubscription.objects.exists()


def test_a_subscription_follows_its_owners_access(
    login, client_admin_a, dataset, django_capture_on_commit_callbacks
):
    client = login(client_admin_a)
    client.post(reverse("reports:subscribe", args=["requesters"]), RANGE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_weekly_reports(now=paris(2026, 11, 30, 7, 0))
    body = mail.outbox[0].body
    assert "Chloé Alpha" in body and "Bob Beta" not in body
    # Once they lose their reports, nothing more is sent.
    UserRole.objects.filter(user=client_admin_a, role__code=Role.Code.CLIENT_ADMIN).delete()
    mail.outbox.clear()
    assert services.send_weekly_reports(now=paris(2026, 12, 7, 7, 0)) == 0
    assert mail.outbox == []


def test_a_report_is_kept_a_few_minutes_per_scope_never_shared_across_scopes(
    client, admin, client_admin_a, dataset, django_assert_max_num_queries
):
    from tests.conftest import verified_login

    url = reverse("reports:report", args=["requesters"])
    verified_login(client, admin)
    assert "Bob Beta" in client.get(url, RANGE).content.decode()
    with django_assert_max_num_queries(14):  # the session, the user, the filters: no report
        page = client.get(url, RANGE).content.decode()
    assert "Bob Beta" in page and "report-note" in page
    client.logout()
    verified_login(client, client_admin_a)
    assert "Bob Beta" not in client.get(url, RANGE).content.decode()


def test_the_reports_list_shows_subscriptions_in_bounded_queries(
    login, admin, django_assert_max_num_queries
):
    client = login(admin)
    client.get(reverse("reports:index"))
    with django_assert_max_num_queries(10) as before:
        client.get(reverse("reports:index"))
    for key in KEYS:
        ReportSubscription.objects.create(user=admin, report=key)
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get(reverse("reports:index")).content.decode()
    assert page.count("report-card") == len(KEYS)
    assert page.count("card-footer") == len(KEYS)  # "emailed to you every Monday"
