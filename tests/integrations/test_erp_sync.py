"""Customer-base sync from the ERP: upload, column mapping remembered, dry run with a
field-by-field diff and rows in error, apply; upsert by reference, never duplicated."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import Organization
from integrations.models import ImportMapping

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db

HEADER = "Code client;Raison sociale;Courriel;Ville;Téléphone\n"
MAPPING = {
    "external_id": "Code client",
    "name": "Raison sociale",
    "email": "Courriel",
    "city": "Ville",
    "phone": "Téléphone",
}


def csv_file(rows, name="clients.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, (HEADER + "".join(rows)).encode(encoding), "text/csv")


def xlsx_file(rows, name="clients.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(list(MAPPING.values()))
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("D2:D3")  # a merged cell, as exports have
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def committed(post):
    """post(...) with the jobs it queues after its commit run (eagerly, as in tests)."""

    def _post(*args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = post(*args, **kwargs)
        return response

    return _post


def sync(client, upload, mapping=MAPPING, source="erp"):
    """Upload, map, dry run (read in the background): (upload page, the dry run's page)."""
    first = client.post(reverse("integrations:sync"), {"file": upload, "source": source})
    preview = preview_with(client, mapping)
    return first, preview


def preview_with(client, mapping):
    response = committed(client.post)(reverse("integrations:sync-preview"), mapping)
    return client.get(response.url) if response.status_code == 302 else response


def apply(client, preview):
    """Apply the dry run shown on preview: the applied run's page."""
    run = preview.context["run"]
    response = committed(client.post)(reverse("integrations:sync-run-apply", args=[run.pk]))
    return client.get(response.url)


def counts(response):
    run = response.context["run"]
    return {k: v for k, v in run.counts.items() if v}


ROWS = [
    "C001;Boulangerie Élodie;contact@elodie.fr;Besançon;0381000000\n",
    "C002;Garage Müller & Fils;pas-un-email;Strasbourg;\n",  # a bad email: in error
    "C003;Café de l'Hôtel de Ville;cafe@hdv.fr;Paris;\n",
    "C001;Boulangerie Élodie bis;autre@elodie.fr;Dole;\n",  # a duplicate reference
    ";Sans référence;x@y.fr;Lyon;\n",
]


@pytest.mark.parametrize("who", PERSONAS)
def test_only_admins_sync_the_customer_base(who, request, login):
    client = login(request.getfixturevalue(who))
    expected = 200 if who == "admin" else 404
    assert client.get(reverse("integrations:sync")).status_code == expected
    upload = csv_file(ROWS[:1])
    assert (
        client.post(reverse("integrations:sync"), {"file": upload, "source": "erp"}).status_code
        == expected
    )
    if who != "admin":
        assert client.post(reverse("integrations:sync-preview"), MAPPING).status_code == 404
        assert not Organization.objects.filter(external_id="C001").exists()


def test_the_dry_run_shows_what_the_apply_does_and_a_second_run_changes_nothing(login, admin):
    client = login(admin)
    existing = Organization.objects.create(
        name="Café de l'Hôtel de Ville",
        city="Lyon",
        email="cafe@hdv.fr",
        external_source="erp",
        external_id="C003",
    )
    _first, preview = sync(client, csv_file(ROWS))
    assert preview.status_code == 200
    assert counts(preview) == {"new": 1, "update": 1, "invalid": 3}
    page = preview.content.decode()
    assert "Lyon" in page and "Paris" in page  # the field-by-field diff
    assert "déjà dans le fichier" in page and "La référence est vide" in page
    [bad_email] = [line for line in preview.context["lines"] if line["reference"] == "C002"]
    assert bad_email["kind"] == "invalid" and "mail" in bad_email["errors"][0]
    # French typography: the field and its error apart by a colon that never starts a line.
    assert bad_email["errors"][0].startswith("E-mail\u00a0: ")
    assert "Garage Müller &amp; Fils" in page
    assert not Organization.objects.filter(external_id="C001").exists()  # nothing written yet
    applied = apply(client, preview)
    assert counts(applied) == counts(preview)
    existing.refresh_from_db()
    assert existing.city == "Paris"
    created = Organization.objects.get(external_source="erp", external_id="C001")
    assert created.name == "Boulangerie Élodie" and created.phone == "0381000000"
    assert Organization.objects.filter(external_id="C001").count() == 1
    # The same file again: nothing changes, the mapping is remembered.
    assert ImportMapping.objects.get(source="erp").columns == MAPPING
    upload = client.post(reverse("integrations:sync"), {"file": csv_file(ROWS), "source": "erp"})
    form = upload.context["mapping_form"]
    assert {name: form[name].initial for name in MAPPING} == MAPPING
    again = preview_with(client, MAPPING)
    assert counts(again) == {"skip": 2, "invalid": 3}
    apply(client, again)
    assert Organization.objects.filter(external_source="erp").count() == 2


def test_an_xlsx_export_with_accents_numbers_and_merged_cells_is_read(login, admin):
    client = login(admin)
    rows = [
        [1001, "Société Générale d'Électricité", "se@ge.fr", "Nîmes", "0466000000"],
        [1002, "Œuvres Sociales", "os@os.fr", None, None],
    ]
    _first, preview = sync(client, xlsx_file(rows))
    assert counts(preview) == {"new": 2}
    apply(client, preview)
    assert set(Organization.objects.values_list("external_id", flat=True)) == {"1001", "1002"}


def test_a_windows_1252_csv_with_commas_is_read(login, admin):
    client = login(admin)
    text = "Code client,Raison sociale,Courriel,Ville,Téléphone\nA1,Crêperie Bretonne,,Quimper,\n"
    upload = SimpleUploadedFile("export.csv", text.encode("cp1252"))
    _first, preview = sync(client, upload)
    assert counts(preview) == {"new": 1}


def test_unreadable_or_wrong_files_are_refused_with_a_message(login, admin):
    client = login(admin)
    for upload in (
        SimpleUploadedFile("clients.pdf", b"%PDF-1.4"),
        SimpleUploadedFile("clients.xlsx", b"not a zip file"),
    ):
        response = client.post(reverse("integrations:sync"), {"file": upload, "source": "erp"})
        assert response.status_code == 200 and response.context["step"] == "upload"
        assert response.context["form"].errors
    # No file uploaded in this session: nothing to preview.
    assert client.post(reverse("integrations:sync-preview"), MAPPING).status_code == 404


def test_the_mapping_needs_the_reference_and_the_name(login, admin):
    client = login(admin)
    client.post(reverse("integrations:sync"), {"file": csv_file(ROWS[:1]), "source": "erp"})
    response = client.post(reverse("integrations:sync-preview"), {"name": "Raison sociale"})
    assert response.context["step"] == "mapping"
    assert response.context["mapping_form"].errors
    forged = client.post(
        reverse("integrations:sync-preview"), {**MAPPING, "name": "No such column"}
    )
    assert forged.context["step"] == "mapping"
    assert not Organization.objects.filter(external_id="C001").exists()
