"""seed_demo --showcase writes a few pages in every space, once."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from tests.conftest import verified_login
from tests.tickets.conftest import ensure_reference_data
from wiki.models import Page, Space

pytestmark = pytest.mark.django_db


def test_the_demo_has_pages_in_every_space_and_each_client_reads_its_own(client):
    ensure_reference_data()
    call_command("seed_demo", showcase=True, tickets=0, stdout=io.StringIO())
    spaces = Space.objects.all()
    assert {space.kind for space in spaces} == set(Space.Kind.values)
    for space in spaces:
        assert space.pages.count() >= 1, space.name
    count = Page.objects.count()
    assert Page.objects.filter(helpful_count__gt=0).exists()

    demo_client = verified_login(client, User.objects.get(email="client@demo.test"))
    found = demo_client.get(reverse("wiki:search"), {"q": "imprimante"}).content.decode()
    assert "Imprimante du service comptabilité" in found
    index = demo_client.get(reverse("wiki:index")).content.decode()
    assert "Démo Industries" in index and "Other Corp" not in index

    call_command("seed_demo", showcase=True, tickets=0, stdout=io.StringIO())
    assert Page.objects.count() == count  # added once
