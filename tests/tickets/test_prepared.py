"""core.prepared: statements compiled once, run with new integers and moments, counted together."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.prepared import Prepared, counts
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_moments_and_counts_in_one_round_trip(make_ticket, client_a, django_assert_num_queries):
    now = timezone.now()
    tickets = [make_ticket(client_a, title=f"T{i}") for i in range(3)]
    for days, ticket in zip((1, 3, 10), tickets, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due_at=now + timedelta(days=days))
    due_before = Prepared(
        lambda moment: Ticket.objects.filter(resolution_due_at__lt=moment).values("pk"),
        moments=("moment",),
    )
    by_number = Prepared(lambda number: Ticket.objects.filter(number=number), "number")
    nothing = Prepared(lambda: Ticket.objects.filter(pk__in=[]))
    for days in (0, 2, 5, 30):
        with django_assert_num_queries(1):
            found = counts(
                (due_before, {"moment": now + timedelta(days=days)}),
                (by_number, {"number": tickets[0].number}),
                (nothing, {}),
            )
        expected = Ticket.objects.filter(resolution_due_at__lt=now + timedelta(days=days)).count()
        assert found == [expected, 1, 0]
    assert due_before.count(moment=now + timedelta(days=5)) == 2
    soonest = Prepared(
        lambda moment: (
            Ticket.objects.filter(resolution_due_at__gte=moment)
            .order_by("resolution_due_at")
            .values_list("resolution_due_at")[:1]
        ),
        moments=("moment",),
    )
    _, rows = soonest.rows(moment=now + timedelta(days=2))
    assert rows[0][0] == Ticket.objects.get(pk=tickets[1].pk).resolution_due_at
