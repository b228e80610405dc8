"""Invoicing verbs: interventions (create, edit, sign on a device or from a link, report),
the billing run (a draft invoice per organization for a period), draft edits, issuing with a
gap-free yearly number, credit notes, and monthly statements.

Each verb takes the acting user first, asks invoicing.access, and writes in one transaction.
Pricing reuses billing: the contract of the organization (billing.services.contract_for), its
rounding and rates (billing.pricing). Evolution tickets, and any ticket with an accepted
estimate, are billed on the estimate (seed 002); other tickets on their time. Time on a prepaid
contract is drawn from the block; what goes beyond it is billed as overage at the contract's
rate. Issuing marks the invoice's time entries and interventions billed, under row locks, so a
second run or a concurrent issue bills nothing twice; a credit note releases them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from billing import pricing
from billing import services as billing_services
from billing.models import Contract, Estimate, TimeEntry
from core import locking
from tickets.models import Ticket

from . import access, money
from .errors import AlreadyBilled, Immutable, InvoicingError, StaleVersion
from .models import (
    Intervention,
    Invoice,
    InvoiceCounter,
    InvoiceEntry,
    InvoiceLine,
    Supply,
    default_vat_rate,
)

logger = logging.getLogger(__name__)

ESTIMATE_TYPES = billing_services.ESTIMATE_TYPES
LINK_SALT = "invoicing.intervention"
SERIES_PREFIX = {Invoice.Kind.INVOICE: "F", Invoice.Kind.CREDIT: "AV"}


def _stale(row, seen, message: str) -> None:
    locking.check_version(row, seen, StaleVersion, message)


# --- interventions --------------------------------------------------------------------------

INTERVENTION_FIELDS = (
    "starts_at",
    "duration_minutes",
    "place",
    "work_done",
    "travel_minutes",
    "travel_amount",
)


def _save_supplies(intervention: Intervention, supplies) -> None:
    intervention.supplies.all().delete()
    Supply.objects.bulk_create(
        Supply(
            intervention=intervention,
            description=row["description"].strip(),
            quantity=row["quantity"],
            unit_price=row["unit_price"],
            vat_rate=row.get("vat_rate") or Supply._meta.get_field("vat_rate").get_default(),
        )
        for row in supplies
        if row.get("description", "").strip()
    )


def _check_equipment(ticket: Ticket, equipment) -> list:
    equipment = list(equipment or [])
    if any(asset.organization_id != ticket.organization_id for asset in equipment):
        raise InvoicingError(_("Pick equipment of the ticket's client only."))
    return equipment


@transaction.atomic
def create_intervention(
    *, actor: User, ticket: Ticket, data: dict, technicians, equipment=(), supplies=()
) -> Intervention:
    """An admin or agent records an intervention on a client's ticket."""
    if not access.can_create_intervention(actor, ticket):
        raise PermissionDenied
    equipment = _check_equipment(ticket, equipment)
    intervention = Intervention(
        ticket=ticket, organization_id=ticket.organization_id, created_by=actor
    )
    for name in INTERVENTION_FIELDS:
        if name in data:
            setattr(intervention, name, data[name])
    intervention.save()
    intervention.technicians.set(list(technicians) or [actor])
    intervention.equipment.set(equipment)
    _save_supplies(intervention, supplies)
    return intervention


@transaction.atomic
def update_intervention(
    *,
    actor: User,
    intervention: Intervention,
    version: int | None,
    data: dict,
    technicians,
    equipment=(),
    supplies=(),
) -> Intervention:
    intervention = locking.lock(intervention)
    if not access.works_interventions(actor):
        raise PermissionDenied
    if intervention.is_signed:
        raise Immutable(_("This intervention is signed: it can no longer be changed."))
    _stale(
        intervention,
        version,
        _(
            "Someone else changed this intervention while you were editing it. Your changes "
            "were not saved: reload it and try again."
        ),
    )
    equipment = _check_equipment(intervention.ticket, equipment)
    for name in INTERVENTION_FIELDS:
        if name in data:
            setattr(intervention, name, data[name])
    intervention.version += 1
    intervention.save()
    intervention.technicians.set(list(technicians) or [actor])
    intervention.equipment.set(equipment)
    _save_supplies(intervention, supplies)
    return intervention


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024


