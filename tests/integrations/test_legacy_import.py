"""Import of an old helpdesk: the command on a generated export (dates, authors, history,
hostile rows and paths), twice on 1,000 tickets (identical database), stopped half-way and
run again (nothing twice), and django-helpdesk's dumpdata through its converter."""

import datetime as dt
import io
import json
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Count

from accounts.models import Organization, User
from integrations.legacy import importer
from integrations.legacy.format import ExportSource
from integrations.models import ImportedRecord
from notifications.models import NotificationJob, OutgoingEmail
from tests.factories import make_user
from tests.tickets.conftest import _english, ensure_reference_data  # noqa: F401
from tickets.models import Attachment, Event, Ticket

from .legacy_export import write_export, zip_export

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "legacy_samples" / "django_helpdesk"


@pytest.fixture(autouse=True)
def _reference(db):
    ensure_reference_data()


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("import_helpdesk", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def database_dump() -> str:
    """Every table of ours as dumpdata writes it (sessions and content types aside), and the
    stored files: what a second run must leave exactly as it was."""
    out = io.StringIO()
    call_command("dumpdata", exclude=["contenttypes", "sessions", "auth.permission"], stdout=out)
    files = (
        sorted(default_storage.listdir("tickets")[0]) if default_storage.exists("tickets") else []
    )
    return out.getvalue() + json.dumps(files)


def stored_files() -> int:
    return sum(1 for p in Path(default_storage.location).rglob("*") if p.is_file())


def test_import_keeps_dates_authors_notes_and_files_and_notifies_nobody(
    tmp_path, django_capture_on_commit_callbacks
):
    export = tmp_path / "export"
    write_export(export, tickets=12, hostile=True)
    org = Organization.objects.create(name="Société Ardèche n°2")  # made by the ERP sync
    known = make_user(email="CLIENT1@C2.example", organization=org, first_name="Hélène")
    with django_capture_on_commit_callbacks(execute=True):
        output = run_command(export)

    assert "ticket: 12 created, 0 unchanged, 4 skipped" in output
    # The organization that existed is used, not duplicated; the others are created.
    assert Organization.objects.filter(name__iexact="Société Ardèche n°2").count() == 1
    assert Organization.objects.count() == 5
    # A known address (any letter case) is the known person; unknown people are created
    # inactive, without a password, in their organization.
    ticket = Ticket.objects.get(title__startswith="Imprimante du bureau 1 ")
    assert ticket.requester == known and ticket.organization == org
    created = User.objects.get(email="ancien.agent@support.example")
    assert not created.is_active and not created.has_usable_password()
    assert created.roles.count() == 0
    # Original dates on the ticket, its events and its files.
    source_created = dt.datetime(2019, 3, 4, 16, 16, tzinfo=dt.UTC)
    assert ticket.created_at == source_created
    events = list(ticket.events.order_by("action_at", "id"))
    assert events[0].kind == Event.Kind.CREATED and events[0].created_at == source_created
    reply = events[1]
    assert reply.kind == Event.Kind.REPLY and reply.actor == created
    assert reply.created_at == reply.action_at == source_created + dt.timedelta(hours=1)
    assert ticket.first_response_at == reply.action_at
    assert ticket.last_activity_at >= reply.action_at
    note = ticket.events.get(kind=Event.Kind.NOTE)
    assert note.is_internal and note.body.startswith("Note interne 1")
    journal = ticket.attachments.get(event=events[0])
    assert journal.filename == "journal.txt" and journal.created_at == source_created
    assert journal.file.read().startswith(b"Journal du poste")
    # The hostile entry: imported, its unknown author kept by name, every bad file refused.
    hostile = ticket.events.get(body__startswith="<script>")
    assert hostile.actor is None and hostile.data["author"].startswith("<script>")
    refused = {part["name"]: part["reason"] for part in hostile.data["refused_attachments"]}
    assert "outside the export" in refused["passwd"]
    assert "absolute" in refused["hostname"]
    assert "refused" in refused["secret.txt"]
    assert "not a valid image" in refused["notes.png"]
    # A hostile file name is reduced to a safe one; the file stays inside our storage.
    evil = hostile.attachments.get()
    assert evil.filename == "evil_script_.png" and evil.is_image
    assert Path(evil.file.path).resolve().is_relative_to(Path(default_storage.location).resolve())
    # Every bad row is reported with its file, line and reason; none aborted the run.
    for expected in (
        "tickets.jsonl:13 [bad-status]: Unknown status “perdu”.",
        "tickets.jsonl:14 [no-date]: “created_at” is missing.",
        "tickets.jsonl:15: Not valid JSON",
        "tickets.jsonl:16: The line is not a JSON object.",
        "[orphan]: The ticket “999999” was not imported.",
    ):
        assert expected in output
    # Nobody was told about history.
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists() and not NotificationJob.objects.exists()
    # Statuses are mapped by code or category; final ones carry their dates, no SLA clock.
    closed = Ticket.objects.filter(status__category="closed").first()
    assert closed.closed_at is not None and closed.resolved_at is not None
    assert not Ticket.objects.filter(resolution_due_at__isnull=False).exists()
    assert not Ticket.objects.filter(waiting_since__isnull=False).exists()


def test_a_thousand_tickets_imported_twice_leave_an_identical_database(tmp_path, capsys):
    export = tmp_path / "export"
    holds = write_export(export, tickets=1000)
    started = time.monotonic()
    first = run_command(export)
    seconds = time.monotonic() - started
    assert Ticket.objects.count() == 1000
    assert Event.objects.filter(kind__in=["reply", "note"]).count() == holds["entries"]
    assert Attachment.objects.count() > 1500
    before, files_before = database_dump(), stored_files()

    second = run_command(export)

    assert database_dump() == before
    assert stored_files() == files_before
    assert "ticket: 0 created, 1000 unchanged, 0 skipped" in second
    assert "0 problems" in first
    with capsys.disabled():
        print(f"\n1,000-ticket import: {seconds:.1f} s ({holds['entries']} entries)")


class Crash(Exception):
    """What a killed process looks like to the import: it stops between two rows."""


def test_a_run_stopped_half_way_and_run_again_imports_nothing_twice(tmp_path, monkeypatch):
    export = tmp_path / "export"
    write_export(export, tickets=60)
    seen = {"rows": 0}

    def crash_at_ticket_40(kind, line):
        seen["rows"] += 1
        if seen["rows"] == 5 + 11 + 40:  # after 5 organizations, 11 people, 39 tickets
            raise Crash

    monkeypatch.setattr(importer, "before_row", crash_at_ticket_40)
    with pytest.raises(Crash), ExportSource(export) as source:
        importer.import_export(source, batch_size=25)
    # Whole batches were committed, the one in progress was rolled back with its mappings.
    partial_tickets = Ticket.objects.count()
    assert partial_tickets == 25
    assert ImportedRecord.objects.filter(kind="ticket").count() == partial_tickets

    monkeypatch.setattr(importer, "before_row", lambda kind, line: None)
    output = run_command(export, "--batch-size", 25)

    assert f"ticket: {60 - partial_tickets} created, {partial_tickets} unchanged" in output
    assert Ticket.objects.count() == 60
    assert not Ticket.objects.values("title").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert (
        not Event.objects.values("ticket", "kind", "action_at", "body")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 60))  # rolled back numbers reused


