"""Runs of the customer-base sync (seed 004): an uploaded file read in the background with
its progress, and the unattended sync of the sources the ERP publishes.

- A run reads its file in batches of BATCH_ROWS rows; each batch is written with the run's
  progress and counts in one transaction, so a run killed half-way resumes at the first batch
  it had not committed, knowing the references it met before (nothing is done twice).
- A source is a file dropped in a folder under settings.HELPDESK_SYNC_DROP_ROOT (the newest
  .csv or .xlsx) or an HTTPS address fetched through core.net (internal addresses refused).
  The mapping is the one remembered for the source; the same file twice is read once.
- A scheduled or "run now" run mails its summary to the admins.
Admins only start runs (integrations.access.can_sync_customers), checked by the views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import emails, roles
from accounts.models import Role, User
from core import net

from . import erp
from .errors import IntegrationError
from .models import SyncRun, SyncSource

logger = logging.getLogger(__name__)

BATCH_ROWS = 500
# A running run whose progress has not moved for this long lost its worker: it is resumed.
STALLED_AFTER = dt.timedelta(minutes=15)
EXTENSIONS = (".csv", ".xlsx")


class SourceUnavailable(IntegrationError):
    """The source's file could not be fetched; str() is a sentence for the admin."""


def _extension(data: bytes, name: str) -> str:
    if name.lower().endswith(EXTENSIONS):
        return ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    return ".xlsx" if data[:2] == b"PK" else ".csv"  # an XLSX file is a zip archive


def _queue(run: SyncRun) -> None:
    from .tasks import process_sync_run  # tasks import this module: the one call the other way

    transaction.on_commit(partial(process_sync_run.delay, run.pk))


def start_run(
    *,
    actor: User | None,
    data: bytes,
    file_name: str,
    source: str,
    mapping: dict[str, str],
    dry_run: bool,
    trigger: str = SyncRun.Trigger.UPLOAD,
    sync_source: SyncSource | None = None,
) -> SyncRun:
    """Keep a copy of the file and queue its reading (a dry run or an application)."""
    extension = _extension(data, file_name)
    stored = default_storage.save(f"erp-sync/{uuid.uuid4().hex}{extension}", ContentFile(data))
    run = SyncRun.objects.create(
        source=source,
        sync_source=sync_source,
        trigger=trigger,
        started_by=actor,
        dry_run=dry_run,
        stored_name=stored,
        file_name=Path(file_name or "export").name[:200],
        digest=hashlib.sha256(data).hexdigest(),
        mapping=mapping,
    )
    _queue(run)
    return run


def apply_dry_run(*, actor: User, dry_run: SyncRun) -> SyncRun:
    """Apply the file a finished dry run read, with the same mapping (a new run)."""
    if not dry_run.dry_run or dry_run.status != SyncRun.Status.DONE:
        raise IntegrationError(_("Only a finished dry run can be applied."))
    if not default_storage.exists(dry_run.stored_name):
        raise IntegrationError(_("The file of this dry run is no longer kept: upload it again."))
    run = SyncRun.objects.create(
        source=dry_run.source,
        sync_source=dry_run.sync_source,
        trigger=dry_run.trigger,
        started_by=actor,
        dry_run=False,
        stored_name=dry_run.stored_name,
        file_name=dry_run.file_name,
        digest=dry_run.digest,
        mapping=dry_run.mapping,
    )
    _queue(run)
    return run


def resume_run(*, run: SyncRun) -> bool:
    """Queue a failed or stalled run again: it goes on at its first uncommitted batch."""
    stalled = timezone.now() - STALLED_AFTER
    resumable = Q(status=SyncRun.Status.FAILED) | Q(
        status=SyncRun.Status.RUNNING, updated_at__lt=stalled
    )
    claimed = (
        SyncRun.objects.filter(resumable, pk=run.pk)
        .exclude(stored_name="")
        .update(status=SyncRun.Status.QUEUED, error="")
    )
    if claimed:
        _queue(run)
    return bool(claimed)


def _add(run: SyncRun, counts: dict[str, int], lines: list[dict], stop: int) -> None:
    run.counts = {kind: run.counts.get(kind, 0) + counts.get(kind, 0) for kind in erp.KINDS}
    run.lines = (run.lines + lines)[: erp.SHOWN_ROWS]
    run.processed_rows = stop
    run.save(update_fields=["counts", "lines", "processed_rows", "updated_at"])


def process_run(run_id: int) -> SyncRun:
    """Read (dry run) or apply a run's file from where it stopped; idempotent: a finished
    run is left as it is. The worker's task; also called inline when jobs run eagerly."""
    run = SyncRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    language = run.started_by.language if run.started_by else settings.LANGUAGE_CODE
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            with default_storage.open(run.stored_name, "rb") as handle:
                table = erp.read_table(handle.read(), run.stored_name)
            data = erp.mapped(table, run.mapping, run.source)
        except (OSError, erp.FileUnreadable) as error:
            return _finish(run, error=str(error) if isinstance(error, erp.FileUnreadable) else "")
        run.status, run.total_rows = SyncRun.Status.RUNNING, len(data)
        run.save(update_fields=["status", "total_rows", "updated_at"])
        seen = erp.references_before(data, run.processed_rows)
        for start in range(run.processed_rows, len(data), BATCH_ROWS):
            stop = min(start + BATCH_ROWS, len(data))
            with transaction.atomic():
                counts, lines = erp.import_batch(
                    data, start, stop, seen=seen, apply=not run.dry_run
                )
                _add(run, counts, lines, stop)
        return _finish(run)


