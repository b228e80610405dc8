"""The ticket page with 200 time entries: median and p95 of the page and of its time box (the
fragment the page loads), and the queries each runs, in process (Django's test client).

Usage (PostgreSQL, as production):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_billing_bench \
        .venv/bin/python benchmarks/time_entries.py --entries 200 --requests 100

It migrates, makes (once) a ticket with --entries time entries under a prepaid contract, logs in
as an agent and times GET /tickets/<n>/ and GET /billing/tickets/<n>/time/.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1")

TITLE = "Benchmark: ticket with many time entries"


def setup(entries: int):
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts import roles
    from accounts.models import Organization, Role, User
    from billing import services
    from billing.models import TimeEntry
    from tickets import services as ticket_services
    from tickets.models import Ticket

    org, _ = Organization.objects.get_or_create(name="Bench SARL")
    agent = User.objects.filter(email="bench-agent@bench.test").first()
    if agent is None:
        agent = User.objects.create_user(
            email="bench-agent@bench.test", password=None
        )  # logged in directly
        roles.grant(agent, [Role.Code.AGENT], support_level=2)
        admin = User.objects.create_user(
            email="bench-admin@bench.test", password=None
        )  # logged in directly
        roles.grant(admin, [Role.Code.ADMIN])
        client = User.objects.create_user(
            email="bench-client@bench.test", password=None
        )  # logged in directly
        client.organization = org
        client.save()
        roles.grant(client, [Role.Code.CLIENT_USER])
        services.save_contract(
            actor=admin,
            contract=None,
            data={
                "organization": org,
                "name": "Bench block",
                "kind": "prepaid",
                "default_rate": Decimal("80"),
                "block_hours": Decimal("1000"),
                "starts_on": dt.date(2020, 1, 1),
            },
        )
    ticket = Ticket.objects.filter(title=TITLE).first()
    if ticket is None:
        client = User.objects.get(email="bench-client@bench.test")
        ticket = ticket_services.create_ticket(actor=client, title=TITLE, description="bench")
    have = TimeEntry.objects.filter(ticket=ticket).count()
    today = dt.date.today()
    for i in range(have, entries):
        services.log_time(
            actor=agent,
            ticket=ticket,
            minutes=10 + i % 50,
            comment=f"entry {i}",
            day=today - dt.timedelta(days=i % 5),
        )
    return agent, ticket


def measure(client, path: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection

    client.get(path)  # warm up
    captured = []

    def count(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: the test client's request_started empties the log.
    with connection.execute_wrapper(count):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(captured)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    agent, ticket = setup(args.entries)
    from django.test import Client

    client = Client()
    client.force_login(agent)
    # The second factor as the login would have passed it.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_email.models import EmailDevice

    device, _ = EmailDevice.objects.get_or_create(
        user=agent, name="email", defaults={"email": agent.email, "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    print(f"ticket #{ticket.number}, {args.entries} time entries, {args.requests} requests")
    for path in (f"/tickets/{ticket.number}/", f"/billing/tickets/{ticket.number}/time/"):
        median, p95, queries = measure(client, path, args.requests)
        print(f"{path:40} median {median:6.1f} ms  p95 {p95:6.1f} ms  {queries} queries")


if __name__ == "__main__":
    main()
