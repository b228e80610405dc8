"""`make run`'s demo (`seed_demo --showcase`): every role logs in to something to see and do,
written through the services, sending nobody anything, added once."""

import io
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from cdc import access as cdc_access
from cdc.models import ChangeRequest, Check, HistoryEntry, Task
from cdc.workflow import State
from notifications.models import NotificationJob, OutgoingEmail
from tests.tickets.conftest import ensure_reference_data
from tickets.models import Event, Status, Ticket
from tickets.services import flag_overdue_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def ref(db):
    ensure_reference_data()


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", showcase=True, stdout=out, **options)
    return out.getvalue()


def test_the_demo_has_tickets_in_every_state_written_by_the_services(ref):
    started = time.monotonic()
    output = _seed()
    elapsed = time.monotonic() - started
    assert "showcase: 300 tickets and 9 change requests created" in output
    assert elapsed < 60, f"the demo took {elapsed:.0f} s to write"

    tickets = Ticket.objects.all()
    assert sorted(tickets.values_list("number", flat=True)) == list(range(1, 301))
    assert set(tickets.values_list("status__category", flat=True)) == set(Status.Category.values)
    # Numbers follow the order the tickets were opened in, all in the past.
    opened = list(tickets.order_by("number").values_list("created_at", flat=True))
    assert opened == sorted(opened) and opened[-1] < timezone.now()
    # The demo organizations, both agents, every priority; phone calls, the sales rep's tickets.
    assert tickets.values("organization").distinct().count() == 2
    assert tickets.values("priority").distinct().count() == 4
    assert set(Ticket.assignees.through.objects.values_list("user__email", flat=True)) == {
        "agent@demo.test",
        "agent2@demo.test",
    }
    assert tickets.filter(channel=Ticket.Channel.PHONE).exists()
    assert tickets.filter(reporter__email="sales@demo.test").exists()
    # Work to do: unassigned new requests, overdue ones, some waiting on the client.
    open_tickets = tickets.exclude(status__category__in=["resolved", "closed", "cancelled"])
    assert open_tickets.filter(is_assigned=False).count() >= 10
    assert open_tickets.filter(is_overdue=True).count() >= 10
    assert flag_overdue_tickets() == 0  # the flag was already set from the due dates
    waiting = tickets.filter(status__category=Status.Category.WAITING_CLIENT)
    assert waiting.count() >= 10
    # ... but none the auto-close job would warn about on the first start.
    assert not waiting.filter(waiting_since__lt=timezone.now() - timezone.timedelta(days=5))

    # Timelines: the services' events, replies, notes, escalations, moved to their moments.
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"created", "claim", "reply", "note", "status", "escalation", "reopen"} <= kinds
    for ticket in tickets.filter(number__in=[1, 150, 300]):
        moments = list(ticket.events.order_by("pk").values_list("action_at", flat=True))
        assert moments == sorted(moments)
        assert moments[0] == ticket.created_at
        # The billing demo acts on open tickets at the real now after the stories; the
        # service stamps the ticket and its event from two clock reads a moment apart.
        assert abs(moments[-1] - ticket.last_activity_at) < timezone.timedelta(seconds=1)
    closed = tickets.filter(status__category=Status.Category.CLOSED).first()
    assert closed.closed_at and closed.closed_at <= closed.last_activity_at

    # The demo's past is nobody's news: no email, no notification job.
    assert not OutgoingEmail.objects.exists()
    assert not NotificationJob.objects.exists()

    # Run again: nothing added. Bulk tickets still continue the numbering.
    assert "showcase already there: nothing added" in _seed()
    assert Ticket.objects.count() == 300 and ChangeRequest.objects.count() == 9
    call_command("seed_demo", tickets=5, stdout=io.StringIO())
    assert Ticket.objects.order_by("-number").first().number == 305


