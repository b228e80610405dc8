"""Issue 18, words on French pages: counters agree in number with their count ("3 Non
attribués"), a closed ticket is "Fermé" everywhere, sizes are written "30,0 Mo"."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.files import validate_upload
from tickets import services
from tickets.models import Status

pytestmark = pytest.mark.django_db


def label_of(html, counter):
    """The label under a dashboard counter: {value: label}."""
    card = html.split(f'data-counter="{counter}">')[1]
    value = card.split("<", 1)[0]
    label = re.search(r'class="stat-label">([^<]+)<', card).group(1)
    return value, label


def test_dashboard_counters_agree_in_number_and_say_ferme(login, agent, make_ticket, client_a):
    make_ticket(client_a, title="Un")
    agent.language = "fr"  # a logged-in person gets their profile's language
    agent.save(update_fields=["language"])
    client = login(agent)
    client.cookies["django_language"] = "fr"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert label_of(html, "unassigned") == ("1", "Non attribué")
    make_ticket(client_a, title="Deux")
    done = make_ticket(client_a, title="Trois")
    closed = Status.objects.filter(category=Status.Category.CLOSED).first()
    services.change_status(actor=agent, ticket=done, status=closed)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert label_of(html, "unassigned") == ("2", "Non attribués")
    assert label_of(html, "closed_today") == ("1", "Fermé aujourd'hui")
    assert label_of(html, "new")[1] == "Nouvelles demandes"
    assert "Clôtur" not in html


def test_closed_reads_ferme_for_tickets():
    with translation.override("fr"):
        assert translation.gettext("Closed") == "Fermé"
        assert str(Status.Category.CLOSED.label) == "Fermé"


def test_a_cancelled_ticket_reads_annule_and_a_cancelled_change_request_annulee():
    """The queue's status-category filter agrees with le ticket; a CDC is la demande."""
    from cdc.models import ChangeRequest

    with translation.override("fr"):
        assert str(Status.Category.CANCELLED.label) == "Annulé"
        assert str(ChangeRequest.Decision.CANCELLED.label) == "Annulée"


def test_a_file_too_large_gives_its_size_as_french_writes_it(settings):
    settings.HELPDESK_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("gros.pdf", b"%PDF" + b"0" * (1024 * 1024 + 600 * 1024))
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validate_upload(upload)
    assert "(1,6\u00a0Mo)" in refused.value.messages[0]
