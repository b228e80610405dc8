"""Billing: contracts with rates, time entries grouped in weekly timesheets, running timers,
and estimates the client accepts or refuses."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


def default_currency() -> str:
    return getattr(settings, "BILLING_CURRENCY", "EUR")


class Activity(models.TextChoices):
    ANALYSIS = "analysis", _("Analysis")
    WORK = "work", _("Work")
    TRAVEL = "travel", _("Travel")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class Contract(models.Model):
    """What a client organization buys: time and materials, a prepaid block of hours, or work
    on a fixed-price estimate; its rates, rounding and multiplier for weekends and nights."""

    class Kind(models.TextChoices):
        TIME_AND_MATERIALS = "time", _("Time and materials")
        PREPAID = "prepaid", _("Prepaid block of hours")
        FIXED_PRICE = "fixed", _("Fixed-price estimate")

    class RoundingScope(models.TextChoices):
        ENTRY = "entry", _("Each time entry")
        TICKET = "ticket", _("Each ticket's total")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("client organization"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PREPAID)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    default_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    off_hours_multiplier = models.DecimalField(
        _("weekend and night multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("rounding unit (minutes)"), default=15, help_text=_("0: no rounding.")
    )
    rounding_scope = models.CharField(
        _("rounding applied to"),
        max_length=10,
        choices=RoundingScope.choices,
        default=RoundingScope.ENTRY,
    )
    block_hours = models.DecimalField(
        _("hours in the block"),
        max_digits=8,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    rolled_over_hours = models.DecimalField(
        _("hours carried over"), max_digits=8, decimal_places=2, default=ZERO
    )
    rollover = models.BooleanField(_("unused hours carry over to the next block"), default=False)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    previous = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next"
    )
    # Alerts at 80 % and 100 % consumed: sent once each, the date says when.
    alert_80_sent_at = models.DateTimeField(null=True, blank=True)
    alert_100_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organization__name", "-starts_on"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            # The contract of a ticket: filter(organization=..., is_active=True, starts_on<=day).
            models.Index(fields=["organization", "-starts_on"], name="contract_org_start_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("billing:contract", args=[self.pk])

    @property
    def total_hours(self) -> Decimal:
        return self.block_hours + self.rolled_over_hours

    @property
    def is_prepaid(self) -> bool:
        return self.kind == self.Kind.PREPAID


class Rate(models.Model):
    """An hourly rate of a contract for an activity and/or a support level (empty: any)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rates")
    activity = models.CharField(_("activity"), max_length=10, choices=Activity.choices, blank=True)
    level = models.PositiveSmallIntegerField(
        _("support level"), null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        ordering = ["activity", "level"]
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "activity", "level"],
                name="rate_unique_activity_level",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.activity or '*'} / {self.level or '*'}: {self.hourly_rate}"


class Timesheet(models.Model):
    """A person's week (Monday first): editable while open, locked once submitted."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="timesheets"
    )
    week_start = models.DateField(_("week of"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="timesheet_user_week")
        ]
        indexes = [
            # The approval list: filter(state="submitted").order_by("week_start").
            models.Index(
                fields=["week_start"],
                name="timesheet_submitted_idx",
                condition=models.Q(state="submitted"),
            )
        ]

    def __str__(self):
        return f"{self.user} {self.week_start}"

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.OPEN


class TimeEntry(models.Model):
    """Time a consultant spent on a ticket (minutes as typed; rounding is the contract's and is
    applied when reading). A correction after approval is a new entry pointing at the one it
    corrects, with the difference in minutes (possibly negative)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="time_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    timesheet = models.ForeignKey(Timesheet, on_delete=models.PROTECT, related_name="entries")
    work_date = models.DateField(_("date"))
    minutes = models.IntegerField(_("minutes"))
    activity = models.CharField(
        _("activity"), max_length=10, choices=Activity.choices, default=Activity.WORK
    )
    level = models.PositiveSmallIntegerField(_("support level"), null=True, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    off_hours = models.BooleanField(_("night or weekend work"), default=False)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    task_title = models.CharField(_("task"), max_length=255)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # Set by invoicing once the entry is on an invoice.
    billed_at = models.DateTimeField(_("billed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["work_date", "id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [
            # The ticket's time box and contract consumption: filter(ticket=...).
            models.Index(fields=["ticket", "work_date"], name="entry_ticket_date_idx"),
            # The timesheet page: filter(timesheet=...).order_by(work_date).
            models.Index(fields=["timesheet", "work_date"], name="entry_sheet_date_idx"),
        ]

    def __str__(self):
        return f"{self.task_title} ({self.minutes} min)"


class Timer(models.Model):
    """A running stopwatch of a person on a ticket (one at a time per ticket): the server's
    copy, so that it survives a reload, another tab or another device."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ticket"], name="timer_user_ticket")]

    def __str__(self):
        return f"{self.user_id} #{self.ticket_id} {self.started_at:%H:%M}"


def estimate_path(instance, filename):
    ext = os.path.splitext(filename)[1].lower()[:12]
    return f"billing/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class Estimate(models.Model):
    """A quote (chiffrage) on a ticket or on a change request (its step-3 quote, with the
    request's ticket when it has one): an amount or hours, sent to the client, who accepts or
    refuses it in the portal or from the single-use link of the email."""

    class State(models.TextChoices):
        SENT = "sent", _("Waiting for the client")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        REPLACED = "replaced", _("Replaced by a newer estimate")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="estimates",
        null=True,
        blank=True,
    )
    # Set on the quote of a change request: the request's workflow decides who answers and
    # what an answer does (billing.quotes).
    change_request = models.ForeignKey(
        "cdc.ChangeRequest",
        verbose_name=_("change request"),
        on_delete=models.PROTECT,
        related_name="estimates",
        null=True,
        blank=True,
    )
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    description = models.TextField(_("description"))
    document = models.FileField(_("document"), upload_to=estimate_path, blank=True, max_length=255)
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SENT)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(_("reason"), blank=True)
    # The emailed link works once: the date it was used.
    link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")
        indexes = [
            models.Index(fields=["ticket", "-sent_at"], name="estimate_ticket_idx"),
            # The quote panel of a change request: filter(change_request=...).
            models.Index(fields=["change_request", "-sent_at"], name="estimate_cdc_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ticket__isnull=False) | models.Q(change_request__isnull=False),
                name="estimate_on_ticket_or_cdc",
            )
        ]

    def __str__(self):
        if self.change_request_id:
            return f"CDC {self.change_request_id} {self.amount or self.hours}"
        return f"#{self.ticket_id} {self.amount or self.hours}"

    @property
    def subject_url(self) -> str:
        """The page the estimate is answered on: the change request's, or the ticket's."""
        if self.change_request_id:
            return self.change_request.get_absolute_url()
        return self.ticket.get_absolute_url()

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.SENT
