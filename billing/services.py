"""Billing verbs: logging time (entries, timers), timesheets (submit, approve, corrections),
contracts (create, edit, rates, renewal with rollover, consumption alerts) and estimates
(send, accept, refuse, the emailed single-use link).

Each verb takes the acting user first, asks billing.access, and writes in one transaction.
Edits carry the version the person saw and are refused (StaleVersion) when the row moved.
Ticket status changes and timeline events go through tickets.services (change_status for
staff, move_status_for when a client decides an estimate). Emails are queued with
notifications.mail after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, Sum, When
from django.db.models.functions import Cast, Ceil
from django.utils import timezone, translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core import locking
from notifications import mail
from tickets import services as ticket_services
from tickets.errors import TicketError
from tickets.models import Status, Ticket

from . import access, caching, estimates, pricing, quotes
from .errors import BillingError, EstimateClosed, Locked, StaleVersion
from .estimates import LINK_SALT, estimate_from_token, estimate_token, link_days  # noqa: F401
from .models import Activity, Contract, Estimate, Rate, TimeEntry, Timer, Timesheet

logger = logging.getLogger(__name__)

# Ticket statuses of the evolution workflow (seed 002), by code (tickets' reference data).
WAITING_ESTIMATE = "attente-chiffrage"
BEING_CARRIED_OUT = "realisation"
BACK_TO_ANALYSIS = "en-cours"
ALERT_THRESHOLDS = (Decimal("0.8"), Decimal("1"))


# --- time entries ---------------------------------------------------------------------------


def task_title(ticket: Ticket, day: dt.date, language: str | None = None) -> str:
    """Seed 002's task title: "#88 - Création de l'utilisateur Fabrice - Janvier 2022"."""
    with translation.override(language or settings.LANGUAGE_CODE):
        month = str(MONTHS[day.month])
    month = month[:1].upper() + month[1:]
    return f"#{ticket.number} - {ticket.title} - {month} {day.year}"[:255]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def timesheet_for(user: User, day: dt.date) -> Timesheet:
    sheet, _created = Timesheet.objects.get_or_create(user=user, week_start=week_start(day))
    return sheet


def _stale(row, seen, what: str) -> None:
    messages = {
        "entry": _("Someone else changed this time entry while you were editing it. Your "
                   "changes were not saved: check the timesheet and try again."),
        "sheet": _("This timesheet changed while you were looking at it (submitted or edited "
                   "elsewhere). Your changes were not saved: reload it and try again."),
        "contract": _("Someone else changed this contract while you were editing it. Your "
                      "changes were not saved: check the contract and try again."),
    }  # fmt: skip
    locking.check_version(row, seen, StaleVersion, messages[what])


def _locked_sheet() -> Locked:
    return Locked(
        _("This week is submitted: its entries are locked. Add a correction once it is approved.")
    )


@transaction.atomic
def log_time(
    *,
    actor: User,
    ticket: Ticket,
    minutes: int,
    activity: str = Activity.WORK,
    billable: bool = True,
    comment: str = "",
    day: dt.date | None = None,
    off_hours: bool = False,
) -> TimeEntry:
    """An admin or agent logs minutes on a ticket they see, in their timesheet of that week
    (refused once the week is submitted). Weekend days count as off hours. Writes TimeEntry;
    checks the contract's consumption alerts."""
    if not access.can_log_time(actor, ticket):
        raise PermissionDenied
    day = day or timezone.localdate()
    sheet = locking.lock(timesheet_for(actor, day))
    if not sheet.is_editable:
        raise _locked_sheet()
    entry = TimeEntry.objects.create(
        ticket=ticket,
        user=actor,
        timesheet=sheet,
        work_date=day,
        minutes=minutes,
        activity=activity,
        level=access.billed_level(actor),
        billable=billable,
        off_hours=off_hours or day.weekday() >= 5,
        comment=comment.strip(),
        task_title=task_title(ticket, day),
        created_by=actor,
    )
    if billable and ticket.organization_id:
        check_alerts(organization_id=ticket.organization_id, day=day)
    return entry


@transaction.atomic
def update_entry(
    *,
    actor: User,
    entry: TimeEntry,
    version: int | None,
    minutes: int,
    activity: str,
    billable: bool,
    comment: str,
) -> TimeEntry:
    """Edit an entry of an open timesheet (its owner); refused when stale or submitted."""
    entry = locking.lock(entry)
    if entry.user_id != actor.pk:
        raise PermissionDenied
    _stale(entry, version, "entry")
    if not Timesheet.objects.filter(pk=entry.timesheet_id, state=Timesheet.State.OPEN).exists():
        raise _locked_sheet()
    entry.minutes, entry.activity, entry.billable = minutes, activity, billable
    entry.comment = comment.strip()
    entry.version += 1
    entry.save(update_fields=["minutes", "activity", "billable", "comment", "version"])
    return entry