def test_a_zipped_export_in_a_folder_is_read_like_the_folder(tmp_path):
    export = tmp_path / "export"
    write_export(export, tickets=3)
    archive = zip_export(export, tmp_path / "export.zip")
    output = run_command(archive)
    assert "ticket: 3 created" in output
    assert Attachment.objects.filter(filename="capture écran.png").exists()


def test_an_export_without_manifest_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "tickets.jsonl").write_text('{"id": "1"}\n')
    with pytest.raises(Exception, match=r"no manifest\.json"):
        run_command(tmp_path)
    assert not Ticket.objects.exists()


def test_django_helpdesk_dump_is_converted_and_imported(tmp_path):
    output = run_command(
        SAMPLE / "dump.json", "--from", "django-helpdesk", "--media", SAMPLE / "media"
    )

    assert "ticket: 4 created" in output
    by_title = {t.title: t for t in Ticket.objects.select_related("status", "requester")}
    closed = by_title["L'application affiche « Erreur 500 » à la connexion"]
    # Closed (4) -> closed; the submitter's address matched the user whatever its case.
    assert (
        closed.status.category == "closed"
        and closed.requester.email == "marie.dupont@client.example"
    )
    assert closed.created_at == dt.datetime(2021, 3, 4, 9, 15, tzinfo=dt.UTC)
    # "Ticket Opened" repeats the description: not a reply, its screenshot is the ticket's own.
    created = closed.events.get(kind="created")
    assert created.attachments.get().filename == "écran erreur.png"
    assert not closed.events.filter(body__startswith="Bonjour,\nDepuis").exists()
    answer = closed.events.get(kind="reply")
    assert answer.actor.email == "julien.martin@support.example" and not answer.actor.is_active
    assert closed.first_response_at == answer.action_at
    assert closed.events.filter(kind="note", is_internal=True).count() == 2  # private + "Closed"
    # On hold -> waiting on a third party; an unknown submitter is the contact address.
    held = by_title["Sauvegarde nocturne en échec"]
    assert held.status.category == "waiting_third_party" and held.priority.code == "urgente"
    assert held.requester is None and held.contact_email == "paul@client.example"
    assert held.events.get(kind="created").attachments.get().filename == "sauvegarde.log"
    # The dump's hostile path is refused and reported; nothing outside the export was read.
    assert "Attachment “passwd” not imported" in output
    note = held.events.get(kind="note")
    assert note.data["refused_attachments"][0]["name"] == "passwd"
    # Duplicate (5) -> cancelled; a follow-up by email without a user is the submitter's.
    assert by_title["Doublon de la demande de compte"].status.category == "cancelled"
    account = by_title["Demande de création de compte"]
    assert account.events.get(kind="reply").actor == account.requester

    again = run_command(
        SAMPLE / "dump.json", "--from", "django-helpdesk", "--media", SAMPLE / "media"
    )
    assert "ticket: 0 created, 4 unchanged" in again
    assert Ticket.objects.count() == 4
