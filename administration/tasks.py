"""Background jobs of the administration area: GDPR exports, their expiry, and retention."""

from __future__ import annotations

from celery import shared_task

from . import gdpr_services


@shared_task
def prepare_gdpr_export(export_id: int) -> None:
    gdpr_services.build_export(export_id)


@shared_task
def purge_expired_gdpr_exports() -> int:
    return gdpr_services.purge_expired_exports()


@shared_task
def apply_gdpr_retention() -> int:
    plan = gdpr_services.apply_retention()
    return len(plan.people) + len(plan.addresses)
