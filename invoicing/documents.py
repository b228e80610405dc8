"""The PDF documents of invoicing, rendered with WeasyPrint from HTML templates in the
background (invoicing.tasks) and stored privately (the default storage, never a public URL):
the invoice or credit note, the intervention report ("bon d'intervention", emailed to the client)
and the monthly statement of an organization (emailed to its client admins).

WeasyPrint fetches nothing from outside: the url fetcher accepts data: URIs only (the signature
image is embedded), so text a client typed cannot make the renderer open a URL or a file."""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Organization
from billing import pricing
from billing import services as billing_services
from billing.models import Contract, TimeEntry
from notifications import mail
from tickets.models import Ticket

from . import access, money
from .models import Intervention, Invoice, Statement

logger = logging.getLogger(__name__)


def _fetcher():
    """A url fetcher that reads data: URIs only."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before the URLFetcher class: a function
        from weasyprint.urls import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if not url.startswith("data:"):
                raise ValueError("only data: URIs")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"})


def render_pdf(template: str, context: dict, language: str | None = None) -> bytes:
    from weasyprint import HTML

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template, {"company": company(), **context})
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()


def company() -> dict:
    return dict(getattr(settings, "INVOICING_COMPANY", {}))


def _data_uri(fieldfile, content_type: str = "image/png") -> str:
    if not fieldfile:
        return ""
    with fieldfile.open("rb") as handle:
        data = handle.read()
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def _replace(fieldfile, name: str, content: bytes) -> None:
    old = fieldfile.name
    fieldfile.save(name, ContentFile(content), save=False)
    if old:
        fieldfile.storage.delete(old)


# --- invoices -------------------------------------------------------------------------------


def invoice_context(invoice: Invoice) -> dict:
    lines = list(invoice.lines.all())
    return {
        "invoice": invoice,
        "organization": invoice.organization,
        "lines": lines,
        "vat_rows": money.vat_breakdown(lines),
    }


def render_invoice(pk: int, *, email: bool = True) -> None:
    """Render an issued invoice's (or credit note's) PDF; the first time, email it to the
    organization's client admins (email False: the demo seed)."""
    invoice = Invoice.objects.select_related("organization", "credited").filter(pk=pk).first()
    if invoice is None or invoice.is_draft:
        return
    pdf = render_pdf("invoicing/pdf/invoice.html", invoice_context(invoice))
    with transaction.atomic():
        row = Invoice.objects.select_for_update().get(pk=pk)
        _replace(row.pdf, f"{row.number}.pdf", pdf)
        row.pdf_generated_at = timezone.now()
        fields = ["pdf", "pdf_generated_at"]
        # Decided on the locked row, written with the outbox rows: sent once, whatever retries.
        if email and row.emailed_at is None:
            _email_invoice(invoice, pdf)
            row.emailed_at = row.pdf_generated_at
            fields.append("emailed_at")
        row.save(update_fields=fields)


def _email_invoice(invoice: Invoice, pdf: bytes) -> int:
    return email_client_admins(
        invoice.organization_id,
        "invoicing_invoice",
        context={
            "invoice": invoice,
            "organization": invoice.organization,
            "url": mail.absolute_url(invoice.get_absolute_url()),
            "portal_url": mail.absolute_url(reverse("invoicing:portal")),
        },
        attachment=(f"{invoice.number}.pdf", pdf, "application/pdf"),
        key=f"invoice-{invoice.pk}",
    )


# --- intervention reports -------------------------------------------------------------------


def intervention_context(intervention: Intervention) -> dict:
    return {
        "intervention": intervention,
        "ticket": intervention.ticket,
        "organization": intervention.organization,
        "technicians": list(intervention.technicians.all()),
        "equipment": list(intervention.equipment.all()),
        "supplies": list(intervention.supplies.all()),
        "signature": _data_uri(intervention.signature),
    }


def render_intervention(pk: int, *, email: bool = True) -> None:
    intervention = (
        Intervention.objects.select_related("ticket__requester", "organization")
        .filter(pk=pk)
        .first()
    )
    if intervention is None:
        return
    pdf = render_pdf("invoicing/pdf/intervention.html", intervention_context(intervention))
    with transaction.atomic():
        row = Intervention.objects.select_for_update().get(pk=pk)
        _replace(row.report, "intervention.pdf", pdf)
        row.report_generated_at = timezone.now()
        row.save(update_fields=["report", "report_generated_at"])
    if email and intervention.is_signed:
        _email_report(intervention, pdf)


def report_recipients(intervention: Intervention) -> dict[str, str]:
    """Address -> language: the ticket's requester and the organization's client admins."""
    people = {}
    admins = access.client_admins(intervention.organization_id)
    for email, language in admins.values_list("email", "language"):
        if email:
            people[email] = language
    requester = intervention.ticket.requester
    if requester is not None and requester.email and requester.is_active:
        people[requester.email] = requester.language
    return people


def _email_report(intervention: Intervention, pdf: bytes) -> None:
    ticket = intervention.ticket
    filename = f"intervention-{ticket.number}-{intervention.pk}.pdf"
    for address, language in sorted(report_recipients(intervention).items()):
        mail.send(
            "invoicing_intervention_report",
            to=address,
            context={
                "intervention": intervention,
                "ticket": ticket,
                "url": mail.absolute_url(intervention.get_absolute_url()),
            },
            language=language or settings.LANGUAGE_CODE,
            attachments=[(filename, pdf, "application/pdf")],
            kind="invoicing_intervention",
            ticket_number=ticket.number,
            key=f"intervention-report-{intervention.pk}-{address}",
        )


