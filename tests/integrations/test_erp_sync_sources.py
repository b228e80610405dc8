"""The unattended customer-base sync: sources (a drop folder or an HTTPS address through the
guard), the periodic job, the summary mailed to admins, the progress of a run and the history."""

import datetime as dt
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from integrations import sync
from integrations.models import ImportMapping, SyncRun, SyncSource

from .conftest import PERSONAS

pytestmark = pytest.mark.django_db

CSV = (
    "Code client;Raison sociale;Courriel;Ville\n"
    "C001;Boulangerie Élodie;contact@elodie.fr;Besançon\n"
    "C002;Garage Müller;pas-un-email;Strasbourg\n"
    "C003;Café de l'Hôtel de Ville;cafe@hdv.fr;Paris\n"
).encode()
MAPPING = {
    "external_id": "Code client",
    "name": "Raison sociale",
    "email": "Courriel",
    "city": "Ville",
}


@pytest.fixture
def drop(settings, tmp_path):
    """The drop root of the server, with the mapping of source "filemaker" remembered."""
    root = tmp_path / "drop"
    (root / "filemaker").mkdir(parents=True)
    settings.HELPDESK_SYNC_DROP_ROOT = root
    ImportMapping.objects.create(source="filemaker", columns=MAPPING)
    return root