def _clean_signer(name: str) -> str:
    name = " ".join((name or "").replace("\x00", "").split())[:150]
    if not name:
        raise InvoicingError(_("Type the name of the person who signs."))
    return name


@transaction.atomic
def sign_intervention(
    *,
    actor: User | None,
    intervention: Intervention,
    signer_name: str,
    png: bytes | None,
    via_link: bool = False,
) -> Intervention:
    """The client signs: a drawn signature (a PNG from the canvas) and their name; or, from
    the emailed link (actor None), a validation without drawing. Signed once; the report PDF
    is then rendered and emailed in the background."""
    intervention = locking.lock(intervention)
    if intervention.is_signed:
        raise Immutable(_("This intervention is already signed."))
    if actor is not None and not access.can_sign(actor, intervention):
        raise PermissionDenied
    signer = _clean_signer(signer_name)
    if png is not None:
        if not png.startswith(PNG_MAGIC) or len(png) > MAX_SIGNATURE_BYTES:
            raise InvoicingError(_("The signature could not be read: sign again."))
        _verify_png(png)
        intervention.signature.save("signature.png", ContentFile(png), save=False)
    elif not via_link:
        raise InvoicingError(_("Draw the signature in the box, then confirm."))
    intervention.signer_name = signer
    intervention.signed_at = timezone.now()
    intervention.validated_via_link = png is None
    intervention.version += 1
    intervention.save()
    transaction.on_commit(partial(_queue_report, intervention.pk))
    return intervention


def _verify_png(png: bytes) -> None:
    from io import BytesIO

    from PIL import Image

    try:
        with Image.open(BytesIO(png)) as image:
            if image.format != "PNG" or image.width > 4000 or image.height > 4000:
                raise ValueError
            image.verify()
    except Exception:
        raise InvoicingError(_("The signature could not be read: sign again.")) from None


def _queue_report(pk: int) -> None:
    from .tasks import render_intervention_report

    render_intervention_report.delay(pk)


def link_days() -> int:
    return int(getattr(settings, "INVOICING_LINK_DAYS", 14))


def intervention_token(intervention: Intervention) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(intervention.pk))