@transaction.atomic
def delete_entry(*, actor: User, entry: TimeEntry, version: int | None) -> None:
    entry = locking.lock(entry)
    if entry.user_id != actor.pk:
        raise PermissionDenied
    _stale(entry, version, "entry")
    if not Timesheet.objects.filter(pk=entry.timesheet_id, state=Timesheet.State.OPEN).exists():
        raise _locked_sheet()
    entry.delete()


@transaction.atomic
def correct_entry(*, actor: User, entry: TimeEntry, minutes: int, comment: str) -> TimeEntry:
    """After approval: a new entry with the difference to the corrected duration, in the same
    (approved) week, recording who made it (the consultant or an admin); the approved entry
    itself never changes."""
    entry = TimeEntry.objects.select_related("timesheet").get(pk=entry.pk)
    if not access.can_correct_entry(actor, entry):
        raise PermissionDenied
    already = sum(c.minutes for c in entry.corrections.all())
    delta = minutes - (entry.minutes + already)
    if delta == 0:
        raise BillingError(_("This duration is what the entry already counts."))
    return TimeEntry.objects.create(
        ticket_id=entry.ticket_id,
        user=entry.user,
        timesheet=entry.timesheet,
        work_date=entry.work_date,
        minutes=delta,
        activity=entry.activity,
        level=entry.level,
        billable=entry.billable,
        off_hours=entry.off_hours,
        comment=comment.strip() or _("Correction"),
        task_title=entry.task_title,
        corrects=entry,
        created_by=actor,
    )


@transaction.atomic
def submit_timesheet(*, actor: User, sheet: Timesheet, version: int | None) -> Timesheet:
    sheet = locking.lock(sheet)
    if sheet.user_id != actor.pk:
        raise PermissionDenied
    _stale(sheet, version, "sheet")
    if not sheet.is_editable:
        raise Locked(_("This timesheet is already submitted."))
    sheet.state = Timesheet.State.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.version += 1
    sheet.save(update_fields=["state", "submitted_at", "version"])
    return sheet


@transaction.atomic
def approve_timesheet(*, actor: User, sheet: Timesheet, version: int | None) -> Timesheet:
    """An admin approves a submitted week: its entries are locked for good."""
    if not access.can_approve_timesheets(actor):
        raise PermissionDenied
    sheet = locking.lock(sheet)
    _stale(sheet, version, "sheet")
    if sheet.state != Timesheet.State.SUBMITTED:
        raise Locked(_("Only a submitted timesheet can be approved."))
    sheet.state = Timesheet.State.APPROVED
    sheet.approved_at = timezone.now()
    sheet.approved_by = actor
    sheet.version += 1
    sheet.save(update_fields=["state", "approved_at", "approved_by", "version"])
    return sheet


@transaction.atomic
def reopen_timesheet(*, actor: User, sheet: Timesheet, version: int | None) -> Timesheet:
    """An admin sends a submitted (not approved) week back to its owner."""
    if not access.can_approve_timesheets(actor):
        raise PermissionDenied
    sheet = locking.lock(sheet)
    _stale(sheet, version, "sheet")
    if sheet.state != Timesheet.State.SUBMITTED:
        raise Locked(_("Only a submitted timesheet can be sent back."))
    sheet.state = Timesheet.State.OPEN
    sheet.version += 1
    sheet.save(update_fields=["state", "version"])
    return sheet


# --- timers ---------------------------------------------------------------------------------


@transaction.atomic
def start_timer(*, actor: User, ticket: Ticket) -> Timer:
    """Start (or keep) actor's stopwatch on ticket."""
    if not access.can_log_time(actor, ticket):
        raise PermissionDenied
    timer, _created = Timer.objects.get_or_create(user=actor, ticket=ticket)
    caching.forget_timers(actor.pk)
    return timer