def _finish(run: SyncRun, *, error: str = "") -> SyncRun:
    run.status = SyncRun.Status.FAILED if error else SyncRun.Status.DONE
    run.error = error[:300] if error else ""
    if error and not run.error:
        run.error = _("The file of this run could not be read.")
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    if not run.dry_run and run.status == SyncRun.Status.DONE and run.sync_source_id:
        SyncSource.objects.filter(pk=run.sync_source_id).update(last_digest=run.digest)
    if run.trigger != SyncRun.Trigger.UPLOAD:
        transaction.on_commit(partial(mail_summary, run.pk))
    return run


def fail_run(run_id: int, error: str) -> None:
    """The worker's last word on a run that raised (the admin may resume it)."""
    SyncRun.objects.filter(pk=run_id).exclude(status=SyncRun.Status.DONE).update(
        status=SyncRun.Status.FAILED, error=error[:300], updated_at=timezone.now()
    )


# --- sources --------------------------------------------------------------------------------


def drop_root() -> Path:
    return Path(settings.HELPDESK_SYNC_DROP_ROOT).resolve()


def folder_path(folder: str) -> Path:
    """The source's folder, which must lie under the drop root (no "..", no absolute path
    elsewhere, no link leading out)."""
    root = drop_root()
    relative = Path((folder or "").strip())
    path = (root / relative).resolve()
    if relative.is_absolute() or ".." in relative.parts or root not in (path, *path.parents):
        raise SourceUnavailable(_("The folder must be inside the drop folder of the server."))
    return path


def _newest_file(folder: str) -> tuple[bytes, str]:
    path = folder_path(folder)
    root = drop_root()
    try:
        candidates = [
            entry
            for entry in path.iterdir()
            if entry.suffix.lower() in EXTENSIONS
            and entry.is_file()
            and root in entry.resolve().parents
        ]
    except OSError:
        raise SourceUnavailable(_("The folder cannot be read.")) from None
    if not candidates:
        raise SourceUnavailable(_("No .csv or .xlsx file in the folder."))
    newest = max(candidates, key=lambda entry: (entry.stat().st_mtime, entry.name))
    if newest.stat().st_size > erp.MAX_BYTES:
        raise SourceUnavailable(_("The file is larger than 20 MB."))
    return newest.read_bytes(), newest.name


def _download(url: str) -> tuple[bytes, str]:
    parts = urlsplit(url or "")
    try:
        net.check_url(url)  # internal addresses first: the sentence the admin needs
        if parts.scheme.lower() != "https" and not net.is_allowed_internal(parts.hostname or ""):
            raise SourceUnavailable(_("Give an https address."))
        data = net.get_bytes(url, max_bytes=erp.MAX_BYTES)
    except net.OutgoingError as error:
        raise SourceUnavailable(str(error)) from None
    return data, Path(parts.path).name or "export"


def fetch(source: SyncSource) -> tuple[bytes, str]:
    """(content, file name) of the source's current export; SourceUnavailable otherwise."""
    if source.kind == SyncSource.Kind.URL:
        return _download(source.url)
    return _newest_file(source.folder)


def save_source(*, form) -> SyncSource:
    """An admin's source, created or changed (a save: the audit log records it)."""
    return form.save()


def run_source(*, source: SyncSource, trigger: str, actor: User | None = None) -> SyncRun | None:
    """Fetch the source's export and apply it with the remembered mapping (queued); None when
    the file is the one applied last time. A file that cannot be fetched makes a failed run
    (in the history, mailed to the admins)."""
    SyncSource.objects.filter(pk=source.pk).update(last_run_at=timezone.now())
    mapping = erp.remembered_mapping(source.source)
    try:
        if not all(mapping.get(name) for name in erp.REQUIRED):
            raise SourceUnavailable(
                _("No column mapping yet for this source: upload one export by hand first.")
            )
        data, name = fetch(source)
    except SourceUnavailable as error:
        run = SyncRun.objects.create(
            source=source.source, sync_source=source, trigger=trigger, started_by=actor,
            dry_run=False, mapping=mapping,
        )  # fmt: skip
        return _finish(run, error=str(error))
    digest = hashlib.sha256(data).hexdigest()
    if trigger == SyncRun.Trigger.SCHEDULE and digest == source.last_digest:
        return None
    return start_run(
        actor=actor,
        data=data,
        file_name=name,
        source=source.source,
        mapping=mapping,
        dry_run=False,
        trigger=trigger,
        sync_source=source,
    )


def run_due_sources(*, now: dt.datetime | None = None) -> list[SyncRun]:
    """The beat's pass: each active source whose interval elapsed; stalled runs resumed."""
    now = now or timezone.now()
    for stalled in SyncRun.objects.filter(
        status=SyncRun.Status.RUNNING, updated_at__lt=now - STALLED_AFTER
    ):
        resume_run(run=stalled)
    runs = []
    for source in SyncSource.objects.filter(is_active=True).order_by("pk"):
        due = source.last_run_at is None or now - source.last_run_at >= dt.timedelta(
            hours=max(1, source.every_hours)
        )
        if due:
            run = run_source(source=source, trigger=SyncRun.Trigger.SCHEDULE)
            if run is not None:
                runs.append(run)
    return runs


def mail_summary(run_id: int) -> None:
    """The run's counts (or its error) to every active admin, in their language."""
    run = SyncRun.objects.select_related("sync_source").get(pk=run_id)
    for admin in roles.users_with_role(Role.Code.ADMIN):
        try:
            emails.send_to_user(
                admin,
                "erp_sync_summary",
                {"run": run, "path": reverse("integrations:sync-run", args=[run.pk])},
                headers={"X-Helpdesk-Notification": "erp_sync_summary"},
            )
        except Exception:
            logger.exception("could not mail the sync summary of run %s to %s", run.pk, admin.pk)