def intervention_from_token(token: str) -> Intervention:
    """The intervention a validation link names; InvoicingError when forged or expired."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        pk = int(signer.unsign(token, max_age=dt.timedelta(days=link_days())))
    except signing.SignatureExpired:
        raise InvoicingError(_("This link has expired: ask us for a new one.")) from None
    except (signing.BadSignature, ValueError):
        raise InvoicingError(_("This link is not valid.")) from None
    intervention = Intervention.objects.select_related("ticket", "organization").filter(pk=pk)
    if not intervention:
        raise InvoicingError(_("This link is not valid."))
    return intervention[0]


# --- numbering ------------------------------------------------------------------------------


def next_number(kind: str, year: int) -> tuple[int, str]:
    """The next number of a series in a year, under the counter row's lock (call inside the
    issuing transaction: a rollback gives the number back, so there is never a gap)."""
    name = f"{kind}-{year}"
    InvoiceCounter.objects.get_or_create(name=name)
    counter = InvoiceCounter.objects.select_for_update().get(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value, f"{SERIES_PREFIX[kind]}{year}-{counter.value:05d}"


# --- the billing run ------------------------------------------------------------------------


@dataclass
class Draft:
    """What a run found billable for one organization, before it is written."""

    organization_id: int
    lines: list[InvoiceLine] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)


@dataclass
class RunResult:
    invoices: list[Invoice] = field(default_factory=list)
    without_contract: list[Organization] = field(default_factory=list)


def _line(kind, description, quantity, unit_price, *, amount=None, vat_rate=None, unit="", **src):
    vat_rate = default_vat_rate() if vat_rate is None else Decimal(vat_rate)
    amount = money.line_amount(quantity, unit_price) if amount is None else money.cents(amount)
    return InvoiceLine(
        kind=kind,
        description=description[:300],
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        vat_rate=vat_rate,
        amount=amount,
        vat_amount=money.line_vat(amount, vat_rate),
        **src,
    )


def _ticket_label(number, title) -> str:
    return f"#{number} - {title}"


def _billed_estimate_ids() -> Q:
    """Estimates on an issued invoice that no credit note reversed."""
    return Q(
        pk__in=InvoiceLine.objects.filter(
            estimate__isnull=False,
            invoice__state=Invoice.State.ISSUED,
            invoice__kind=Invoice.Kind.INVOICE,
            invoice__credit_notes__isnull=True,
        ).values("estimate_id")
    )


def _unbilled_entries(end: dt.date, organization_ids):
    """Billable, unbilled entries up to end of the organizations, one row each."""
    rows = (
        TimeEntry.objects.filter(
            billable=True,
            billed_at__isnull=True,
            work_date__lte=end,
            ticket__organization_id__in=organization_ids,
        )
        .order_by("ticket__organization_id", "ticket_id", "id")
        .values_list(
            "id",
            "ticket__organization_id",
            "ticket_id",
            "ticket__number",
            "ticket__title",
            "ticket__type__code",
            "minutes",
            "activity",
            "level",
            "off_hours",
        )
    )
    by_org = defaultdict(list)
    for row in rows.iterator(chunk_size=5000):
        by_org[row[1]].append(row)
    return by_org


def _block_used_before(contract: Contract) -> int:
    """Minutes of the block already billed (rounded per the contract)."""
    entries = TimeEntry.objects.filter(
        billing_services.billed_on_time(),
        ticket__organization_id=contract.organization_id,
        billable=True,
        billed_at__isnull=False,
        work_date__gte=contract.starts_on,
    )
    if contract.ends_on:
        entries = entries.filter(work_date__lte=contract.ends_on)
    per_ticket = contract.rounding_scope == Contract.RoundingScope.TICKET
    total = (
        Sum("minutes")
        if per_ticket
        else Sum(billing_services.rounded_minutes(contract.rounding_minutes))
    )
    rows = entries.values("ticket_id").annotate(total=total).values_list("ticket_id", "total")
    lines = [pricing.Line(ticket_id=t, minutes=m or 0) for t, m in rows]
    return pricing.billed_minutes(lines, unit=contract.rounding_minutes, per_ticket=per_ticket)


def _time_lines(contract: Contract, rows, draft: Draft) -> None:
    """Lines per ticket and price (rate x off-hours factor) of time billed on time. On a
    prepaid contract, one consumption line for the contract (no price; the tickets it is made
    of in its detail, for the review) and an overage line for what goes beyond the block."""
    rates = billing_services.rate_table(contract)
    unit = contract.rounding_minutes
    per_ticket = contract.rounding_scope == Contract.RoundingScope.TICKET
    by_ticket = defaultdict(list)
    for row in rows:
        by_ticket[(row[2], row[3], row[4])].append(row)
    total_minutes = 0
    detail = []
    for (ticket_id, number, title), group in by_ticket.items():
        priced: dict[tuple[Decimal, Decimal], int] = defaultdict(int)
        for _id, *_x, minutes, activity, level, off_hours in group:
            rate = pricing.rate_for(rates, contract.default_rate, activity, level)
            factor = contract.off_hours_multiplier if off_hours else Decimal(1)
            priced[(rate, factor)] += minutes if per_ticket else pricing.round_up(minutes, unit)
        if per_ticket:
            raw = sum(priced.values())
            surplus = pricing.round_up(raw, unit) - raw
            if surplus:
                main = max(group, key=lambda r: r[6])
                rate = pricing.rate_for(rates, contract.default_rate, main[7], main[8])
                priced[(rate, Decimal(1))] += surplus
        draft.entry_ids.extend(row[0] for row in group)
        ticket_minutes = sum(priced.values())
        total_minutes += ticket_minutes
        if contract.is_prepaid:
            if ticket_minutes:
                detail.append(
                    {"number": number, "title": title, "hours": str(pricing.hours(ticket_minutes))}
                )
            continue
        label = _ticket_label(number, title)
        for (rate, factor), minutes in priced.items():
            if minutes == 0:
                continue
            description = (
                label if factor == 1 else _("%(ticket)s (nights and weekends)") % {"ticket": label}
            )
            draft.lines.append(
                _line(
                    InvoiceLine.Kind.TIME,
                    description,
                    pricing.hours(minutes),
                    money.cents(rate * factor),
                    amount=pricing.amount(minutes, rate, factor),
                    unit="h",
                    ticket_id=ticket_id,
                )
            )
    if contract.is_prepaid and total_minutes:
        _block_lines(contract, total_minutes, detail, draft)


def _hours_text(minutes: int) -> str:
    """Hours as the reader writes them ("12,5" in French, "12.5" in English)."""
    return number_format(pricing.hours(minutes).normalize())


def _block_lines(contract: Contract, minutes: int, detail: list, draft: Draft) -> None:
    """The period's consumption of a prepaid block, in one line at no charge, then the hours
    beyond the block (those not billed as overage before) at the contract's rate."""
    block = int(contract.total_hours * 60)
    before = _block_used_before(contract)
    left = max(0, block - before - minutes)
    line = _line(
        InvoiceLine.Kind.BLOCK,
        _("Prepaid block “%(contract)s”: %(used)s h used in the period, %(left)s h left")
        % {
            "contract": contract.name,
            "used": _hours_text(minutes),
            "left": _hours_text(left),
        },
        pricing.hours(minutes),
        Decimal("0.00"),
        unit="h",
    )
    line.detail = detail
    draft.lines.append(line)
    over = max(0, before + minutes - block) - max(0, before - block)
    if over > 0:
        draft.lines.append(
            _line(
                InvoiceLine.Kind.OVERAGE,
                _("Hours beyond the prepaid block “%(contract)s”") % {"contract": contract.name},
                pricing.hours(over),
                contract.default_rate,
                amount=pricing.amount(over, contract.default_rate),
                unit="h",
            )
        )