@transaction.atomic
def stop_timer(
    *,
    actor: User,
    ticket: Ticket,
    activity: str = Activity.WORK,
    billable: bool = True,
    comment: str = "",
) -> TimeEntry | None:
    """Stop actor's stopwatch on ticket and log its minutes (at least one); None when no
    stopwatch was running (stopped in another tab)."""
    timer = Timer.objects.select_for_update().filter(user=actor, ticket=ticket).first()
    if timer is None:
        return None
    elapsed = timezone.now() - timer.started_at
    timer.delete()
    caching.forget_timers(actor.pk)
    minutes = max(1, int(-(-elapsed.total_seconds() // 60)))
    minutes = min(minutes, 24 * 60)
    return log_time(
        actor=actor,
        ticket=ticket,
        minutes=minutes,
        activity=activity,
        billable=billable,
        comment=comment,
    )


@transaction.atomic
def cancel_timer(*, actor: User, ticket: Ticket) -> None:
    Timer.objects.filter(user=actor, ticket=ticket).delete()
    caching.forget_timers(actor.pk)


# --- contracts ------------------------------------------------------------------------------


def contract_for(organization_id: int | None, day: dt.date) -> Contract | None:
    """The active contract of an organization on day (the latest started)."""
    if organization_id is None:
        return None
    return (
        Contract.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
            organization_id=organization_id,
            is_active=True,
            starts_on__lte=day,
        )
        .order_by("-starts_on", "-pk")
        .first()
    )


def rounded_minutes(unit: int):
    """An entry's minutes rounded up to unit in SQL (a negative correction away from zero), as
    pricing.round_up does."""
    if unit <= 0:
        return F("minutes")
    as_float = Cast(F("minutes"), FloatField())
    up = Ceil(as_float / unit) * unit
    down = -Ceil(-as_float / unit) * unit
    return Cast(Case(When(minutes__lt=0, then=down), default=up), IntegerField())


# Ticket types billed on their accepted estimate rather than on time (seed 002: evolutions).
ESTIMATE_TYPES = ("evolution",)


def billed_on_time() -> Q:
    """Time entries billed on time, so counted against the contract (a prepaid block's hours,
    time and materials): not those of an evolution nor of a ticket with an accepted estimate,
    which the estimate bills."""
    estimate_type = Ticket.objects.filter(pk=OuterRef("ticket_id"), type__code__in=ESTIMATE_TYPES)
    accepted = Estimate.objects.filter(
        ticket_id=OuterRef("ticket_id"), state=Estimate.State.ACCEPTED
    )
    return ~Exists(estimate_type) & ~Exists(accepted)


def contract_lines(contract: Contract, *, until: dt.date | None = None) -> list[pricing.Line]:
    """Billable time of the contract's organization over its period, billed on time
    (billed_on_time), summed in the database (one query, one row per ticket, activity, level
    and off-hours flag; per-entry rounding is applied to each entry before the sum), so that
    its cost does not grow with the entries. until: up to that day (a month's statement). The
    balance page, the 80 % / 100 % alerts, the invoices and the statements all count this."""
    entries = TimeEntry.objects.filter(
        billed_on_time(),
        ticket__organization_id=contract.organization_id,
        billable=True,
        work_date__gte=contract.starts_on,
    )
    if contract.ends_on:
        entries = entries.filter(work_date__lte=contract.ends_on)
    if until is not None:
        entries = entries.filter(work_date__lte=until)
    per_ticket = contract.rounding_scope == Contract.RoundingScope.TICKET
    total = Sum("minutes") if per_ticket else Sum(rounded_minutes(contract.rounding_minutes))
    rows = (
        entries.values("ticket_id", "activity", "level", "off_hours")
        .annotate(total=total)
        .order_by()
        .values_list("ticket_id", "total", "activity", "level", "off_hours")
    )
    return [pricing.Line(*row) for row in rows]


def rate_table(contract: Contract) -> dict:
    return {(r.activity, r.level): r.hourly_rate for r in contract.rates.all()}


def used_minutes(contract: Contract, lines=None) -> int:
    lines = contract_lines(contract) if lines is None else lines
    return pricing.billed_minutes(
        lines,
        unit=contract.rounding_minutes,
        per_ticket=contract.rounding_scope == Contract.RoundingScope.TICKET,
    )


def contract_amount(contract: Contract, lines=None) -> Decimal:
    lines = contract_lines(contract) if lines is None else lines
    return pricing.price_lines(
        lines,
        rates=rate_table(contract),
        default_rate=contract.default_rate,
        multiplier=contract.off_hours_multiplier,
        unit=contract.rounding_minutes,
        per_ticket=contract.rounding_scope == Contract.RoundingScope.TICKET,
    )


def check_alerts(*, organization_id: int, day: dt.date) -> list[int]:
    """Fire the 80 % and 100 % alerts of the organization's prepaid contract, each once (the
    sent date is set on the locked row). Returns the thresholds fired (80, 100)."""
    contract = contract_for(organization_id, day)
    if contract is None or not contract.is_prepaid or contract.total_hours <= 0:
        return []
    contract = locking.lock(contract)
    ratio = pricing.consumed_ratio(used_minutes(contract), contract.total_hours)
    fired = []
    now = timezone.now()
    for threshold, field in zip(
        ALERT_THRESHOLDS, ("alert_80_sent_at", "alert_100_sent_at"), strict=True
    ):
        if ratio >= threshold and getattr(contract, field) is None:
            setattr(contract, field, now)
            fired.append(int(threshold * 100))
    if fired:
        contract.save(update_fields=["alert_80_sent_at", "alert_100_sent_at"])
        transaction.on_commit(partial(_send_alert, contract.pk, max(fired), ratio))
    return fired


def alert_recipients(contract: Contract) -> list[str]:
    sales = contract.organization.sales_reps.filter(is_active=True).values_list("email", flat=True)
    admins = roles.users_with_role(roles.Code.ADMIN).values_list("email", flat=True)
    return sorted({address for address in [*sales, *admins] if address})


def _send_alert(contract_pk: int, threshold: int, ratio: Decimal) -> None:
    contract = Contract.objects.select_related("organization").get(pk=contract_pk)
    context = {
        "contract": contract,
        "threshold": threshold,
        "percent": int(ratio * 100),
        "url": mail.absolute_url(contract.get_absolute_url()),
    }
    for address in alert_recipients(contract):
        mail.send(
            "billing_contract_alert",
            to=address,
            context=context,
            kind="billing_alert",
            key=f"contract-{contract.pk}-{threshold}-{address}",
        )


CONTRACT_FIELDS = (
    "organization",
    "name",
    "kind",
    "currency",
    "default_rate",
    "off_hours_multiplier",
    "rounding_minutes",
    "rounding_scope",
    "block_hours",
    "rollover",
    "starts_on",
    "ends_on",
    "is_active",
)


@transaction.atomic
def save_contract(
    *, actor: User, contract: Contract | None, data: dict, version: int | None = None
) -> Contract:
    """Create (contract None) or edit a contract (admins); an edit made on a stale copy is
    refused. Changing the block re-arms the alerts that no longer hold."""
    if not access.can_manage_contracts(actor):
        raise PermissionDenied
    if contract is None:
        contract = Contract()
    else:
        contract = locking.lock(contract)
        _stale(contract, version, "contract")
        contract.version += 1
    for name in CONTRACT_FIELDS:
        if name in data:
            setattr(contract, name, data[name])
    contract.save()
    if contract.is_prepaid and contract.total_hours > 0:
        ratio = pricing.consumed_ratio(used_minutes(contract), contract.total_hours)
        if ratio < ALERT_THRESHOLDS[0]:
            contract.alert_80_sent_at = None
        if ratio < ALERT_THRESHOLDS[1]:
            contract.alert_100_sent_at = None
        contract.save(update_fields=["alert_80_sent_at", "alert_100_sent_at"])
    return contract


@transaction.atomic
def set_rate(
    *, actor: User, contract: Contract, activity: str, level: int | None, hourly_rate: Decimal
) -> Rate:
    if not access.can_manage_contracts(actor):
        raise PermissionDenied
    rate, _created = Rate.objects.update_or_create(
        contract=contract,
        activity=activity or "",
        level=level,
        defaults={"hourly_rate": hourly_rate},
    )
    return rate


@transaction.atomic
def delete_rate(*, actor: User, rate: Rate) -> None:
    if not access.can_manage_contracts(actor):
        raise PermissionDenied
    rate.delete()


@transaction.atomic
def renew_contract(*, actor: User, contract: Contract, starts_on: dt.date) -> Contract:
    """The next block of a prepaid contract from starts_on: same terms; the old one ends the day
    before; unused hours carry over when the contract says so (never a negative balance)."""
    if not access.can_manage_contracts(actor):
        raise PermissionDenied
    contract = locking.lock(contract)
    if hasattr(contract, "next"):
        raise BillingError(_("This contract was already renewed."))
    if starts_on <= contract.starts_on:
        raise BillingError(_("The new block must start after the current one."))
    contract.ends_on = starts_on - dt.timedelta(days=1)
    contract.save(update_fields=["ends_on"])
    left = Decimal(0)
    if contract.rollover and contract.is_prepaid:
        left = max(Decimal(0), contract.total_hours - pricing.hours(used_minutes(contract)))
    new = Contract.objects.create(
        **{name: getattr(contract, name) for name in CONTRACT_FIELDS if name != "ends_on"},
        ends_on=None,
        rolled_over_hours=left,
        previous=contract,
    )
    Rate.objects.bulk_create(
        Rate(contract=new, activity=r.activity, level=r.level, hourly_rate=r.hourly_rate)
        for r in contract.rates.all()
    )
    return new


# --- estimates ------------------------------------------------------------------------------


def _status(code: str) -> Status | None:
    return Status.objects.filter(code=code, is_active=True).first()


def _move(ticket: Ticket, actor: User, code: str, note: str, *, staff: bool) -> None:
    status = _status(code)
    ticket = Ticket.objects.select_related("status").get(pk=ticket.pk)  # as it is now
    if status is None or ticket.status_id == status.pk:
        return
    try:
        if staff:
            ticket_services.change_status(actor=actor, ticket=ticket, status=status, note=note)
        else:
            ticket_services.move_status_for(actor=actor, ticket=ticket, status=status, note=note)
    except TicketError as exc:
        raise BillingError(str(exc)) from None


@transaction.atomic
def send_estimate(
    *,
    actor: User,
    ticket: Ticket,
    description: str,
    amount: Decimal | None = None,
    hours: Decimal | None = None,
    document=None,
) -> Estimate:
    """An admin or agent sends an estimate (an amount or hours): a pending one is replaced, the
    ticket moves to "En attente validation chiffrage" and the requester gets an email with a
    single-use link."""
    if not access.can_send_estimate(actor, ticket):
        raise PermissionDenied
    Estimate.objects.filter(
        ticket=ticket, change_request__isnull=True, state=Estimate.State.SENT
    ).update(state=Estimate.State.REPLACED)
    estimate = estimates.build_estimate(
        actor=actor,
        ticket=ticket,
        description=description,
        amount=amount,
        hours=hours,
        document=document,
    )
    _move(ticket, actor, WAITING_ESTIMATE, _("Estimate sent to the client."), staff=True)
    transaction.on_commit(partial(estimates.send_estimate_email, estimate.pk))
    return estimate


def _decide(actor: User, estimate: Estimate, *, via_link: bool) -> Estimate:
    estimate = locking.lock(estimate)
    if not estimate.is_pending or (via_link and estimate.link_used_at is not None):
        raise EstimateClosed(_("This estimate was already answered."))
    if not access.can_decide_estimate(actor, estimate):
        raise PermissionDenied
    estimate.decided_by = actor
    estimate.decided_at = timezone.now()
    if via_link:
        estimate.link_used_at = estimate.decided_at
    return estimate


@transaction.atomic
def accept_estimate(*, actor: User, estimate: Estimate, via_link: bool = False) -> Estimate:
    """The client accepts: the ticket moves to "En cours de réalisation"; a change request's
    quote validates the request (billing.quotes)."""
    estimate = _decide(actor, estimate, via_link=via_link)
    estimate.state = Estimate.State.ACCEPTED
    estimate.save(update_fields=["state", "decided_by", "decided_at", "link_used_at"])
    if estimate.change_request_id:
        quotes.decide_request(actor, estimate, accept=True)
    else:
        _move(estimate.ticket, actor, BEING_CARRIED_OUT, _("Estimate accepted."), staff=False)
    return estimate


@transaction.atomic
def refuse_estimate(
    *, actor: User, estimate: Estimate, reason: str, via_link: bool = False
) -> Estimate:
    """The client refuses with a reason: the ticket goes back to analysis, the reason in the
    timeline; a change request's quote cancels the request with the reason (billing.quotes)."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Say why you refuse the estimate: it helps us revise it."))
    estimate = _decide(actor, estimate, via_link=via_link)
    estimate.state = Estimate.State.REFUSED
    estimate.refusal_reason = reason
    estimate.save(
        update_fields=["state", "decided_by", "decided_at", "link_used_at", "refusal_reason"]
    )
    if estimate.change_request_id:
        quotes.decide_request(actor, estimate, accept=False, reason=reason)
        return estimate
    note = _("Estimate refused: %(reason)s") % {"reason": reason}
    _move(estimate.ticket, actor, BACK_TO_ANALYSIS, note, staff=False)
    return estimate
