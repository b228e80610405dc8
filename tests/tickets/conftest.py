"""Ticket test helpers: reference data by code, tickets made through services, PNG bytes."""

import importlib
import io
import types

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tickets import services
from tickets.models import Criticality, Priority, Status, TicketType

_seed_migration = importlib.import_module("tickets.migrations.0002_seed_reference_data")
_criticality_migration = importlib.import_module(
    "tickets.migrations.0016_criticality_reference_data"
)


def ensure_reference_data():
    """Reference rows come from a data migration; flushed (transactional) databases lose them."""
    if not Status.objects.exists():
        _seed_migration.seed(apps, None)
    if not Criticality.objects.exists():
        _criticality_migration.seed(apps, None)


@pytest.fixture
def ref(db):
    ensure_reference_data()
    statuses = {s.code: s for s in Status.objects.all()}
    return types.SimpleNamespace(
        status=statuses,
        priority={p.code: p for p in Priority.objects.all()},
        type={t.code: t for t in TicketType.objects.all()},
        criticality={c.code: c for c in Criticality.objects.all()},
    )


def png_file(name="capture.png", size=(60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def make_ticket(ref):
    """make_ticket(actor, **fields): a ticket filed through services.create_ticket."""

    def _make(actor, **fields):
        fields.setdefault("title", "Impossible d'imprimer les factures")
        fields.setdefault("description", "Depuis ce matin, l'impression échoue.")
        fields.setdefault("type", ref.type["incident"])
        return services.create_ticket(actor=actor, **fields)

    return _make


@pytest.fixture
def ticket_a(make_ticket, client_a):
    """A ticket filed by client_a (organization A) on the web."""
    return make_ticket(client_a)


@pytest.fixture
def ticket_b(make_ticket, client_b):
    return make_ticket(client_b, title="Beta's secret problem")


@pytest.fixture(autouse=True)
def _english(client, monkeypatch):
    """These tests read messages in English, the source language; the French interface is
    covered by the browser journeys and the catalog tests. Visitors ask for English; the people
    these tests make prefer it (a logged-in person gets their profile's language)."""
    from django.utils import translation

    from tests import factories

    monkeypatch.setitem(factories.LANGUAGE, "default", "en")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _form_data(form) -> dict:
    """What a browser posts back for form as shown (unticked boxes are not sent)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


@pytest.fixture
def django_admin(db):
    """django_admin(model, pk=None, **changes): submit the model's Django admin add (no pk) or
    change form as a superuser would, with changes over what the form shows; the response."""
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    root = User.objects.create_superuser("root@staff.test", "pw", is_demo=True)
    browser = Client()
    browser.force_login(root)

    def _submit(model, pk=None, **changes):
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}_{'change' if pk else 'add'}"
        url = reverse(name, args=[pk] if pk else [])
        shown = browser.get(url).context
        data = _form_data(shown["adminform"].form)
        for inline in shown["inline_admin_formsets"]:
            data.update(_form_data(inline.formset.management_form))
            for form in inline.formset.forms:
                data.update(_form_data(form))
        data.update(changes)
        response = browser.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        return response

    return _submit