_UNKNOWN = object()


def build_draft(
    organization_id: int,
    start: dt.date,
    end: dt.date,
    *,
    entries=None,
    estimates=None,
    contract=_UNKNOWN,
    interventions: bool = True,
) -> Draft:
    """What is billable for an organization up to end (unbilled things of earlier periods are
    caught up): time per contract, accepted estimates, signed interventions. A run passes what
    it read for every organization at once."""
    draft = Draft(organization_id=organization_id)
    if entries is None:
        entries = _unbilled_entries(end, [organization_id]).get(organization_id, [])
    if estimates is None:
        estimates = list(_open_estimates(end, [organization_id]))
    if contract is _UNKNOWN:
        contract = billing_services.contract_for(organization_id, end)
    estimate_tickets = {e.ticket_id for e in estimates}
    on_time, covered = [], defaultdict(list)
    for row in entries:
        if row[2] in estimate_tickets:
            covered[row[2]].append(row[0])
        elif row[5] not in ESTIMATE_TYPES:
            on_time.append(row)
    for estimate in estimates:
        rate = contract.default_rate if contract else Decimal("0.00")
        amount = estimate.amount if estimate.amount is not None else estimate.hours * rate
        label = _ticket_label(estimate.ticket.number, estimate.ticket.title)
        draft.lines.append(
            _line(
                InvoiceLine.Kind.ESTIMATE,
                _("%(ticket)s — accepted estimate") % {"ticket": label},
                Decimal("1.00"),
                money.cents(amount),
                ticket_id=estimate.ticket_id,
                estimate=estimate,
            )
        )
        draft.entry_ids.extend(covered.get(estimate.ticket_id, []))
    if on_time and contract is not None and contract.kind != Contract.Kind.FIXED_PRICE:
        _time_lines(contract, on_time, draft)
    if interventions:
        for intervention in _open_interventions(end, organization_id):
            _intervention_lines(intervention, draft)
    return draft


def _open_estimates(end: dt.date, organization_ids):
    return (
        Estimate.objects.filter(
            state=Estimate.State.ACCEPTED,
            decided_at__date__lte=end,
            ticket__organization_id__in=organization_ids,
        )
        .exclude(_billed_estimate_ids())
        .select_related("ticket")
        .order_by("ticket__number", "pk")
    )


