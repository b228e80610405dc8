"""Invoicing: interventions (the "bon d'intervention") made from a ticket, invoices and credit
notes built by a billing run per period, their gap-free yearly numbers, and monthly statements.

Money is Decimal; each line is rounded to the cent (amount before tax, then its VAT), the totals
are the sums of the rounded lines. An issued invoice never changes: a correction is a credit
note (an Invoice of kind "credit" pointing at the invoice it reverses)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


def default_currency() -> str:
    return getattr(settings, "BILLING_CURRENCY", "EUR")


def default_vat_rate() -> Decimal:
    return Decimal(str(getattr(settings, "INVOICING_VAT_RATE", "20.00")))


def private_path(instance, filename):
    """Generated files (PDF, signatures) under a random name; served only through views."""
    ext = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"invoicing/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Intervention(models.Model):
    """Work done for a client on a ticket, on site or remotely: who, when, on which equipment,
    what was done, what was supplied; signed by the client on the spot or validated later from
    a link. Supplies and travel are billed by the next billing run once it is signed."""

    class Place(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        REMOTE = "remote", _("Remote")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="interventions"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="interventions"
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    place = models.CharField(
        _("place"), max_length=10, choices=Place.choices, default=Place.ON_SITE
    )
    technicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("technicians"), related_name="interventions"
    )
    equipment = models.ManyToManyField(
        "tickets.Asset", verbose_name=_("equipment"), blank=True, related_name="interventions"
    )
    work_done = models.TextField(_("work done"))
    travel_minutes = models.PositiveIntegerField(_("travel time (minutes)"), default=0)
    travel_amount = models.DecimalField(
        _("travel fee"),
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    signature = models.FileField(upload_to=private_path, blank=True, max_length=255)
    signer_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    # Validated from the emailed link instead of a drawn signature (the person logged in or not).
    validated_via_link = models.BooleanField(default=False)
    report = models.FileField(upload_to=private_path, blank=True, max_length=255)
    report_generated_at = models.DateTimeField(null=True, blank=True)
    billed_at = models.DateTimeField(_("billed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        indexes = [
            # Portal and ticket lists: filter(organization=...).order_by(-starts_at).
            models.Index(fields=["organization", "-starts_at"], name="interv_org_start_idx"),
            models.Index(fields=["ticket", "-starts_at"], name="interv_ticket_idx"),
        ]

    def __str__(self):
        return f"#{self.ticket_id} {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("invoicing:intervention", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Supply(models.Model):
    """A part or supply used during an intervention: quantity x unit price, its VAT rate."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="supplies"
    )
    description = models.CharField(_("part or supply"), max_length=200)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=default_vat_rate,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("supply")
        verbose_name_plural = _("supplies")

    def __str__(self):
        return f"{self.quantity} x {self.description}"


class InvoiceCounter(models.Model):
    """The last number of a series in a year ("invoice-2026", "credit-2026"): its row is locked
    while a number is taken, so numbers have no gap and no duplicate."""

    name = models.CharField(max_length=30, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.value}"


class Invoice(models.Model):
    """A draft built by a billing run (editable, no number), then issued: numbered, totals
    frozen, immutable. A credit note is an Invoice of kind "credit" reversing another."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT = "credit", _("Credit note")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("client organization"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INVOICE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=30, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    credited = models.ForeignKey(
        "self",
        verbose_name=_("credit note of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
    )
    notes = models.TextField(_("notes"), blank=True)
    total_net = models.DecimalField(
        _("total before tax"), max_digits=14, decimal_places=2, default=ZERO
    )
    total_vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=ZERO)
    total_gross = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=ZERO)
    pdf = models.FileField(upload_to=private_path, blank=True, max_length=255)
    pdf_generated_at = models.DateTimeField(null=True, blank=True)
    # When the issued PDF was emailed to the client admins: a re-render never sends it again.
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-issue_date", "-sequence", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"], name="invoice_unique_number"
            ),
            # One draft per organization: a new run replaces it.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(state="draft"),
                name="invoice_one_draft_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-issue_date"], name="invoice_org_issue_idx"),
            models.Index(fields=["-issue_date", "-sequence"], name="invoice_issue_idx"),
        ]

    def __str__(self):
        return self.number or str(_("Draft invoice"))

    def get_absolute_url(self):
        return reverse("invoicing:invoice", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_credit(self) -> bool:
        return self.kind == self.Kind.CREDIT


class InvoiceLine(models.Model):
    """A line: quantity x unit price (before tax) rounded to the cent, its VAT rate and VAT
    rounded to the cent. The source (ticket, estimate, intervention) says where it came from."""

    class Kind(models.TextChoices):
        TIME = "time", _("Time")
        ESTIMATE = "estimate", _("Estimate")
        SUPPLY = "supply", _("Supply")
        TRAVEL = "travel", _("Travel")
        BLOCK = "block", _("Prepaid block")
        OVERAGE = "overage", _("Overage")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=default_vat_rate,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )
    amount = models.DecimalField(_("amount before tax"), max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    estimate = models.ForeignKey(
        "billing.Estimate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What a contract-wide line (a prepaid block's consumption) is made of, for the review:
    # [{"number": ticket number, "title": its title, "hours": "1.50"}, ...]; never printed.
    detail = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self):
        return self.description


class InvoiceEntry(models.Model):
    """A time entry an invoice bills (directly, in a block, or covered by an estimate): issuing
    marks these entries billed; a run skips entries already billed."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="entry_links")
    entry = models.ForeignKey("billing.TimeEntry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invoice", "entry"], name="invoice_entry_unique")
        ]

    def __str__(self):
        return f"{self.invoice_id}:{self.entry_id}"


class Statement(models.Model):
    """The monthly statement of an organization (a PDF), made on the first of the next month."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("month"))  # its first day
    pdf = models.FileField(upload_to=private_path, blank=True, max_length=255)
    generated_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "organization__name"]
        verbose_name = _("monthly statement")
        verbose_name_plural = _("monthly statements")
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="statement_org_month")
        ]

    def __str__(self):
        return f"{self.organization_id} {self.month:%Y-%m}"