# --- monthly statements ---------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass
class MonthTime:
    """Time of an organization in a month: consumed in it (rounded as its contract says) and,
    on a prepaid block, what is left at the month's end (or how far beyond the block)."""

    minutes: int
    contract: Contract | None = None
    used_minutes: int = 0  # of the contract, from its start to the month's end

    @property
    def left_hours(self) -> Decimal | None:
        if self.contract is None or not self.contract.is_prepaid:
            return None
        return max(Decimal("0.00"), self.contract.total_hours - pricing.hours(self.used_minutes))

    @property
    def over_hours(self) -> Decimal:
        if self.contract is None or not self.contract.is_prepaid:
            return Decimal("0.00")
        return max(Decimal("0.00"), pricing.hours(self.used_minutes) - self.contract.total_hours)


def month_time(organization: Organization, first: dt.date, last: dt.date) -> MonthTime:
    """The month's time billed on time (a block draws it; time billed on an estimate is not),
    as the contract active at its end rounds it: what it counted up to the month's end less
    what it counted up to the month before (so months add up to the block's use); without a
    contract, the billable minutes worked in the month."""
    contract = billing_services.contract_for(organization.pk, last)
    if contract is None:
        minutes = TimeEntry.objects.filter(
            ticket__organization_id=organization.pk,
            billable=True,
            work_date__gte=first,
            work_date__lte=last,
        ).aggregate(total=Sum("minutes"))["total"]
        return MonthTime(minutes=minutes or 0)
    used = billing_services.used_minutes(
        contract, billing_services.contract_lines(contract, until=last)
    )
    before = 0
    if contract.starts_on < first:
        previous = first - dt.timedelta(days=1)
        before = billing_services.used_minutes(
            contract, billing_services.contract_lines(contract, until=previous)
        )
    return MonthTime(minutes=used - before, contract=contract, used_minutes=used)


def statement_context(organization: Organization, month: dt.date) -> dict:
    """Tickets of the month, SLA compliance of those resolved in it, the time consumed in the
    month and what is left on the block at its end, interventions and invoices of the month."""
    first, last = month_bounds(month)
    in_month = Q(created_at__date__gte=first, created_at__date__lte=last)
    tickets = list(
        Ticket.objects.filter(in_month, organization=organization)
        .select_related("status", "type")
        .order_by("number")[:500]
    )
    resolved = Ticket.objects.filter(
        organization=organization,
        resolved_at__date__gte=first,
        resolved_at__date__lte=last,
        resolution_due_at__isnull=False,
    ).aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_at__lte=F("resolution_due_at"))),
    )
    compliance = round(100 * resolved["on_time"] / resolved["total"]) if resolved["total"] else None
    time = month_time(organization, first, last)
    interventions = list(
        Intervention.objects.filter(
            organization=organization, starts_at__date__gte=first, starts_at__date__lte=last
        )
        .select_related("ticket")
        .order_by("starts_at")
    )
    invoices = list(
        Invoice.objects.filter(
            organization=organization,
            state=Invoice.State.ISSUED,
            issue_date__gte=first,
            issue_date__lte=last,
        ).order_by("issue_date", "sequence")
    )
    return {
        "organization": organization,
        "month": first,
        "tickets": tickets,
        "resolved": resolved,
        "compliance": compliance,
        "time": time,
        "interventions": interventions,
        "invoices": invoices,
    }


def render_statement(organization: Organization, month: dt.date) -> Statement:
    first, _last = month_bounds(month)
    pdf = render_pdf("invoicing/pdf/statement.html", statement_context(organization, first))
    with transaction.atomic():
        statement, _created = Statement.objects.get_or_create(
            organization=organization, month=first
        )
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        _replace(statement.pdf, f"statement-{first:%Y-%m}.pdf", pdf)
        statement.generated_at = timezone.now()
        statement.save(update_fields=["pdf", "generated_at"])
    return statement


def client_admin_addresses(organization_id: int) -> dict[str, str]:
    """Address -> language of the organization's client admins (who get its invoices, credit
    notes and statements)."""
    admins = access.client_admins(organization_id)
    return {email: language for email, language in admins.values_list("email", "language") if email}


def email_client_admins(
    organization_id: int, name: str, *, context: dict, attachment: tuple, key: str
) -> int:
    """Queue the email `name` to each client admin of the organization, in their language,
    with the PDF attached; key makes it once per address. Returns the emails queued."""
    sent = 0
    for address, language in sorted(client_admin_addresses(organization_id).items()):
        sent += mail.send(
            name,
            to=address,
            context=context,
            language=language or settings.LANGUAGE_CODE,
            attachments=[attachment],
            kind=name,
            key=f"{key}-{address}",
        )
    return sent


def email_statement(statement: Statement) -> int:
    """Email the statement to the organization's client admins, once."""
    with statement.pdf.open("rb") as handle:
        pdf = handle.read()
    sent = email_client_admins(
        statement.organization_id,
        "invoicing_statement",
        context={
            "statement": statement,
            "organization": statement.organization,
            "url": mail.absolute_url(reverse("invoicing:portal")),
        },
        attachment=(f"releve-{statement.month:%Y-%m}.pdf", pdf, "application/pdf"),
        key=f"statement-{statement.pk}",
    )
    Statement.objects.filter(pk=statement.pk).update(emailed_at=timezone.now())
    return sent


def monthly_statements(today: dt.date | None = None) -> int:
    """Last month's statement of every active client organization, emailed to its client
    admins; an organization done already (a retried job) is skipped."""
    today = today or timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    done = set(
        Statement.objects.filter(month=month, emailed_at__isnull=False).values_list(
            "organization_id", flat=True
        )
    )
    count = 0
    orgs = Organization.objects.filter(kind=Organization.Kind.CLIENT, is_active=True)
    for organization in orgs.exclude(pk__in=done).order_by("pk"):
        statement = render_statement(organization, month)
        email_statement(statement)
        count += 1
    return count
