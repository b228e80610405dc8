"""Billing test helpers: tickets through tickets' fixtures, contracts through services."""

import datetime as dt
from decimal import Decimal

import pytest

from billing import services
from tests.tickets.conftest import _english, make_ticket, ref, ticket_a, ticket_b  # noqa: F401

MONDAY = dt.date(2026, 11, 30)  # a Monday


@pytest.fixture
def evolution_a(make_ticket, client_a, ref):  # noqa: F811
    """An evolution request of organization A, filed by client_a."""
    return make_ticket(
        client_a, title="Création de l'utilisateur Fabrice", type=ref.type["evolution"]
    )


@pytest.fixture
def make_contract(admin):
    def _make(organization, **data):
        data.setdefault("name", f"Contrat {organization.name}")
        data.setdefault("kind", "prepaid")
        data.setdefault("default_rate", Decimal("80.00"))
        data.setdefault("block_hours", Decimal("10"))
        data.setdefault("starts_on", dt.date(2026, 1, 1))
        data.setdefault("rounding_minutes", 15)
        data.setdefault("rounding_scope", "entry")
        return services.save_contract(
            actor=admin, contract=None, data={"organization": organization, **data}
        )

    return _make
