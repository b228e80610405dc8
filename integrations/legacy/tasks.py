"""The background job of an import started from the administration pages."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def import_legacy_helpdesk(run_id: int) -> None:
    services.run_import(run_id)