def _open_interventions(end: dt.date, organization_id: int):
    return (
        Intervention.objects.filter(
            organization_id=organization_id,
            signed_at__isnull=False,
            billed_at__isnull=True,
            starts_at__date__lte=end,
        )
        .select_related("ticket")
        .prefetch_related("supplies")
        .order_by("starts_at", "pk")
    )


def _intervention_lines(intervention: Intervention, draft: Draft) -> None:
    when = timezone.localtime(intervention.starts_at).strftime("%d/%m/%Y")
    label = _("Intervention of %(date)s (#%(ticket)s)") % {
        "date": when,
        "ticket": intervention.ticket.number,
    }
    for supply in intervention.supplies.all():
        draft.lines.append(
            _line(
                InvoiceLine.Kind.SUPPLY,
                _("%(intervention)s: %(supply)s")
                % {"intervention": label, "supply": supply.description},
                supply.quantity,
                supply.unit_price,
                vat_rate=supply.vat_rate,
                intervention=intervention,
                ticket_id=intervention.ticket_id,
            )
        )
    draft.lines.append(
        _line(
            InvoiceLine.Kind.TRAVEL,
            _("%(intervention)s: travel") % {"intervention": label},
            Decimal("1.00"),
            intervention.travel_amount,
            intervention=intervention,
            ticket_id=intervention.ticket_id,
        )
    )
    if intervention.travel_amount == 0:
        # Travel at no charge still ties the intervention to the invoice (billed at issue).
        draft.lines[-1].description = _("%(intervention)s: travel (not charged)") % {
            "intervention": label
        }