def test_every_role_has_something_to_see_and_do(ref, client, login):
    _seed(tickets=40)
    user = {u.email: u for u in User.objects.filter(is_demo=True)}
    states = set(ChangeRequest.objects.values_list("state", flat=True))
    assert states == set(State.values)
    # Every request went through the workflow step by step, by the people whose step it is.
    closed = ChangeRequest.objects.get(state=State.CLOSED)
    actions = list(closed.history.values_list("action", flat=True))
    assert actions[:5] == ["create", "submit", "plan", "validate_dpo", "validate"]
    assert actions[-2:] == ["deliver", "accept"]
    assert list(closed.history.values_list("created_at", flat=True)) == sorted(
        closed.history.values_list("created_at", flat=True)
    )
    assert closed.created_at < closed.submitted_at < closed.delivered_at < closed.closed_at
    assert closed.planned_date and closed.dpo_validated_on < timezone.localdate()

    # The DPO: a request waiting for their review.
    review = ChangeRequest.objects.get(state=State.DPO_REVIEW)
    assert cdc_access.can(user["dpo@demo.test"], review, "validate_dpo")
    login(user["dpo@demo.test"])
    assert review.title in client.get("/cdc/?state=dpo_review").content.decode()

    # The developer: a task of theirs still being developed; the controller: one to check.
    dev_cr = ChangeRequest.objects.get(state=State.DEVELOPMENT)
    mine = Task.objects.filter(change_request=dev_cr, developers=user["dev@demo.test"])
    assert mine.filter(end_date__isnull=True).exists()
    assert cdc_access.can(user["dev@demo.test"], dev_cr, "edit_task")
    to_check = Task.objects.filter(change_request=dev_cr, end_date__isnull=False, checks=None)
    assert to_check.exists()
    assert cdc_access.can(user["controller@demo.test"], dev_cr, "record_check")
    assert Check.objects.filter(task__change_request=dev_cr, passed=False).exists()
    login(user["dev@demo.test"])
    assert mine.first().title in client.get(dev_cr.get_absolute_url()).content.decode()

    # Delivered, waiting for the client's acceptance; the client's decision pending too.
    delivered = ChangeRequest.objects.get(state=State.DELIVERED)
    decision = ChangeRequest.objects.get(state=State.CLIENT_DECISION)
    for cr in (delivered, decision):
        assert cr.requester.email == "client@demo.test"
        assert cdc_access.can(
            user["client@demo.test"], cr, "accept" if cr == delivered else "validate"
        )

    # The client: their tickets on the dashboard, their requests in the list; the other
    # organization's client sees only their own.
    login(user["client@demo.test"])
    theirs = Ticket.objects.filter(organization__external_id="demo").exclude(
        status__category__in=["resolved", "closed", "cancelled"]
    )
    dashboard = client.get("/").content.decode()
    assert f'href="/tickets/{theirs.order_by("-last_activity_at").first().number}/"' in dashboard
    cdc_list = client.get("/cdc/").content.decode()
    assert escape(delivered.title) in cdc_list
    assert "Connexion unique (SSO)" not in cdc_list
    login(user["client@other.test"])
    assert "Connexion unique (SSO)" in client.get("/cdc/").content.decode()

    # Agents: their open tickets and requests to analyse.
    login(user["agent@demo.test"])
    assigned = Ticket.objects.filter(assignees=user["agent@demo.test"]).exclude(
        status__category__in=["resolved", "closed", "cancelled"]
    )
    numbers = set(assigned.values_list("number", flat=True))
    dashboard = client.get("/").content.decode()
    assert any(f'href="/tickets/{n}/"' in dashboard for n in numbers)
    assert ChangeRequest.objects.filter(state=State.ANALYSIS).count() == 2
    assert not HistoryEntry.objects.filter(created_at__gt=timezone.now()).exists()


def test_a_demo_seeded_at_night_still_spreads_its_moments_over_office_hours(monkeypatch):
    from datetime import datetime, timedelta

    from tickets.demo import office_hours

    tz = timezone.get_current_timezone()
    night = datetime(2026, 12, 7, 4, 7, tzinfo=tz)
    monkeypatch.setattr(timezone, "now", lambda: night)
    for moment in (
        night - timedelta(hours=2),
        night - timedelta(hours=8),
        night - timedelta(days=3),
    ):
        placed = timezone.localtime(office_hours(moment))
        assert placed <= night, moment
        assert 8 <= placed.hour < 19, placed
    afternoon = datetime(2026, 12, 4, 15, 0, tzinfo=tz)
    assert office_hours(afternoon) == afternoon
