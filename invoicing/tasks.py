"""Celery tasks of invoicing: thin, idempotent, by id (periodic ones in helpdesk/celery.py)."""

from __future__ import annotations

from celery import shared_task

from . import documents


@shared_task(acks_late=True, ignore_result=True)
def render_invoice_pdf(pk: int) -> None:
    documents.render_invoice(pk)


@shared_task(acks_late=True, ignore_result=True)
def render_intervention_report(pk: int) -> None:
    """The "bon d'intervention" PDF, then emailed to the client (once)."""
    documents.render_intervention(pk)


@shared_task(acks_late=True, ignore_result=True)
def monthly_statements() -> int:
    """On the 1st: last month's statement of every client organization, emailed to its
    client admins."""
    return documents.monthly_statements()
