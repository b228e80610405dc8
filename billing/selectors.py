"""Page-shaped reads of billing, each a fixed number of queries whatever the number of rows:
the ticket's time box, the week's timesheet, the approval list, contracts and the client's
balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from tickets.models import Ticket

from . import access, pricing, services
from .models import Contract, Estimate, TimeEntry, Timer, Timesheet

RECENT_ENTRIES = 10


@dataclass
class ContractUse:
    contract: Contract
    used_minutes: int
    amount: Decimal
    ratio: Decimal

    @property
    def percent(self) -> int:
        return int(self.ratio * 100)

    @property
    def left_hours(self) -> Decimal:
        return self.contract.total_hours - pricing.hours(self.used_minutes)

    @property
    def badge(self) -> str:
        """ "" (fine), "warning" (80 % used) or "danger" (all used)."""
        if not self.contract.is_prepaid:
            return ""
        if self.ratio >= 1:
            return "danger"
        return "warning" if self.ratio >= Decimal("0.8") else ""


def contract_use(contract: Contract | None) -> ContractUse | None:
    if contract is None:
        return None
    lines = services.contract_lines(contract)
    used = services.used_minutes(contract, lines)
    return ContractUse(
        contract=contract,
        used_minutes=used,
        amount=services.contract_amount(contract, lines),
        ratio=pricing.consumed_ratio(used, contract.total_hours),
    )


@dataclass
class TimeBox:
    ticket: Ticket
    entries: list = field(default_factory=list)
    entry_count: int = 0
    total_minutes: int = 0
    billable_minutes: int = 0
    rounded_minutes: int = 0
    timer: Timer | None = None
    use: ContractUse | None = None
    estimates: list = field(default_factory=list)


def ticket_time_box(user: User, ticket: Ticket) -> TimeBox:
    """The ticket's time and estimates as user may see them: staff get the recent entries and
    totals; customers the billable time rounded as their contract says, never comments."""
    box = TimeBox(ticket=ticket)
    entries = access.visible_entries(user).filter(ticket_id=ticket.pk)
    contract = services.contract_for(ticket.organization_id, timezone.localdate())
    unit = contract.rounding_minutes if contract else 0
    per_ticket = bool(contract) and contract.rounding_scope == Contract.RoundingScope.TICKET
    billable = Q(billable=True)
    totals = entries.aggregate(
        n_entries=Count("id"),
        all_minutes=Sum("minutes"),
        billable_minutes=Sum("minutes", filter=billable),
        rounded_minutes=Sum(services.rounded_minutes(0 if per_ticket else unit), filter=billable),
    )
    box.entry_count = totals["n_entries"]
    box.total_minutes = totals["all_minutes"] or 0
    box.billable_minutes = totals["billable_minutes"] or 0
    rounded = totals["rounded_minutes"] or 0
    box.rounded_minutes = pricing.round_up(rounded, unit) if per_ticket else rounded
    if access.sees_time_details(user):
        box.entries = list(
            entries.select_related("user").order_by("-work_date", "-id")[:RECENT_ENTRIES]
        )
        box.use = contract_use(contract) if contract else None
    if access.logs_time(user):
        box.timer = Timer.objects.filter(user=user, ticket=ticket).first()
    box.estimates = list(
        access.visible_estimates(user, ticket).select_related("sent_by", "decided_by")[:10]
    )
    return box


@dataclass
class Week:
    sheet: Timesheet
    start: dt.date
    days: list
    rows: list
    total: int
    previous: dt.date
    next: dt.date


def timesheet_week(user: User, day: dt.date) -> Week:
    """user's week (created empty on first save, not on reading: a GET writes nothing)."""
    start = services.week_start(day)
    sheet = Timesheet.objects.filter(user=user, week_start=start).first() or Timesheet(
        user=user, week_start=start
    )
    rows = []
    if sheet.pk:
        rows = list(
            TimeEntry.objects.filter(timesheet=sheet)
            .select_related("ticket", "corrects", "created_by")
            .annotate(correction_count=Count("corrections"))
            .order_by("work_date", "id")
        )
    return Week(
        sheet=sheet,
        start=start,
        days=[start + dt.timedelta(days=i) for i in range(7)],
        rows=rows,
        total=sum(r.minutes for r in rows),
        previous=start - dt.timedelta(days=7),
        next=start + dt.timedelta(days=7),
    )


def approval_rows():
    """Submitted timesheets, oldest week first, with their totals (one query)."""
    return (
        Timesheet.objects.filter(state=Timesheet.State.SUBMITTED)
        .select_related("user")
        .annotate(total=Sum("entries__minutes"), count=Count("entries"))
        .order_by("week_start", "user__last_name")
    )


def contract_rows(user: User):
    return (
        access.visible_contracts(user)
        .select_related("organization")
        .order_by("organization__name", "-starts_on")
    )


def contract_page(contract: Contract) -> dict:
    """The contract page: its rates, consumption and the busiest tickets (bounded)."""
    use = contract_use(contract)
    tickets = (
        TimeEntry.objects.filter(
            Q(work_date__lte=contract.ends_on) if contract.ends_on else Q(),
            ticket__organization_id=contract.organization_id,
            billable=True,
            work_date__gte=contract.starts_on,
        )
        .values("ticket__number", "ticket__title")
        .annotate(minutes=Sum("minutes"))
        .order_by("-minutes")[:20]
    )
    return {"use": use, "rates": list(contract.rates.all()), "tickets": list(tickets)}


def balance_rows(user: User) -> list[ContractUse]:
    """The client's current contracts and what is left of them."""
    today = timezone.localdate()
    contracts = (
        access.visible_contracts(user)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), is_active=True)
        .select_related("organization")
        .prefetch_related("rates")
    )
    return [contract_use(c) for c in contracts[:10]]


def client_ticket_time(user: User, limit: int = 50):
    """Billable time per ticket the client sees (raw minutes; rounding shown per contract)."""
    return (
        access.visible_entries(user)
        .values("ticket__number", "ticket__title")
        .annotate(minutes=Sum("minutes"))
        .order_by("-ticket__number")[:limit]
    )


def pending_estimates(ticket: Ticket):
    return Estimate.objects.filter(
        ticket=ticket, change_request__isnull=True, state=Estimate.State.SENT
    )


def quote_panel(user: User, cr) -> list[Estimate]:
    """The change request's quotes, newest first (the panel on the request's page)."""
    return list(access.visible_quotes(user, cr).select_related("sent_by", "decided_by")[:10])
