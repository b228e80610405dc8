"""The old helpdesk's import from the administration pages: an admin uploads a ZIP, it runs
in the background with its progress shown, an audit entry records it, a stopped run resumes;
everyone else gets a 404. Imported tickets then show in the queue, the search and the ticket
page with their history, and nobody is emailed."""

import io
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization, Role
from integrations.legacy import importer
from integrations.legacy.format import ExportSource
from integrations.models import LegacyImport
from notifications.models import OutgoingEmail
from tests.factories import make_user
from tests.tickets.conftest import _english, ensure_reference_data  # noqa: F401
from tickets.models import Ticket

from .legacy_export import write_export, zip_export
from .test_legacy_import import SAMPLE

pytestmark = pytest.mark.django_db
LIST = reverse("integrations:legacy-imports")


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference_data()


def export_zip(tmp_path, **options) -> SimpleUploadedFile:
    write_export(tmp_path / "export", **options)
    path = zip_export(tmp_path / "export", tmp_path / "ancien.zip")
    return SimpleUploadedFile("ancien.zip", path.read_bytes(), "application/zip")


def upload(client, archive, origin="export", capture=None):
    with capture(execute=True):
        return client.post(LIST, {"archive": archive, "origin": origin})


def test_admin_imports_a_zip_and_follows_it_to_its_report(
    login, admin, agent, tmp_path, django_capture_on_commit_callbacks
):
    client = login(admin)
    response = upload(
        client,
        export_zip(tmp_path, tickets=8, hostile=True),
        capture=django_capture_on_commit_callbacks,
    )
    run = LegacyImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "integrations:legacy-import", args=[run.pk]
    )
    assert run.state == LegacyImport.State.DONE and run.progress == 100
    assert run.counts["ticket"] == {"created": 8, "unchanged": 0, "skipped": 4}
    assert LogEntry.objects.filter(additional_data__action="legacy_import").exists()
    page = client.get(response.url).content.decode()
    assert "Import finished: 9 problems, listed below." in page
    assert "Unknown status “perdu”." in page and "Imported without this file" in page
    assert "&lt;script&gt;" not in page or "<script>alert" not in page
    # The polled block alone, for htmx, and not cached.
    fragment = client.get(response.url, headers={"HX-Request": "true"})
    assert fragment.content.decode().startswith('<div id="legacy-import-status"')
    assert fragment["Cache-Control"] == "no-store"
    assert mail.outbox == [] and not OutgoingEmail.objects.exists()

    # The imported history, as an agent finds it.
    client = login(agent)
    ticket = Ticket.objects.get(title__startswith="Imprimante du bureau 1 ")
    assert ticket.title in client.get(reverse("tickets:list")).content.decode()
    found = client.get(reverse("tickets:list"), {"q": "Imprimante du bureau"}).content.decode()
    assert ticket.title in found
    detail = client.get(ticket.get_absolute_url()).content.decode()
    assert "Réponse 0 au ticket 1" in detail and "Note interne 1" in detail
    assert "Imported" in detail and "journal.txt" in detail
    # The unknown author's name is shown as text, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;intrus@evil.example&gt;" in detail
    assert "<script>alert" not in detail
    assert "Attachment not imported" in detail


def test_django_helpdesk_zip_is_imported_from_the_page(
    login, admin, tmp_path, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(SAMPLE.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(SAMPLE).as_posix())
    archive = SimpleUploadedFile("django-helpdesk.zip", buffer.getvalue(), "application/zip")
    upload(login(admin), archive, "django-helpdesk", capture=django_capture_on_commit_callbacks)
    run = LegacyImport.objects.get()
    assert run.state == "done" and run.counts["ticket"]["created"] == 4
    assert Ticket.objects.filter(contact_email="paul@client.example").exists()


def test_a_file_that_is_not_a_zip_is_refused_with_a_message(login, admin):
    client = login(admin)
    fake = SimpleUploadedFile("export.zip", b"<html>not a zip</html>", "application/zip")
    response = client.post(LIST, {"archive": fake, "origin": "export"})
    assert response.status_code == 200 and "Give a .zip file." in response.content.decode()
    assert not LegacyImport.objects.exists()


class Crash(Exception):
    pass


def test_a_stopped_import_is_resumed_without_duplicates(
    login, admin, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    client = login(admin)
    rows = {"n": 0}

    def crash_at_row_40(kind, line):
        rows["n"] += 1
        if rows["n"] == 40:
            raise Crash

    monkeypatch.setattr(importer, "BATCH_SIZE", 10)
    monkeypatch.setattr(importer, "before_row", crash_at_row_40)
    with pytest.raises(Crash):
        upload(client, export_zip(tmp_path, tickets=30), capture=django_capture_on_commit_callbacks)
    run = LegacyImport.objects.get()
    # 5 organizations, 11 people, then tickets 10 by 10: the 24th stopped the third batch.
    assert run.state == "failed" and Ticket.objects.count() == 20
    page = client.get(reverse("integrations:legacy-import", args=[run.pk])).content.decode()
    assert "Resume the import" in page

    monkeypatch.setattr(importer, "before_row", lambda kind, line: None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:legacy-import-resume", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == "done" and Ticket.objects.count() == 30
    assert LogEntry.objects.filter(additional_data__action="legacy_import_resumed").exists()


@pytest.mark.parametrize("persona", ["agent", "sales", "client_a", "client_admin_a", "dpo"])
def test_only_admins_reach_the_import(request, login, admin, persona):
    run = LegacyImport.objects.create(requested_by=admin, token="t1", original_name="a.zip")
    client = login(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("integrations:legacy-import", args=[run.pk])).status_code == 404
    resume = reverse("integrations:legacy-import-resume", args=[run.pk])
    assert client.post(resume).status_code == 404
    archive = SimpleUploadedFile("a.zip", b"PK\x03\x04", "application/zip")
    assert client.post(LIST, {"archive": archive, "origin": "export"}).status_code == 404
    assert LegacyImport.objects.count() == 1


def test_forged_or_missing_run_ids_answer_404(login, admin):
    client = login(admin)
    assert client.get("/administration/import/helpdesk/99999/").status_code == 404
    assert client.post("/administration/import/helpdesk/99999/resume/").status_code == 404


@pytest.mark.parametrize("runs", [2, 12])
def test_the_import_list_reads_a_bounded_number_of_queries(
    login, admin, runs, django_assert_max_num_queries
):
    for n in range(runs):
        LegacyImport.objects.create(requested_by=admin, token=f"t{n}", original_name=f"{n}.zip")
    client = login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.content.decode().count("list-group-item-action") == runs


def test_a_client_sees_imported_replies_but_never_the_notes(login, tmp_path, client_b):
    org = Organization.objects.create(name="Société Ardèche n°2")
    client = make_user(Role.Code.CLIENT_USER, email="client1@c2.example", organization=org)
    write_export(tmp_path / "export", tickets=3)
    with ExportSource(tmp_path / "export") as source:
        importer.import_export(source)
    ticket = Ticket.objects.get(title__startswith="Imprimante du bureau 1 ")
    assert ticket.requester == client
    page = login(client).get(ticket.get_absolute_url()).content.decode()
    assert "Réponse 0 au ticket 1" in page and "Note interne" not in page
    assert login(client_b).get(ticket.get_absolute_url()).status_code == 404
