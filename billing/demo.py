"""Demo contracts, time and estimates (seed_demo --showcase, after tickets.demo): a prepaid block
for the demo organization (rates by activity and level, 80 % used so its badge shows), time and
materials for the other; a few weeks of time on the demo tickets (older weeks approved, last
week submitted, this week open); estimates waiting, accepted and refused on evolution requests.
Written through billing.services by the people whose act it is."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from cdc.models import ChangeRequest
from tickets.errors import TicketError
from tickets.models import Ticket

from . import services
from .errors import BillingError
from .models import Activity, Contract, Estimate, Timesheet

COMMENTS = [
    "Analyse du besoin avec le client",
    "Reproduction du problème sur la base de test",
    "Correction du paramétrage",
    "Appel avec l'utilisateur",
    "Recette et mise en production",
    "",
]


def seed_showcase_billing(*, users: dict[str, User], seed: int = 1) -> int:
    """Contracts, time entries and estimates for the demo organizations; returns the entries
    written (0 when the demo organizations already have contracts)."""
    orgs = {
        org.external_id: org
        for org in Organization.objects.filter(
            external_source="demo", external_id__in=["demo", "other"]
        )
    }
    if "demo" not in orgs or Contract.objects.filter(organization__in=orgs.values()).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    admin, agent = users["admin@demo.test"], users["agent@demo.test"]
    today = timezone.localdate()
    start = today.replace(day=1) - dt.timedelta(days=60)
    block = services.save_contract(
        actor=admin,
        contract=None,
        data={
            "organization": orgs["demo"],
            "name": "Bloc de 40 heures",
            "kind": Contract.Kind.PREPAID,
            "default_rate": Decimal("85.00"),
            "off_hours_multiplier": Decimal("1.50"),
            "rounding_minutes": 15,
            "rounding_scope": Contract.RoundingScope.ENTRY,
            "block_hours": Decimal("40"),
            "rollover": True,
            "starts_on": start,
        },
    )
    for activity, level, rate in [
        (Activity.ANALYSIS, None, "95.00"),
        ("", 3, "120.00"),
        (Activity.TRAVEL, None, "60.00"),
    ]:
        services.set_rate(
            actor=admin, contract=block, activity=activity, level=level, hourly_rate=Decimal(rate)
        )
    if "other" in orgs:
        services.save_contract(
            actor=admin,
            contract=None,
            data={
                "organization": orgs["other"],
                "name": "Régie",
                "kind": Contract.Kind.TIME_AND_MATERIALS,
                "default_rate": Decimal("90.00"),
                "rounding_minutes": 30,
                "rounding_scope": Contract.RoundingScope.TICKET,
                "starts_on": start,
            },
        )
    written = _time(agent, admin, orgs["demo"], today, rng, budget_minutes=32 * 60)
    _estimates(agent, users["client@demo.test"], orgs["demo"])
    _change_request_quotes(orgs.values())
    return written


def _time(agent, admin, org, today, rng, *, budget_minutes: int) -> int:
    """About budget_minutes of billable time over the last four weeks on the demo tickets."""
    tickets = list(Ticket.objects.filter(organization=org).order_by("-number")[:25])
    if not tickets:
        return 0
    written, spent = 0, 0
    this_week = services.week_start(today)
    for back in range(3, -1, -1):
        week = this_week - dt.timedelta(weeks=back)
        for offset in range(5):
            day = week + dt.timedelta(days=offset)
            if day > today:
                break
            for _i in range(2):
                if spent >= budget_minutes:
                    break
                minutes = rng.choice([15, 20, 30, 45, 60, 90])
                billable = rng.random() > 0.15
                services.log_time(
                    actor=agent,
                    ticket=rng.choice(tickets),
                    minutes=minutes,
                    activity=rng.choice([Activity.ANALYSIS, Activity.WORK, Activity.WORK]),
                    billable=billable,
                    comment=rng.choice(COMMENTS),
                    day=day,
                )
                spent += minutes if billable else 0
                written += 1
        sheet = Timesheet.objects.filter(user=agent, week_start=week).first()
        if sheet is None or back == 0:
            continue
        sheet = services.submit_timesheet(actor=agent, sheet=sheet, version=None)
        if back > 1:
            services.approve_timesheet(actor=admin, sheet=sheet, version=None)
    return written


def _estimates(agent, client, org) -> None:
    """An estimate waiting, one accepted, one refused then sent again (open evolution requests)."""
    tickets = list(
        Ticket.objects.filter(organization=org, closed_at__isnull=True, resolved_at__isnull=True)
        .filter(type__code__in=["evolution", "amelioration"])
        .order_by("-number")[:3]
    )
    plans = [
        ("waiting", Decimal("1800.00"), None),
        ("accepted", None, Decimal("6")),
        ("refused", Decimal("2400.00"), None),
    ]
    for ticket, (outcome, amount, hours) in zip(tickets, plans, strict=False):
        try:
            with transaction.atomic():
                estimate = services.send_estimate(
                    actor=agent,
                    ticket=ticket,
                    amount=amount,
                    hours=hours,
                    description="Développement, tests et mise en production de la demande.",
                )
                if outcome == "accepted":
                    services.accept_estimate(actor=client, estimate=estimate)
                elif outcome == "refused":
                    services.refuse_estimate(
                        actor=client,
                        estimate=estimate,
                        reason="Le montant dépasse notre budget : pouvez-vous réduire "
                        "le périmètre ?",
                    )
                    services.send_estimate(
                        actor=agent,
                        ticket=ticket,
                        amount=Decimal("1600.00"),
                        description="Périmètre réduit : sans l'export PDF.",
                    )
        except (BillingError, TicketError):
            continue


QUOTE_STATES = {
    "analysis": Estimate.State.SENT,
    "dpo_review": Estimate.State.SENT,
    "client_decision": Estimate.State.SENT,
    "development": Estimate.State.ACCEPTED,
    "delivered": Estimate.State.ACCEPTED,
    "closed": Estimate.State.ACCEPTED,
}


def _change_request_quotes(orgs) -> None:
    """The step-3 quote of the demo change requests the support analysed, in the state their
    step implies (the requests were walked forward by cdc.demo, which cannot write estimates)."""
    requests = ChangeRequest.objects.filter(organization__in=list(orgs)).exclude(solution="")
    for cr in requests.exclude(estimates__isnull=False).prefetch_related("history"):
        state = QUOTE_STATES.get(cr.state)
        if state is None:
            continue
        history = list(cr.history.all())
        spec = next((h for h in history if h.action in ("plan", "save_analysis")), None)
        decision = next((h for h in history if h.action == "validate"), None)
        Estimate.objects.create(
            change_request=cr,
            ticket=cr.ticket,
            amount=Decimal("1850.00"),
            description="Analyse, développement, tests et mise en production.",
            sent_by_id=spec.actor_id if spec else cr.created_by_id,
            sent_at=spec.created_at if spec else cr.updated_at,
            state=state,
            decided_by_id=decision.actor_id if decision else None,
            decided_at=decision.created_at if decision else None,
        )
