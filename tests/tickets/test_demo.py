"""seed_demo: the command other tools rely on (ARCHITECTURE.md) gives demo accounts that log in
and tickets that read like a French helpdesk's queue."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from tickets.models import Event, Status, Ticket

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_accounts_and_tickets_with_timelines(ref):
    out = io.StringIO()
    call_command("seed_demo", tickets=120, seed=7, stdout=out)
    assert "120 tickets created" in out.getvalue()
    assert authenticate(username="agent@demo.test", password="demo") is not None
    assert authenticate(username="client@demo.test", password="demo") is not None
    tickets = Ticket.objects.all()
    assert tickets.count() == 120
    assert sorted(tickets.values_list("number", flat=True)) == list(range(1, 121))
    assert Event.objects.filter(kind=Event.Kind.CREATED).count() == 120

    # New requests wait for an agent; the others were claimed by the agent assigned.
    new = tickets.filter(status__category=Status.Category.NEW)
    assert new.exists() and not new.filter(assignees__isnull=False).exists()
    assert not Event.objects.filter(ticket__in=new, kind=Event.Kind.CLAIM).exists()
    taken = tickets.exclude(status__category=Status.Category.NEW)
    assert taken.exists() and not taken.filter(assignees__isnull=True).exists()

    # Activity spread over the past, not piled up at the moment of seeding.
    piled = tickets.values("last_activity_at").annotate(n=Count("id")).filter(n__gt=1)
    assert not piled.exists()
    assert not tickets.filter(last_activity_at__gt=timezone.now()).exists()

    # French, contracted: "au VPN", "du module", never "à le" or "de le".
    titles = list(tickets.values_list("title", flat=True))
    assert not [t for t in titles if " à le " in t or " de le " in t]
    assert any(" au " in t or " du " in t for t in titles)

    # Run again: the accounts are refreshed, not duplicated; numbering continues.
    call_command("seed_demo", tickets=5, stdout=io.StringIO())
    assert Ticket.objects.order_by("-number").first().number == 125
    from accounts.models import User

    assert User.objects.filter(email="agent@demo.test").count() == 1