@transaction.atomic
def _write_drafts(actor: User | None, drafts: list[Draft], start: dt.date, end: dt.date):
    """Replace the drafts of these organizations by the new ones, in one transaction with the
    organizations' rows locked (in id order), so that two runs at once leave one draft each."""
    org_ids = sorted(d.organization_id for d in drafts)
    list(
        Organization.objects.select_for_update(no_key=True)
        .filter(pk__in=org_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Invoice.objects.filter(organization_id__in=org_ids, state=Invoice.State.DRAFT).delete()
    drafts = [d for d in drafts if d.lines]
    invoices = []
    for draft in drafts:
        net, vat, gross = money.totals(draft.lines)
        invoices.append(
            Invoice(
                organization_id=draft.organization_id,
                period_start=start,
                period_end=end,
                created_by=actor,
                total_net=net,
                total_vat=vat,
                total_gross=gross,
            )
        )
    invoices = Invoice.objects.bulk_create(invoices)
    lines, links = [], []
    for invoice, draft in zip(invoices, drafts, strict=True):
        for position, line in enumerate(draft.lines, start=1):
            line.invoice, line.position = invoice, position
            lines.append(line)
        links.extend((invoice.pk, pk) for pk in sorted(set(draft.entry_ids)))
    InvoiceLine.objects.bulk_create(lines, batch_size=2000)
    _insert_links(links)
    return invoices


def _insert_links(pairs: list[tuple[int, int]]) -> None:
    """(invoice id, entry id) rows: PostgreSQL's COPY (a run links up to every entry of the
    period: 100,000 rows in a second), bulk inserts elsewhere."""
    if connection.vendor != "postgresql":
        InvoiceEntry.objects.bulk_create(
            (InvoiceEntry(invoice_id=i, entry_id=e) for i, e in pairs), batch_size=5000
        )
        return
    table = connection.ops.quote_name(InvoiceEntry._meta.db_table)
    sql = f"COPY {table} (invoice_id, entry_id) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for pair in pairs:
            copy.write_row(pair)


def _contracts_for(org_ids, day: dt.date) -> dict:
    """The active contract of each organization on day (as billing.services.contract_for: the
    latest started), with its rates, in two queries."""
    contracts = (
        Contract.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
            organization_id__in=org_ids,
            is_active=True,
            starts_on__lte=day,
        )
        .order_by("organization_id", "-starts_on", "-pk")
        .prefetch_related("rates")
    )
    found = {}
    for contract in contracts:
        found.setdefault(contract.organization_id, contract)
    return found


def _set_totals(invoice: Invoice, lines) -> None:
    invoice.total_net, invoice.total_vat, invoice.total_gross = money.totals(lines)
    invoice.save(update_fields=["total_net", "total_vat", "total_gross"])


def run_billing(
    *, actor: User | None, start: dt.date, end: dt.date, organization_ids=None
) -> RunResult:
    """A draft invoice for every organization with something billable up to end (time
    entries, accepted estimates, signed interventions), replacing its previous draft. actor
    None: a job. Reads everything in a few queries, then writes every draft in one
    transaction."""
    if actor is not None and not access.can_run_billing(actor):
        raise PermissionDenied
    if start > end:
        raise InvoicingError(_("The period ends before it starts."))
    orgs = Organization.objects.filter(kind=Organization.Kind.CLIENT, is_active=True)
    if organization_ids is not None:
        orgs = orgs.filter(pk__in=list(organization_ids))
    org_ids = list(orgs.order_by("name").values_list("pk", flat=True))
    entries = _unbilled_entries(end, org_ids)
    estimates = defaultdict(list)
    for estimate in _open_estimates(end, org_ids):
        estimates[estimate.ticket.organization_id].append(estimate)
    with_interventions = set(
        Intervention.objects.filter(
            organization_id__in=org_ids,
            signed_at__isnull=False,
            billed_at__isnull=True,
            starts_at__date__lte=end,
        ).values_list("organization_id", flat=True)
    )
    contracts = _contracts_for(org_ids, end)
    result = RunResult()
    drafts = []
    for org_id in org_ids:
        rows, org_estimates = entries.get(org_id, []), estimates.get(org_id, [])
        if not (rows or org_estimates or org_id in with_interventions):
            continue
        contract = contracts.get(org_id)
        drafts.append(
            build_draft(
                org_id,
                start,
                end,
                entries=rows,
                estimates=org_estimates,
                contract=contract,
                interventions=org_id in with_interventions,
            )
        )
        if rows and contract is None:
            result.without_contract.append(org_id)
    result.invoices = _write_drafts(actor, drafts, start, end)
    if result.without_contract:
        result.without_contract = list(Organization.objects.filter(pk__in=result.without_contract))
    return result


# --- drafts ---------------------------------------------------------------------------------


def _locked_draft(actor: User, invoice: Invoice, version) -> Invoice:
    invoice = locking.lock(invoice)
    if not access.can_run_billing(actor):
        raise PermissionDenied
    if not invoice.is_draft:
        raise Immutable(_("This invoice is issued: it never changes. Issue a credit note."))
    _stale(
        invoice,
        version,
        _(
            "This draft changed while you were editing it (edited, rebuilt or issued "
            "elsewhere). Your changes were not saved: reload it and try again."
        ),
    )
    return invoice


@transaction.atomic
def save_lines(*, actor: User, invoice: Invoice, version: int | None, rows, notes=None) -> Invoice:
    """An admin edits a draft: each row (a dict with "id" or none for a new line,
    description, quantity, unit_price, vat_rate, "delete") is written; amounts are recomputed
    to the cent per line."""
    invoice = _locked_draft(actor, invoice, version)
    lines = {line.pk: line for line in invoice.lines.all()}
    position = max((line.position for line in lines.values()), default=0)
    for row in rows:
        line = lines.get(row.get("id")) if row.get("id") else None
        if row.get("id") and line is None:
            raise InvoicingError(_("This line is no longer on the draft: reload it."))
        if row.get("delete"):
            if line is not None:
                line.delete()
                lines.pop(line.pk)
            continue
        if line is None:
            position += 1
            line = InvoiceLine(invoice=invoice, position=position, kind=InvoiceLine.Kind.OTHER)
        line.description = row["description"].strip()[:300]
        line.quantity = row["quantity"]
        line.unit_price = row["unit_price"]
        line.vat_rate = row["vat_rate"]
        line.amount = money.line_amount(line.quantity, line.unit_price)
        line.vat_amount = money.line_vat(line.amount, line.vat_rate)
        line.save()
        lines[line.pk] = line
    if notes is not None:
        invoice.notes = notes.strip()
    invoice.version += 1
    invoice.save(update_fields=["notes", "version"])
    _set_totals(invoice, lines.values())
    return invoice


@transaction.atomic
def discard_draft(*, actor: User, invoice: Invoice, version: int | None) -> None:
    invoice = _locked_draft(actor, invoice, version)
    invoice.delete()


# --- issuing and credit notes ---------------------------------------------------------------


def _issue(invoice: Invoice, actor: User | None, kind: str) -> None:
    today = timezone.localdate()
    invoice.year = today.year
    invoice.sequence, invoice.number = next_number(kind, today.year)
    invoice.state = Invoice.State.ISSUED
    invoice.issue_date = today
    invoice.due_date = today + dt.timedelta(
        days=int(getattr(settings, "INVOICING_PAYMENT_DAYS", 30))
    )
    invoice.issued_at = timezone.now()
    invoice.issued_by = actor
    invoice.version += 1
    invoice.save()
    transaction.on_commit(partial(_queue_pdf, invoice.pk))


def _queue_pdf(pk: int) -> None:
    from .tasks import render_invoice_pdf

    render_invoice_pdf.delay(pk)


@transaction.atomic
def issue_invoice(*, actor: User, invoice: Invoice, version: int | None) -> Invoice:
    """Issue a draft: refused when something on it was billed meanwhile; takes the next
    number of the year; marks its entries and interventions billed; the PDF follows."""
    invoice = _locked_draft(actor, invoice, version)
    lines = list(invoice.lines.all())
    if not lines:
        raise InvoicingError(_("An invoice needs at least one line."))
    entry_ids = list(invoice.entry_links.values_list("entry_id", flat=True))
    entries = TimeEntry.objects.select_for_update().filter(pk__in=entry_ids).order_by("pk")
    already = [e for e in entries.values_list("pk", "billed_at") if e[1] is not None]
    intervention_ids = sorted({line.intervention_id for line in lines if line.intervention_id})
    interventions = list(
        Intervention.objects.select_for_update().filter(pk__in=intervention_ids).order_by("pk")
    )
    estimate_ids = [line.estimate_id for line in lines if line.estimate_id]
    if (
        already
        or any(i.billed_at for i in interventions)
        or Estimate.objects.filter(_billed_estimate_ids(), pk__in=estimate_ids).exists()
    ):
        raise AlreadyBilled(
            _(
                "Part of this draft was billed by another invoice meanwhile: run the billing "
                "again to rebuild it."
            )
        )
    _set_totals(invoice, lines)
    _issue(invoice, actor, Invoice.Kind.INVOICE)
    now = invoice.issued_at
    TimeEntry.objects.filter(pk__in=entry_ids).update(billed_at=now)
    Intervention.objects.filter(pk__in=intervention_ids).update(billed_at=now)
    return invoice


@transaction.atomic
def credit_invoice(*, actor: User, invoice: Invoice, reason: str = "") -> Invoice:
    """A credit note reversing an issued invoice in full, numbered in its own series; what the
    invoice billed is released, so the next run bills it again as corrected."""
    invoice = locking.lock(invoice)
    if not access.can_credit(actor, invoice):
        raise PermissionDenied
    credit = Invoice.objects.create(
        organization_id=invoice.organization_id,
        kind=Invoice.Kind.CREDIT,
        state=Invoice.State.DRAFT,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        credited=invoice,
        notes=(reason or "").strip()[:2000],
        created_by=actor,
    )
    lines = [
        InvoiceLine(
            invoice=credit,
            position=line.position,
            kind=line.kind,
            description=line.description,
            quantity=-line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount=-line.amount,
            vat_amount=-line.vat_amount,
            ticket_id=line.ticket_id,
            intervention_id=line.intervention_id,
            detail=line.detail,
        )
        for line in invoice.lines.all()
    ]
    InvoiceLine.objects.bulk_create(lines)
    _set_totals(credit, lines)
    _issue(credit, actor, Invoice.Kind.CREDIT)
    entry_ids = invoice.entry_links.values("entry_id")
    TimeEntry.objects.filter(pk__in=entry_ids).update(billed_at=None)
    Intervention.objects.filter(
        pk__in=invoice.lines.filter(intervention__isnull=False).values("intervention_id")
    ).update(billed_at=None)
    return credit
