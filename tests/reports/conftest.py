"""A small data set whose figures are computed by hand (see test_figures.py), written through
the ticket services with the clock set to each moment (Europe/Paris, 9-18 business calendar)."""

import datetime as dt
import types
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.tickets import conftest as ticket_fixtures
from tickets import services
from tickets.models import Status, Ticket

PARIS = ZoneInfo("Europe/Paris")
ref = ticket_fixtures.ref  # the reference data by code, as the ticket tests have it


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


# The range every figure test asks for.
RANGE = {"start": "2026-11-16", "end": "2026-11-29"}


@pytest.fixture
def clock(monkeypatch):
    """clock(moment): timezone.now() answers moment from now on."""

    def _set(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return _set


@pytest.fixture
def dataset(ref, clock, agent, client_a, client_b, org_a, org_b):
    """Four tickets (the hand computation is in test_figures.py):
    T1 Alpha, high (4 h / 16 h): opened Fri 20 Nov 17:00, answered Mon 09:30, resolved Mon 12:00.
    T2 Alpha, urgent (1 h / 8 h): opened Mon 23 10:00, answered 14:00, resolved Tue 24 10:00.
    T3 Beta, normal (8 h / 40 h): opened Tue 24 09:00, answered 09:30, resolved 11:00,
       reopened by the client Wed 25 09:00, resolved again 10:00.
    T4 Beta, normal: opened Wed 25 09:00, escalated to level 2 at 10:00, still open."""
    resolved = Status.objects.get(code="resolu")

    def file(moment, requester, priority, title):
        clock(moment)
        return services.create_ticket(
            actor=agent,
            title=title,
            description="Depuis ce matin, l'impression échoue.",
            type=ref.type["incident"],
            organization=requester.organization,
            requester=requester,
            priority=ref.priority[priority],
        )

    def answer(moment, ticket):
        clock(moment)
        services.reply(actor=agent, ticket=ticket, body="Nous regardons.")

    def resolve(moment, ticket):
        clock(moment)
        ticket.refresh_from_db()
        services.change_status(actor=agent, ticket=ticket, status=resolved)

    t1 = file(paris(2026, 11, 20, 17, 0), client_a, "haute", "Imprimante")
    answer(paris(2026, 11, 23, 9, 30), t1)
    resolve(paris(2026, 11, 23, 12, 0), t1)
    t2 = file(paris(2026, 11, 23, 10, 0), client_a, "urgente", "Serveur arrêté")
    answer(paris(2026, 11, 23, 14, 0), t2)
    resolve(paris(2026, 11, 24, 10, 0), t2)
    t3 = file(paris(2026, 11, 24, 9, 0), client_b, "normale", "Messagerie")
    answer(paris(2026, 11, 24, 9, 30), t3)
    resolve(paris(2026, 11, 24, 11, 0), t3)
    clock(paris(2026, 11, 25, 9, 0))
    t3.refresh_from_db()
    services.reply(actor=client_b, ticket=t3, body="Le problème est revenu.")
    resolve(paris(2026, 11, 25, 10, 0), t3)
    t4 = file(paris(2026, 11, 25, 9, 0), client_b, "normale", "Paie")
    clock(paris(2026, 11, 25, 10, 0))
    services.escalate(actor=agent, ticket=t4, reason="Journaux serveur à analyser.")
    clock(paris(2026, 11, 27, 12, 0))  # Friday noon: "now" for the open tickets
    return types.SimpleNamespace(
        t1=Ticket.objects.get(pk=t1.pk),
        t2=Ticket.objects.get(pk=t2.pk),
        t3=Ticket.objects.get(pk=t3.pk),
        t4=Ticket.objects.get(pk=t4.pk),
    )


@pytest.fixture(autouse=True)
def _english():
    """Figures are read back by their English labels (the French catalog of the new strings
    is compiled at merge)."""
    from django.utils import translation

    with translation.override("en"):
        yield
