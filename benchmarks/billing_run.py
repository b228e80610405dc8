"""A billing run for 300 client organizations and 100,000 time entries: the time to build every
draft invoice (the goal: under a minute).

Usage (PostgreSQL, as production; a database of its own, seeded once):
    createdb -h 127.0.0.1 -U postgres hs_invoices_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_invoices_bench \
        .venv/bin/python benchmarks/billing_run.py --orgs 300 --entries 100000

Seeding (skipped when the organizations are there) bulk-inserts the organizations (a third on a
prepaid block with rates, the rest on time and materials), 10 tickets each (one in ten an
evolution with an accepted estimate), and the time entries spread over last month. Each
measured run starts from nothing billed (earlier invoices of the benchmark are deleted).
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")

PREFIX = "Bench invoicing"


def period():
    end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def seed(orgs: int, entries: int) -> None:
    import random
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from accounts import roles
    from accounts.models import Organization, Role, User
    from billing.models import Contract, Estimate, Rate, TimeEntry, Timesheet
    from tickets.models import Status, Ticket, TicketCounter, TicketType

    if Organization.objects.filter(name__startswith=PREFIX).count() >= orgs:
        return
    rng = random.Random(7)
    start, end = period()
    with transaction.atomic():
        agent = User.objects.create_user(email="bench-invoicing@bench.test", password=None)
        roles.grant(agent, [Role.Code.AGENT], support_level=2)
        status = Status.objects.order_by("order").first()
        evolution = TicketType.objects.get(code="evolution")
        incident = TicketType.objects.get(code="incident")
        created = Organization.objects.bulk_create(
            Organization(name=f"{PREFIX} {i:03d}") for i in range(orgs)
        )
        contracts = Contract.objects.bulk_create(
            Contract(
                organization=org,
                name=f"Contrat {org.name}",
                kind="prepaid" if i % 3 == 0 else "time",
                default_rate=Decimal("85"),
                block_hours=Decimal("20") if i % 3 == 0 else Decimal("0"),
                rounding_minutes=15,
                rounding_scope="ticket" if i % 2 else "entry",
                off_hours_multiplier=Decimal("1.5"),
                starts_on=start - dt.timedelta(days=90),
            )
            for i, org in enumerate(created)
        )
        Rate.objects.bulk_create(
            Rate(contract=c, activity="analysis", level=None, hourly_rate=Decimal("95"))
            for c in contracts
        )
        first = (
            Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        tickets = Ticket.objects.bulk_create(
            Ticket(
                number=first + n,
                title=f"Bench ticket {n}",
                status=status,
                organization=org,
                type=evolution if n % 10 == 0 else incident,
            )
            for n, org in enumerate(org for org in created for _ in range(10))
        )
        TicketCounter.objects.update_or_create(
            name="ticket", defaults={"value": first + len(tickets)}
        )
        now = timezone.now()
        Estimate.objects.bulk_create(
            Estimate(ticket=t, amount=Decimal("1200"), description="Bench", state="accepted",
                     decided_at=now - dt.timedelta(days=40), sent_at=now - dt.timedelta(days=45))
            for t in tickets if t.type_id == evolution.pk
        )  # fmt: skip
        days = [start + dt.timedelta(days=d) for d in range((end - start).days + 1)]
        sheets = {}
        for day in days:
            monday = day - dt.timedelta(days=day.weekday())
            if monday not in sheets:
                sheets[monday] = Timesheet.objects.create(user=agent, week_start=monday)
        batch = []
        for i in range(entries):
            day = rng.choice(days)
            ticket = tickets[rng.randrange(len(tickets))]
            batch.append(
                TimeEntry(
                    ticket=ticket,
                    user=agent,
                    timesheet=sheets[day - dt.timedelta(days=day.weekday())],
                    work_date=day,
                    minutes=rng.choice([5, 10, 20, 30, 45, 60, 90]),
                    activity="analysis" if i % 4 == 0 else "work",
                    level=2,
                    off_hours=day.weekday() >= 5,
                    task_title=ticket.title,
                )
            )
            if len(batch) == 10_000:
                TimeEntry.objects.bulk_create(batch)
                batch = []
        TimeEntry.objects.bulk_create(batch)


def reset() -> None:
    from accounts.models import Organization
    from billing.models import TimeEntry
    from invoicing.models import Invoice, InvoiceCounter, InvoiceLine

    orgs = Organization.objects.filter(name__startswith=PREFIX)
    InvoiceLine.objects.filter(invoice__organization__in=orgs).delete()
    Invoice.objects.filter(organization__in=orgs, kind="credit").delete()
    Invoice.objects.filter(organization__in=orgs).delete()
    InvoiceCounter.objects.all().delete()
    TimeEntry.objects.filter(ticket__organization__in=orgs).update(billed_at=None)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    seed(args.orgs, args.entries)
    print(f"seed: {time.perf_counter() - t0:.1f} s")
    reset()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from accounts.models import Organization
    from billing.models import TimeEntry
    from invoicing import services
    from invoicing.models import InvoiceEntry

    orgs = list(Organization.objects.filter(name__startswith=PREFIX).values_list("pk", flat=True))
    entries = TimeEntry.objects.filter(ticket__organization__in=orgs).count()
    start, end = period()
    t0 = time.perf_counter()
    result = services.run_billing(actor=None, start=start, end=end, organization_ids=orgs)
    elapsed = time.perf_counter() - t0
    linked = InvoiceEntry.objects.filter(invoice__in=result.invoices).count()
    print(
        f"billing run: {len(orgs)} organizations, {entries} time entries -> "
        f"{len(result.invoices)} drafts ({linked} entries on them) in {elapsed:.1f} s "
        f"({connection.vendor})"
    )


if __name__ == "__main__":
    main()
