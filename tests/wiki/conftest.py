"""Wiki test helpers: one page per kind of reader, written through wiki.services."""

import types

import pytest

from tests.tickets.conftest import _english, make_ticket, ref  # noqa: F401 - fixtures
from wiki import services
from wiki.models import Page, Space

V = Page.Visibility


@pytest.fixture
def write(agent):
    """write(space, title, body="", visibility=..., tags=(), actor=agent) -> Page."""

    def _write(space, title, body="", visibility=V.STAFF, tags=(), actor=None):
        return services.create_page(
            actor=actor or agent,
            space=space,
            title=title,
            body=body,
            visibility=visibility,
            tags=list(tags),
        )

    return _write


@pytest.fixture
def pages(write, org_a, org_b):
    """One page of every kind: what a reader may open is decided by these."""
    shared = services.space_for(kind=Space.Kind.SHARED)
    internal = services.space_for(kind=Space.Kind.INTERNAL)
    space_a = services.space_for(kind=Space.Kind.ORGANIZATION, organization=org_a)
    space_b = services.space_for(kind=Space.Kind.ORGANIZATION, organization=org_b)
    return types.SimpleNamespace(
        shared_space=shared,
        internal_space=internal,
        space_a=space_a,
        space_b=space_b,
        public=write(shared, "Réinitialiser son mot de passe", "Cliquez sur *Oublié*.", V.CLIENTS),
        shared_draft=write(shared, "Brouillon FAQ imprimante", "À relire.", V.STAFF),
        internal=write(internal, "Mots de passe des serveurs", "root / secret", V.STAFF),
        org_a=write(
            space_a,
            "Imprimante du bureau Alpha",
            "## Bourrage\nOuvrir le capot.\n\n## Toner\nChanger la cartouche.",
            V.ORGANIZATION,
            tags=["imprimante", "matériel"],
        ),
        org_a_staff=write(space_a, "Accès VPN Alpha (équipe)", "Clé partagée.", V.STAFF),
        org_b=write(space_b, "Imprimante Beta secrète", "Seulement Beta.", V.ORGANIZATION),
    )
