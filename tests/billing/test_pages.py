"""Every billing page and download by role (hidden means 404), what the forms keep and refuse,
and query counts that do not grow with rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Contract, Estimate, TimeEntry, Timer, Timesheet
from tests.tickets.conftest import png_file

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

PEOPLE = ["client_a", "client_b", "reseller", "agent", "admin", "sales", "dpo", "developer"]


@pytest.fixture
def world(agent, admin, org_a, evolution_a, make_contract):
    contract = make_contract(org_a)
    services.log_time(actor=agent, ticket=evolution_a, minutes=50, comment="secret interne")
    services.log_time(actor=agent, ticket=evolution_a, minutes=20, billable=False)
    estimate = services.send_estimate(
        actor=agent,
        ticket=evolution_a,
        amount=Decimal("900"),
        description="Chiffrage",
        document=png_file("devis.png"),
    )
    return {"contract": contract, "estimate": estimate, "ticket": evolution_a}


# Who sees a ticket's time and estimates: its customers and staff with the internal side.
TICKET_SIDE = {"client_a": 200, "reseller": 200, "agent": 200, "admin": 200, "sales": 200}
TICKET_SIDE["developer"] = 200

PAGES = {
    # page -> status per person (anything not listed: 404)
    "billing:time-box": TICKET_SIDE,
    "billing:timesheet": {"agent": 200, "admin": 200},
    "billing:approvals": {"admin": 200},
    "billing:contracts": {"admin": 200, "sales": 200},
    "billing:contract": {"admin": 200, "sales": 200},
    "billing:contract-new": {"admin": 200},
    "billing:contract-edit": {"admin": 200},
    "billing:balance": {"client_a": 200, "client_b": 200, "reseller": 200},  # each their own
    "billing:estimate-document": TICKET_SIDE,
    "billing:estimate-link": {"client_a": 200, "reseller": 200},
}  # fmt: skip


def _url(name, world):
    ticket, contract, estimate = world["ticket"], world["contract"], world["estimate"]
    args = {
        "billing:time-box": [ticket.number],
        "billing:contract": [contract.pk],
        "billing:contract-edit": [contract.pk],
        "billing:estimate-document": [estimate.pk],
        "billing:estimate-link": [services.estimate_token(estimate)],
    }.get(name, [])
    return reverse(name, args=args)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("who", PEOPLE)
def test_every_billing_page_answers_by_role_and_outsiders_get_404(
    name, who, world, request, client, login
):
    login(request.getfixturevalue(who))
    response = client.get(_url(name, world))
    assert response.status_code == PAGES[name].get(who, 404)


def test_pages_ask_for_a_login(client, world):
    for name in PAGES:
        response = client.get(_url(name, world))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_client_sees_rounded_billable_time_never_comments_or_internal_time(
    client, login, client_a, world
):
    login(client_a)
    page = client.get(_url("billing:time-box", world)).content.decode()
    assert "secret interne" not in page
    assert "1h00" in page  # 50 min billed as 1h00 with 15-min rounding; the 20 min are internal
    assert "1h10" not in page
    assert "estimate-accept" in page
    balance = client.get(reverse("billing:balance")).content.decode()
    assert "1h00" in balance and "secret" not in balance


def test_another_organization_sees_none_of_our_time_or_contract(client, login, client_b, world):
    login(client_b)
    balance = client.get(reverse("billing:balance")).content.decode()
    assert world["contract"].name not in balance
    assert world["ticket"].title not in balance


def test_staff_see_entries_with_their_comment(client, login, agent, world):
    login(agent)
    page = client.get(_url("billing:time-box", world)).content.decode()
    assert "secret interne" in page
    assert "1h10" in page
    assert "estimate-accept" not in page


def test_quick_time_and_a_typed_duration_are_logged(client, login, agent, world):
    login(agent)
    url = reverse("billing:log-time", args=[world["ticket"].number])
    assert (
        client.post(url, {"quick": "15", "activity": "work", "billable": "on"}).status_code == 302
    )
    response = client.post(
        url,
        {"duration": "1h30", "activity": "analysis", "billable": "on", "comment": "Analyse"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(TimeEntry.objects.order_by("-id").values_list("minutes", flat=True)[:2]) == [90, 15]


def test_a_refused_duration_keeps_what_was_typed(client, login, agent, world):
    login(agent)
    url = reverse("billing:log-time", args=[world["ticket"].number])
    response = client.post(
        url, {"duration": "1,30", "activity": "work", "comment": "Réunion <b>client</b>"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "ambiguous" in page
    assert 'value="1,30"' in page
    assert "Réunion &lt;b&gt;client&lt;/b&gt;" in page
    assert TimeEntry.objects.count() == 2


def test_hostile_input_is_refused_or_stored_as_text(client, login, agent, world):
    login(agent)
    url = reverse("billing:log-time", args=[world["ticket"].number])
    nul = client.post(url, {"duration": "30", "activity": "work", "comment": "a\x00b"})
    assert nul.status_code == 422
    huge = client.post(url, {"duration": "30", "activity": "work", "comment": "x" * 5000})
    assert huge.status_code == 422
    forged = client.post(url, {"duration": "30", "activity": "hacking"})
    assert forged.status_code == 422
    script = client.post(
        url, {"duration": "30", "activity": "work", "comment": "<script>x</script>"}
    )
    assert script.status_code == 302
    page = client.get(_url("billing:time-box", world)).content.decode()
    assert "<script>x</script>" not in page


@pytest.mark.parametrize(
    "name",
    [
        "billing:log-time",
        "billing:timer-start",
        "billing:timer-stop",
        "billing:timer-cancel",
        "billing:estimate-send",
    ],
)
def test_ticket_actions_are_for_consultants_only(
    name, client, login, world, client_a, client_b, sales
):
    url = reverse(name, args=[world["ticket"].number])
    login(client_b)
    assert client.post(url, {"duration": "30", "activity": "work"}).status_code == 404
    for person in (client_a, sales):
        login(person)
        assert client.post(url, {"duration": "30", "activity": "work"}).status_code == 403
    assert TimeEntry.objects.count() == 2


def test_the_timer_survives_a_reload_and_is_shared_by_tabs(client, login, agent, world):
    login(agent)
    number = world["ticket"].number
    client.post(reverse("billing:timer-start", args=[number]))
    timer = Timer.objects.get()
    Timer.objects.filter(pk=timer.pk).update(started_at=timezone.now() - dt.timedelta(minutes=20))
    page = client.get(_url("billing:time-box", world)).content.decode()  # a reload, or another tab
    assert "data-started-at" in page and "timer-stop" in page
    client.post(
        reverse("billing:timer-stop", args=[number]), {"activity": "work", "billable": "on"}
    )
    client.post(reverse("billing:timer-stop", args=[number]), {"activity": "work"})  # other tab
    assert TimeEntry.objects.filter(minutes=20).count() == 1
    client.post(reverse("billing:timer-start", args=[number]))
    client.post(reverse("billing:timer-cancel", args=[number]))
    assert not Timer.objects.exists()


def test_estimate_answers_from_the_portal(client, login, client_a, client_b, agent, world):
    estimate = world["estimate"]
    login(client_b)
    assert client.post(reverse("billing:estimate-accept", args=[estimate.pk])).status_code == 404
    login(agent)
    assert client.post(reverse("billing:estimate-accept", args=[estimate.pk])).status_code == 403
    login(client_a)
    refused = client.post(reverse("billing:estimate-refuse", args=[estimate.pk]), {"reason": ""})
    assert refused.status_code == 302
    assert Estimate.objects.get(pk=estimate.pk).is_pending
    client.post(reverse("billing:estimate-refuse", args=[estimate.pk]), {"reason": "Trop cher"})
    assert Estimate.objects.get(pk=estimate.pk).state == "refused"


def test_the_email_link_answers_once(client, login, client_a, world):
    login(client_a)
    url = _url("billing:estimate-link", world)
    assert client.get(url).status_code == 200
    assert Estimate.objects.get(pk=world["estimate"].pk).is_pending  # a GET changes nothing
    assert client.post(url, {"answer": "accept"}).status_code == 302
    world["ticket"].refresh_from_db()
    assert world["ticket"].status.code == "realisation"
    again = client.get(url)
    assert again.status_code == 410
    assert "works once" in again.content.decode()
    assert client.get(reverse("billing:estimate-link", args=["forged:token"])).status_code == 410


def test_an_estimate_needs_an_amount_or_hours_and_keeps_the_text(client, login, agent, world):
    login(agent)
    url = reverse("billing:estimate-send", args=[world["ticket"].number])
    response = client.post(url, {"description": "Refonte de l'écran", "amount": ""})
    assert response.status_code == 422
    assert "Refonte de l&#x27;écran" in response.content.decode()
    ok = client.post(url, {"description": "Refonte", "amount": "1 250,50"})
    assert ok.status_code == 302
    assert Estimate.objects.latest("id").amount == Decimal("1250.50")


def test_the_timesheet_refuses_a_stale_edit_and_keeps_the_input(client, login, agent, world):
    entry = TimeEntry.objects.filter(billable=True).get()
    login(agent)
    url = reverse("billing:entry-edit", args=[entry.pk])
    p = f"e{entry.pk}-"
    first = {p + "version": "1", p + "duration": "1h", p + "activity": "work", p + "billable": "on"}
    assert client.post(url, first).status_code == 302
    stale = {**first, p + "duration": "2h15", p + "comment": "mon ajout"}
    response = client.post(url, stale)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Someone else changed this time entry" in page
    assert 'value="2h15"' in page and "mon ajout" in page
    assert TimeEntry.objects.get(pk=entry.pk).minutes == 60


def test_submit_approve_and_correct_a_week(client, login, agent, admin, world):
    sheet = Timesheet.objects.get(user=agent)
    entry = TimeEntry.objects.filter(billable=True).get()
    login(agent)
    assert (
        client.post(reverse("billing:approve", args=[sheet.pk]), {"version": 1}).status_code == 404
    )
    client.post(reverse("billing:timesheet-submit", args=[sheet.pk]), {"version": 1})
    sheet.refresh_from_db()
    assert sheet.state == "submitted"
    login(admin)
    approvals = client.get(reverse("billing:approvals")).content.decode()
    assert "Alan Agent" in approvals
    client.post(reverse("billing:approve", args=[sheet.pk]), {"version": sheet.version})
    sheet.refresh_from_db()
    assert sheet.state == "approved"
    response = client.post(
        reverse("billing:entry-correct", args=[entry.pk]), {"duration": "30", "comment": "Erreur"}
    )
    assert response.status_code == 302
    correction = TimeEntry.objects.get(corrects=entry)
    assert (correction.minutes, correction.created_by) == (-20, admin)


def test_contract_pages_for_admins_create_and_refuse_a_stale_edit(
    client, login, admin, org_a, world
):
    login(admin)
    data = {
        "organization": org_a.pk, "name": "Bloc 2027", "kind": "prepaid", "currency": "EUR",
        "default_rate": "95,00", "off_hours_multiplier": "1.5", "rounding_minutes": "15",
        "rounding_scope": "ticket", "block_hours": "20", "starts_on": "2027-01-01",
        "is_active": "on",
    }  # fmt: skip
    response = client.post(reverse("billing:contract-new"), data)
    assert response.status_code == 302
    contract = Contract.objects.get(name="Bloc 2027")
    assert contract.default_rate == Decimal("95.00")
    edit = reverse("billing:contract-edit", args=[contract.pk])
    assert client.post(edit, {**data, "version": "1", "name": "Bloc A"}).status_code == 302
    stale = client.post(edit, {**data, "version": "1", "name": "Bloc B"})
    assert stale.status_code == 422
    assert 'value="Bloc B"' in stale.content.decode()
    client.post(
        reverse("billing:rate-add", args=[contract.pk]),
        {"activity": "analysis", "level": "2", "hourly_rate": "120"},
    )
    rate = contract.rates.get()
    assert rate.hourly_rate == Decimal("120")
    client.post(reverse("billing:rate-delete", args=[contract.pk, rate.pk]))
    assert not contract.rates.exists()
    client.post(reverse("billing:contract-renew", args=[contract.pk]), {"starts_on": "2028-01-01"})
    assert Contract.objects.filter(previous=contract).exists()


def test_contract_writes_are_hidden_from_everyone_but_admins(client, login, sales, agent, world):
    contract = world["contract"]
    for person in (sales, agent):
        login(person)
        assert client.post(reverse("billing:contract-new"), {}).status_code == 404
        assert client.post(reverse("billing:rate-add", args=[contract.pk]), {}).status_code == 404
        assert (
            client.post(reverse("billing:contract-renew", args=[contract.pk]), {}).status_code
            == 404
        )


def _entries(agent, ticket, count):
    for i in range(count):
        services.log_time(
            actor=agent, ticket=ticket, minutes=10 + i, day=MONDAY + dt.timedelta(days=i % 5)
        )


@pytest.mark.parametrize("count", [5, 50])
def test_query_counts_do_not_grow_with_entries(
    count, client, login, agent, admin, client_a, world, django_assert_max_num_queries
):
    _entries(agent, world["ticket"], count)
    login(agent)
    with django_assert_max_num_queries(22):
        assert client.get(_url("billing:time-box", world)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"{reverse('billing:timesheet')}?week={MONDAY}").status_code == 200
    login(admin)
    with django_assert_max_num_queries(14):
        assert client.get(_url("billing:contract", world)).status_code == 200
    login(client_a)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("billing:balance")).status_code == 200


def test_a_sales_rep_sees_only_the_contracts_of_the_clients_they_represent(
    client, login, sales, org_b, make_contract, world
):
    other = make_contract(org_b, name="Contrat Beta")
    login(sales)
    listing = client.get(reverse("billing:contracts")).content.decode()
    assert world["contract"].name in listing and "Contrat Beta" not in listing
    assert client.get(reverse("billing:contract", args=[other.pk])).status_code == 404
    assert client.get(reverse("billing:contract", args=[999999])).status_code == 404


def test_the_block_badge_warns_at_80_percent_and_turns_red_when_used_up(
    client, login, agent, client_a, make_ticket, world
):
    """On an incident (billed on time; the evolution's time is billed on its estimate)."""
    login(agent)
    ticket = make_ticket(client_a, title="Serveur de fichiers lent")
    url = reverse("billing:log-time", args=[ticket.number])
    box = reverse("billing:time-box", args=[ticket.number])
    client.post(url, {"duration": "7h", "activity": "work", "billable": "on"})
    assert "contract-badge text-bg-success" in client.get(box).content.decode()  # 7h of 10h
    client.post(url, {"duration": "1h", "activity": "work", "billable": "on"})
    assert "contract-badge text-bg-warning" in client.get(box).content.decode()  # 8h of 10h
    client.post(url, {"duration": "2h", "activity": "work", "billable": "on"})
    assert "contract-badge text-bg-danger" in client.get(box).content.decode()
