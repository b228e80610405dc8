"""Logging time, timesheets, contracts (alerts, rollover) and estimates, through services."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from billing import selectors, services
from billing.errors import BillingError, EstimateClosed, Locked, StaleVersion
from billing.models import Contract, Estimate, TimeEntry, Timesheet
from tickets.models import Event

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


def test_the_task_title_follows_seed_002_in_french_and_english(ticket_a):
    day = dt.date(2022, 1, 14)
    title = ticket_a.title
    assert (
        services.task_title(ticket_a, day, "fr") == f"#{ticket_a.number} - {title} - Janvier 2022"
    )
    assert (
        services.task_title(ticket_a, day, "en") == f"#{ticket_a.number} - {title} - January 2022"
    )


def test_an_agent_logs_time_in_the_week_of_the_work(agent, ticket_a):
    entry = services.log_time(
        actor=agent, ticket=ticket_a, minutes=90, activity="analysis", day=MONDAY + dt.timedelta(2)
    )
    assert entry.timesheet.week_start == MONDAY
    assert entry.level == 1
    assert entry.task_title.endswith("Décembre 2026")
    assert not entry.off_hours
    weekend = services.log_time(
        actor=agent, ticket=ticket_a, minutes=30, day=MONDAY + dt.timedelta(5)
    )
    assert weekend.off_hours


def test_clients_and_sales_reps_do_not_log_time(client_a, sales, ticket_a):
    for person in (client_a, sales):
        with pytest.raises(PermissionDenied):
            services.log_time(actor=person, ticket=ticket_a, minutes=15)


def test_a_submitted_week_refuses_new_time_and_edits(agent, ticket_a):
    entry = services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    services.submit_timesheet(actor=agent, sheet=entry.timesheet, version=1)
    with pytest.raises(Locked):
        services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    with pytest.raises(Locked):
        services.update_entry(
            actor=agent,
            entry=entry,
            version=1,
            minutes=45,
            activity="work",
            billable=True,
            comment="",
        )


def test_a_stale_timesheet_edit_is_refused_not_overwritten(agent, ticket_a):
    entry = services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    services.update_entry(
        actor=agent, entry=entry, version=1, minutes=45, activity="work", billable=True, comment="a"
    )
    with pytest.raises(StaleVersion):
        services.update_entry(
            actor=agent,
            entry=entry,
            version=1,
            minutes=60,
            activity="work",
            billable=True,
            comment="b",
        )
    entry.refresh_from_db()
    assert (entry.minutes, entry.comment) == (45, "a")


def test_approval_locks_entries_and_corrections_are_new_entries_naming_their_author(
    agent, admin, ticket_a
):
    entry = services.log_time(actor=agent, ticket=ticket_a, minutes=60, day=MONDAY)
    sheet = services.submit_timesheet(actor=agent, sheet=entry.timesheet, version=1)
    with pytest.raises(PermissionDenied):
        services.approve_timesheet(actor=agent, sheet=sheet, version=sheet.version)
    services.approve_timesheet(actor=admin, sheet=sheet, version=sheet.version)
    correction = services.correct_entry(actor=admin, entry=entry, minutes=45, comment="Doublon")
    assert correction.minutes == -15
    assert correction.corrects == entry
    assert correction.created_by == admin
    assert correction.user == agent
    entry.refresh_from_db()
    assert entry.minutes == 60


def test_timer_logs_its_minutes_once_even_when_stopped_in_two_tabs(agent, ticket_a):
    timer = services.start_timer(actor=agent, ticket=ticket_a)
    assert services.start_timer(actor=agent, ticket=ticket_a).pk == timer.pk  # second tab
    type(timer).objects.filter(pk=timer.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=42, seconds=10)
    )
    entry = services.stop_timer(actor=agent, ticket=ticket_a, comment="Analyse")
    assert entry.minutes == 43
    assert services.stop_timer(actor=agent, ticket=ticket_a) is None
    assert TimeEntry.objects.count() == 1


def test_alerts_fire_once_at_80_and_once_at_100_percent(
    agent, admin, sales, org_a, ticket_a, make_contract, django_capture_on_commit_callbacks
):
    make_contract(org_a, block_hours=Decimal("2"), rounding_minutes=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.log_time(actor=agent, ticket=ticket_a, minutes=60, day=MONDAY)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.log_time(
            actor=agent, ticket=ticket_a, minutes=40, day=MONDAY
        )  # 100 of 120 min: 83 %
    assert sorted(m.to[0] for m in mail.outbox) == [admin.email, sales.email]
    assert "80" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.log_time(actor=agent, ticket=ticket_a, minutes=5, day=MONDAY)
    assert len(mail.outbox) == 2  # 80 % already told
    with django_capture_on_commit_callbacks(execute=True):
        services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    assert len(mail.outbox) == 4
    assert "100" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    assert len(mail.outbox) == 4


def test_non_billable_time_does_not_consume_the_block(agent, org_a, ticket_a, make_contract):
    contract = make_contract(org_a, block_hours=Decimal("1"))
    services.log_time(actor=agent, ticket=ticket_a, minutes=120, billable=False, day=MONDAY)
    assert services.used_minutes(contract) == 0
    assert Contract.objects.get(pk=contract.pk).alert_80_sent_at is None


def test_time_billed_on_an_estimate_never_eats_into_the_block(
    agent, client_a, org_a, ticket_a, make_ticket, ref, make_contract
):
    """An evolution, or any ticket whose estimate the client accepted, is billed on its
    estimate: its time shows on the ticket but the balance page and the alerts leave it out,
    as the invoice does."""
    contract = make_contract(org_a, block_hours=Decimal("1"))
    evolution = make_ticket(client_a, title="Nouvel export", type=ref.type["evolution"])
    quoted = make_ticket(client_a, title="Migration chiffrée")
    estimate = _send(agent, quoted)
    services.accept_estimate(actor=client_a, estimate=estimate)
    for ticket in (evolution, quoted):
        services.log_time(actor=agent, ticket=ticket, minutes=120, day=MONDAY)
    services.log_time(actor=agent, ticket=ticket_a, minutes=30, day=MONDAY)
    assert services.used_minutes(contract) == 30
    use = selectors.contract_use(contract)
    assert use.used_minutes == 30 and use.badge == "" and use.left_hours == Decimal("0.5")
    assert Contract.objects.get(pk=contract.pk).alert_80_sent_at is None


def test_rounding_per_ticket_or_per_entry_follows_the_contract(
    agent, org_a, ticket_a, make_ticket, client_a, make_contract
):
    contract = make_contract(org_a, rounding_scope="ticket")
    other = make_ticket(client_a, title="Autre")
    for ticket in (ticket_a, ticket_a, other):
        services.log_time(actor=agent, ticket=ticket, minutes=5, day=MONDAY)
    assert services.used_minutes(contract) == 30
    contract.rounding_scope = "entry"
    assert services.used_minutes(contract) == 45
    assert services.contract_amount(contract) == Decimal("60.00")


def test_renewal_carries_unused_hours_over_when_the_contract_says_so(
    admin, agent, org_a, ticket_a, make_contract
):
    contract = make_contract(org_a, block_hours=Decimal("10"), rollover=True)
    services.log_time(actor=agent, ticket=ticket_a, minutes=150, day=MONDAY)
    new = services.renew_contract(actor=admin, contract=contract, starts_on=dt.date(2027, 1, 1))
    assert new.rolled_over_hours == Decimal("7.50")
    assert new.total_hours == Decimal("17.50")
    contract.refresh_from_db()
    assert contract.ends_on == dt.date(2026, 12, 31)
    with pytest.raises(BillingError):
        services.renew_contract(actor=admin, contract=contract, starts_on=dt.date(2027, 2, 1))
    no_rollover = make_contract(org_a, name="Sans report", starts_on=dt.date(2027, 6, 1))
    later = services.renew_contract(
        actor=admin, contract=no_rollover, starts_on=dt.date(2028, 1, 1)
    )
    assert later.rolled_over_hours == 0


def test_a_stale_contract_edit_is_refused(admin, org_a, make_contract):
    contract = make_contract(org_a)
    services.save_contract(actor=admin, contract=contract, data={"name": "A"}, version=1)
    with pytest.raises(StaleVersion):
        services.save_contract(actor=admin, contract=contract, data={"name": "B"}, version=1)
    assert Contract.objects.get(pk=contract.pk).name == "A"


def _send(agent, ticket, **fields):
    fields.setdefault("amount", Decimal("1250.50"))
    fields.setdefault("description", "Création du compte et des droits")
    return services.send_estimate(actor=agent, ticket=ticket, **fields)


def test_sending_an_estimate_waits_for_the_client_and_emails_them_a_link(
    agent, client_a, evolution_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        estimate = _send(agent, evolution_a)
    evolution_a.refresh_from_db()
    assert evolution_a.status.code == "attente-chiffrage"
    [email] = [m for m in mail.outbox if "Estimate to approve" in m.subject]
    assert email.to == [client_a.email]
    token = re.search(r"/billing/estimates/answer/([^/\s]+)/", email.body).group(1)
    assert services.estimate_from_token(token) == estimate  # the link names this estimate
    assert "1,250.50\u00a0€" in email.body  # the client reads English here


def test_a_refusal_goes_back_to_analysis_with_the_reason_in_the_timeline(
    agent, client_a, evolution_a
):
    estimate = _send(agent, evolution_a)
    with pytest.raises(BillingError):
        services.refuse_estimate(actor=client_a, estimate=estimate, reason="  ")
    services.refuse_estimate(actor=client_a, estimate=estimate, reason="Trop cher pour nous")
    evolution_a.refresh_from_db()
    assert evolution_a.status.code == "en-cours"
    event = Event.objects.filter(ticket=evolution_a, kind=Event.Kind.STATUS).latest("id")
    assert "Trop cher pour nous" in event.body
    assert not event.is_internal
    assert event.actor == client_a


def test_acceptance_moves_the_ticket_to_being_carried_out(agent, client_a, evolution_a):
    estimate = _send(agent, evolution_a)
    services.accept_estimate(actor=client_a, estimate=estimate)
    evolution_a.refresh_from_db()
    assert evolution_a.status.code == "realisation"
    with pytest.raises(EstimateClosed):
        services.refuse_estimate(actor=client_a, estimate=estimate, reason="Finalement non")


def test_a_new_estimate_replaces_the_pending_one(agent, evolution_a):
    first = _send(agent, evolution_a)
    second = _send(agent, evolution_a, amount=None, hours=Decimal("12"))
    first.refresh_from_db()
    assert first.state == Estimate.State.REPLACED
    assert second.is_pending


def test_other_organizations_and_staff_cannot_decide_an_estimate(
    agent, client_b, sales, evolution_a
):
    estimate = _send(agent, evolution_a)
    for person in (client_b, sales, agent):
        with pytest.raises(PermissionDenied):
            services.accept_estimate(actor=person, estimate=estimate)


def test_the_emailed_link_works_once_and_expires(agent, client_a, evolution_a, settings):
    estimate = _send(agent, evolution_a)
    token = services.estimate_token(estimate)
    assert services.estimate_from_token(token) == estimate
    with pytest.raises(EstimateClosed):
        services.estimate_from_token(token[:-2] + "xx")
    services.accept_estimate(actor=client_a, estimate=estimate, via_link=True)
    assert Estimate.objects.get(pk=estimate.pk).link_used_at is not None
    with pytest.raises(EstimateClosed):
        services.estimate_from_token(token)
    later = _send(agent, evolution_a)
    old = signing.TimestampSigner(salt=services.LINK_SALT)
    settings.BILLING_ESTIMATE_LINK_DAYS = 0
    with pytest.raises(EstimateClosed) as expired:
        services.estimate_from_token(old.sign(str(later.pk)))
    assert "expired" in str(expired.value)


def test_clients_see_billable_rounded_time_only(agent, client_a, ticket_a, org_a, make_contract):
    make_contract(org_a, rounding_minutes=15)
    services.log_time(actor=agent, ticket=ticket_a, minutes=7, comment="interne", day=MONDAY)
    services.log_time(actor=agent, ticket=ticket_a, minutes=50, billable=False, day=MONDAY)
    box = selectors.ticket_time_box(client_a, ticket_a)
    assert box.rounded_minutes == 15
    assert box.entries == []
    assert box.total_minutes == 7
    staff = selectors.ticket_time_box(agent, ticket_a)
    assert staff.total_minutes == 57
    assert len(staff.entries) == 2


def test_timesheet_read_writes_nothing(agent):
    week = selectors.timesheet_week(agent, MONDAY)
    assert week.sheet.pk is None
    assert not Timesheet.objects.exists()


def test_contract_consumption_rounds_each_entry_in_the_database_like_in_python(
    agent, admin, org_a, ticket_a, make_contract
):
    contract = make_contract(org_a, rounding_minutes=15, rounding_scope="entry")
    for minutes in (1, 14, 15, 16, 44):
        services.log_time(actor=agent, ticket=ticket_a, minutes=minutes, day=MONDAY)
    assert services.used_minutes(contract) == 15 + 15 + 15 + 30 + 45
    entry = TimeEntry.objects.get(minutes=44)
    sheet = services.submit_timesheet(actor=agent, sheet=entry.timesheet, version=1)
    services.approve_timesheet(actor=admin, sheet=sheet, version=sheet.version)
    services.correct_entry(actor=admin, entry=entry, minutes=34, comment="Trop compté")
    assert services.used_minutes(contract) == 15 + 15 + 15 + 30 + 45 - 15  # -10 rounds to -15
