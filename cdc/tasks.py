"""Background jobs of change requests: step emails and PDF previews of office files."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from celery import shared_task
from django.core.files.base import ContentFile

from core.files import safe_filename

from .models import Attachment, HistoryEntry
from .notifications import send_step_email

logger = logging.getLogger(__name__)

OFFICE_EXTENSIONS = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp"}


@shared_task
def notify_step(entry_id: int) -> int:
    """Email everyone concerned by the step an entry reached (runs once per entry)."""
    entry = (
        HistoryEntry.objects.select_related(
            "change_request__requester", "change_request__organization"
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        return 0
    return send_step_email(entry)


def office_converter() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


@shared_task
def convert_preview(attachment_id: int) -> bool:
    """Convert an office document to a PDF preview when LibreOffice is installed."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None or attachment.preview:
        return False
    if Path(attachment.filename).suffix.lower() not in OFFICE_EXTENSIONS:
        return False
    binary = office_converter()
    if binary is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / safe_filename(attachment.filename)
        with attachment.file.open("rb") as fh:
            source.write_bytes(fh.read())
        try:
            # The binary comes from PATH lookup and the file name is ours: no shell, no user input.
            subprocess.run(  # noqa: S603
                [binary, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                check=True,
                timeout=120,
                capture_output=True,
            )
        except (subprocess.SubprocessError, OSError):
            logger.warning("PDF preview failed for attachment %s", attachment_id)
            return False
        pdf = source.with_suffix(".pdf")
        if not pdf.exists():
            return False
        attachment.preview.save(pdf.name, ContentFile(pdf.read_bytes()), save=False)
        attachment.save(update_fields=["preview"])
    return True
