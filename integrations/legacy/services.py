"""Imports of an old helpdesk started from the administration pages.

start_import (admins): the ZIP is kept in storage, a LegacyImport row and an audit entry are
written, and a Celery task runs it after commit. run_import (the task) imports it a batch at
a time, saving the progress after each; running it again (a resumed or redelivered task)
imports only what is missing, as the command does. resume_import queues a stopped run again.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
import zipfile
from functools import partial
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit
from core.files import original_filename

from .. import access
from . import django_helpdesk, importer
from .format import ExportSource, ExportUnreadable
from .models import LegacyImport

logger = logging.getLogger(__name__)

State = LegacyImport.State
# A ZIP of django-helpdesk's dump and media may not unpack to more than this many bytes.
MAX_UNPACKED_BYTES = 20 * 1024**3


def start_import(*, actor: User, upload, origin: str) -> LegacyImport:
    """Keep the uploaded ZIP and queue its import (admins only); writes an audit entry."""
    if not access.can_import_helpdesk(actor):
        raise PermissionDenied
    run = LegacyImport(
        requested_by=actor,
        token=uuid.uuid4().hex,
        original_name=original_filename(upload.name, default="export.zip")[:200],
        size=upload.size,
        origin=origin if origin in LegacyImport.Origin.values else LegacyImport.Origin.EXPORT,
    )
    run.archive.save("export.zip", upload, save=False)
    run.save()
    audit.record(run, "legacy_import", extra={"file": run.original_name, "format": run.origin})
    _queue(run)
    return run


def resume_import(*, actor: User, run: LegacyImport) -> LegacyImport:
    """Queue a stopped (or stuck) run again: what it committed is skipped, the rest imported."""
    if not access.can_import_helpdesk(actor):
        raise PermissionDenied
    if run.state == State.DONE or not run.archive:
        return run
    LegacyImport.objects.filter(pk=run.pk).update(state=State.QUEUED, error="")
    audit.record(run, "legacy_import_resumed", extra={"file": run.original_name})
    _queue(run)
    return run


def _queue(run: LegacyImport) -> None:
    from . import tasks  # the task module imports this one

    transaction.on_commit(partial(tasks.import_legacy_helpdesk.delay, run.pk))


def run_import(run_id: int) -> LegacyImport | None:
    """Import the run's ZIP (the task). A finished run is left alone."""
    run = LegacyImport.objects.filter(pk=run_id).first()
    if run is None or run.state == State.DONE or not run.archive:
        return run
    LegacyImport.objects.filter(pk=run.pk).update(state=State.RUNNING, error="")
    progress = partial(_save_progress, run.pk)
    try:
        with tempfile.TemporaryDirectory(prefix="helpdesk-import-") as scratch:
            path = _local_copy(run, Path(scratch))
            if run.origin == LegacyImport.Origin.DJANGO_HELPDESK:
                path = _convert_django_helpdesk(path, Path(scratch))
            with ExportSource(path) as source:
                report = importer.import_export(source, progress=progress)
    except ExportUnreadable as exc:
        _stop(run.pk, str(exc))
        return run
    except Exception:
        logger.exception("helpdesk import %s stopped", run.pk)
        _stop(
            run.pk,
            _(
                "The import stopped on an unexpected error. Resume it: what was "
                "imported is kept and skipped."
            ),
        )
        raise
    problems = [p.as_dict() for p in report.problems[: LegacyImport.PROBLEMS_KEPT]]
    LegacyImport.objects.filter(pk=run.pk).update(
        state=State.DONE,
        rows_total=report.rows_total,
        rows_done=report.rows_done,
        counts=report.counts,
        problems=problems,
        problem_count=len(report.problems),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def _save_progress(run_id: int, report: importer.Report) -> None:
    LegacyImport.objects.filter(pk=run_id).update(
        rows_total=report.rows_total, rows_done=report.rows_done, counts=report.counts
    )


def _stop(run_id: int, error: str) -> None:
    LegacyImport.objects.filter(pk=run_id).update(
        state=State.FAILED, error=error, finished_at=timezone.now()
    )


def _local_copy(run: LegacyImport, scratch: Path) -> Path:
    """The ZIP as a local file (storage may be S3)."""
    target = scratch / "upload.zip"
    with run.archive.open("rb") as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out)
    return target


def _convert_django_helpdesk(path: Path, scratch: Path) -> Path:
    """Unpack a ZIP holding django-helpdesk's dump (a .json file) and its media folder, and
    convert it into an export; paths leaving the folder and oversized archives are refused."""
    if not zipfile.is_zipfile(path):
        raise ExportUnreadable(_("This is not a ZIP file."))
    unpacked = scratch / "django-helpdesk"
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ExportUnreadable(_("The ZIP unpacks to more than 20 GB."))
        for member in members:
            name = member.filename
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise ExportUnreadable(
                    _("The ZIP holds a path leading outside it: %(name)s") % {"name": name[:200]}
                )
        archive.extractall(unpacked)
    dumps = sorted(p for p in unpacked.rglob("*.json") if "media" not in p.parts)
    if not dumps:
        raise ExportUnreadable(_("The ZIP holds no .json dump of django-helpdesk."))
    dump = dumps[0]
    media = next(
        (p for p in (dump.parent / "media", unpacked / "media") if p.is_dir()), dump.parent
    )
    out = scratch / "export"
    django_helpdesk.convert(dump, media, out)
    return out
