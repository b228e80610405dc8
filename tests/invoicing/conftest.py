"""Invoicing test helpers: tickets, contracts and time through billing's fixtures and services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services as billing_services
from invoicing import services
from tests.billing.conftest import MONDAY, evolution_a, make_contract  # noqa: F401
from tests.tickets.conftest import _english, make_ticket, ref, ticket_a, ticket_b  # noqa: F401

START = dt.date(2026, 11, 1)
END = dt.date(2026, 12, 31)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def log(agent):
    """log(ticket, minutes, **fields): time an agent logged on MONDAY (or day=...)."""

    def _log(ticket, minutes, **fields):
        fields.setdefault("day", MONDAY)
        return billing_services.log_time(actor=agent, ticket=ticket, minutes=minutes, **fields)

    return _log


@pytest.fixture
def accepted_estimate(agent, client_a, evolution_a):  # noqa: F811
    estimate = billing_services.send_estimate(
        actor=agent, ticket=evolution_a, description="Création du compte", amount=Decimal("450.00")
    )
    return billing_services.accept_estimate(actor=client_a, estimate=estimate)


@pytest.fixture
def make_intervention(agent):
    def _make(ticket, *, sign=True, supplies=None, travel=Decimal("35.00"), equipment=(), **data):
        data.setdefault("starts_at", timezone.make_aware(dt.datetime(2026, 12, 2, 9, 30)))
        data.setdefault("duration_minutes", 90)
        data.setdefault("place", "on_site")
        data.setdefault("work_done", "Remplacement du disque, tests OK.")
        data.setdefault("travel_amount", travel)
        intervention = services.create_intervention(
            actor=agent,
            ticket=ticket,
            data=data,
            technicians=[agent],
            equipment=equipment,
            supplies=supplies
            if supplies is not None
            else [
                {
                    "description": "Disque SSD 1 To",
                    "quantity": Decimal("1"),
                    "unit_price": Decimal("119.90"),
                    "vat_rate": Decimal("20"),
                },
                {
                    "description": "Câble SATA",
                    "quantity": Decimal("3"),
                    "unit_price": Decimal("4.99"),
                    "vat_rate": Decimal("5.5"),
                },
            ],
        )
        if sign:
            intervention = services.sign_intervention(
                actor=agent, intervention=intervention, signer_name="Chloé Alpha", png=PNG
            )
        return intervention

    return _make