@pytest.fixture
def file_server():
    """An HTTP server on 127.0.0.1 answering GET with server.body (the ERP's export)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            httpd.hits += 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(httpd.body)))
            self.end_headers()
            self.wfile.write(httpd.body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.body, httpd.hits = CSV, 0
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/export/clients.csv"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def run_due(django_capture_on_commit_callbacks, now=None):
    with django_capture_on_commit_callbacks(execute=True):
        runs = sync.run_due_sources(now=now)
    return [SyncRun.objects.get(pk=run.pk) for run in runs]


def test_a_dropped_file_is_applied_on_schedule_and_the_admins_get_a_summary(
    drop, admin, django_capture_on_commit_callbacks
):
    (drop / "filemaker" / "old.csv").write_bytes(b"Code client;Raison sociale\nX;Old\n")
    newest = drop / "filemaker" / "clients-2026-12-07.csv"
    newest.write_bytes(CSV)
    old_time = timezone.now().timestamp() - 3600
    os.utime(drop / "filemaker" / "old.csv", (old_time, old_time))
    source = SyncSource.objects.create(name="FileMaker", source="filemaker", folder="filemaker")
    [run] = run_due(django_capture_on_commit_callbacks)
    assert run.status == SyncRun.Status.DONE and not run.dry_run
    assert run.file_name == "clients-2026-12-07.csv"
    assert {k: v for k, v in run.counts.items() if v} == {"new": 2, "invalid": 1}
    assert set(
        Organization.objects.filter(external_source="filemaker").values_list("name", flat=True)
    ) == {"Boulangerie Élodie", "Café de l'Hôtel de Ville"}
    [summary] = [m for m in mail.outbox if admin.email in m.to]
    assert "filemaker" in summary.subject and "2" in summary.subject
    assert reverse("integrations:sync-run", args=[run.pk]) in summary.body
    # Not due again within the interval; due later, the same file is not read twice.
    mail.outbox.clear()
    assert run_due(django_capture_on_commit_callbacks) == []
    later = timezone.now() + dt.timedelta(hours=25)
    assert run_due(django_capture_on_commit_callbacks, now=later) == []
    assert SyncRun.objects.count() == 1 and not mail.outbox
    # A new export is read at the next due pass.
    newest.write_bytes(CSV.replace(b"Paris", b"Lyon"))
    [second] = run_due(django_capture_on_commit_callbacks, now=later + dt.timedelta(hours=25))
    assert {k: v for k, v in second.counts.items() if v} == {"update": 1, "skip": 1, "invalid": 1}
    source.refresh_from_db()
    assert source.last_digest == second.digest


def test_a_url_source_is_fetched_through_the_guard(
    drop, admin, file_server, settings, django_capture_on_commit_callbacks
):
    source = SyncSource.objects.create(
        name="ERP", source="filemaker", kind=SyncSource.Kind.URL, url=file_server.url
    )
    # 127.0.0.1 is internal: refused before any connection, reported to the admins.
    [refused] = run_due(django_capture_on_commit_callbacks)
    assert refused.status == SyncRun.Status.FAILED and "réseaux internes" in refused.error
    assert file_server.hits == 0
    assert any("filemaker" in m.subject for m in mail.outbox)
    assert not Organization.objects.filter(external_source="filemaker").exists()
    # An admin names the host as trusted (HELPDESK_ALLOWED_INTERNAL_HOSTS): it is read.
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    source.last_run_at = None
    source.save()
    [run] = run_due(django_capture_on_commit_callbacks)
    assert run.status == SyncRun.Status.DONE and file_server.hits == 1
    assert Organization.objects.filter(external_source="filemaker").count() == 2


def test_without_a_remembered_mapping_the_run_fails_with_a_sentence(
    drop, admin, django_capture_on_commit_callbacks
):
    ImportMapping.objects.all().delete()
    (drop / "filemaker" / "clients.csv").write_bytes(CSV)
    SyncSource.objects.create(name="FileMaker", source="filemaker", folder="filemaker")
    [run] = run_due(django_capture_on_commit_callbacks)
    assert run.status == SyncRun.Status.FAILED
    assert "importez d'abord un export à la main" in run.error
    assert not Organization.objects.filter(external_source="filemaker").exists()


def test_the_source_form_refuses_folders_outside_the_drop_root_and_internal_addresses(
    drop, login, admin
):
    client = login(admin)
    url = reverse("integrations:sync-source-new")
    base = {"name": "ERP", "source": "filemaker", "every_hours": "24", "is_active": "on"}
    for folder in ("../../etc", "/etc", "filemaker/../../.."):
        response = client.post(url, {**base, "kind": "folder", "folder": folder})
        assert response.status_code == 200 and "folder" in response.context["form"].errors
        assert response.context["form"]["folder"].value() == folder  # what was typed is kept
    for address in ("https://127.0.0.1/export.csv", "http://erp.example.com/x.csv", "file:///etc"):
        response = client.post(url, {**base, "kind": "url", "url": address})
        assert "url" in response.context["form"].errors, address
    response = client.post(url, {**base, "kind": "url", "url": ""})
    assert "url" in response.context["form"].errors
    assert not SyncSource.objects.exists()
    response = client.post(url, {**base, "kind": "folder", "folder": "filemaker"})
    source = SyncSource.objects.get()
    assert response.url == reverse("integrations:sync-source-edit", args=[source.pk])
    page = client.get(response.url).content.decode()
    assert "Code client" in page  # the remembered mapping is shown


def test_run_now_applies_the_source_and_shows_the_run(
    drop, login, admin, django_capture_on_commit_callbacks
):
    (drop / "filemaker" / "clients.csv").write_bytes(CSV)
    source = SyncSource.objects.create(name="FileMaker", source="filemaker", folder="filemaker")
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:sync-source-run", args=[source.pk]))
    run = SyncRun.objects.get()
    assert response.url == reverse("integrations:sync-run", args=[run.pk])
    assert run.trigger == SyncRun.Trigger.MANUAL and run.started_by == admin
    page = client.get(response.url)
    assert page.context["run"].status == SyncRun.Status.DONE
    assert "Boulangerie Élodie" in page.content.decode()
    listing = client.get(reverse("integrations:sync-sources")).content.decode()
    assert "FileMaker" in listing


def test_the_progress_fragment_polls_until_the_run_is_finished(login, admin):
    run = SyncRun.objects.create(
        source="erp",
        trigger=SyncRun.Trigger.UPLOAD,
        status=SyncRun.Status.RUNNING,
        total_rows=10000,
        processed_rows=2500,
        counts={"new": 2400, "update": 0, "skip": 0, "invalid": 100, "error": 0},
    )
    client = login(admin)
    url = reverse("integrations:sync-run", args=[run.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'value="25"' in html and 'hx-trigger="every 1s"' in html
    assert "2500" in html and "10000" in html
    assert "<html" not in html
    run.status, run.processed_rows = SyncRun.Status.DONE, 10000
    run.save()
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "<progress" not in done
    assert "2400" in done


def test_a_failed_run_is_resumed_and_a_finished_one_is_not(login, admin):
    failed = SyncRun.objects.create(
        source="erp", trigger=SyncRun.Trigger.UPLOAD, status=SyncRun.Status.FAILED,
        stored_name="erp-sync/missing.csv", error="KeyboardInterrupt",
    )  # fmt: skip
    done = SyncRun.objects.create(
        source="erp", trigger=SyncRun.Trigger.UPLOAD, status=SyncRun.Status.DONE,
        stored_name="erp-sync/done.csv",
    )  # fmt: skip
    client = login(admin)
    client.post(reverse("integrations:sync-run-resume", args=[failed.pk]))
    failed.refresh_from_db()
    assert failed.status == SyncRun.Status.QUEUED
    client.post(reverse("integrations:sync-run-resume", args=[done.pk]))
    done.refresh_from_db()
    assert done.status == SyncRun.Status.DONE


@pytest.mark.parametrize("who", PERSONAS)
def test_only_admins_reach_sources_and_runs(who, request, login, drop):
    client = login(request.getfixturevalue(who))
    source = SyncSource.objects.create(name="FileMaker", source="filemaker", folder="filemaker")
    run = SyncRun.objects.create(
        source="erp", trigger=SyncRun.Trigger.UPLOAD, status=SyncRun.Status.DONE, dry_run=True,
        stored_name="erp-sync/x.csv",
    )  # fmt: skip
    expected = 200 if who == "admin" else 404
    for name, args in (
        ("integrations:sync-sources", []),
        ("integrations:sync-source-new", []),
        ("integrations:sync-source-edit", [source.pk]),
        ("integrations:sync-runs", []),
        ("integrations:sync-run", [run.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == expected, name
    if who != "admin":
        for name, args in (
            ("integrations:sync-source-run", [source.pk]),
            ("integrations:sync-run-apply", [run.pk]),
            ("integrations:sync-run-resume", [run.pk]),
            ("integrations:sync-source-edit", [source.pk]),
        ):
            assert client.post(reverse(name, args=args), {"name": "x"}).status_code == 404
        assert SyncRun.objects.count() == 1
        assert SyncSource.objects.get().name == "FileMaker"
    # A forged id answers 404 to everyone.
    assert client.get(reverse("integrations:sync-run", args=[run.pk + 99])).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_the_history_page_queries_do_not_grow_with_runs(
    rows, login, admin, django_assert_max_num_queries
):
    source = SyncSource.objects.create(name="FileMaker", source="filemaker", folder="filemaker")
    SyncRun.objects.bulk_create(
        SyncRun(
            source="filemaker",
            sync_source=source,
            trigger=SyncRun.Trigger.SCHEDULE,
            started_by=admin,
            status=SyncRun.Status.DONE,
            dry_run=False,
            file_name=f"clients-{i}.csv",
            counts={"new": i, "update": 0, "skip": 0, "invalid": 0, "error": 0},
        )
        for i in range(rows)
    )
    client = login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("integrations:sync-runs"))
    assert response.content.decode().count("clients-") == rows
