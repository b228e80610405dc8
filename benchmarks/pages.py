"""Measure pages under load: median and p95 latency and requests/second at concurrency 4.

Usage (PostgreSQL recommended, as production):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python benchmarks/pages.py --tickets 100000 --requests 400

It migrates, seeds with `seed_demo --tickets N` (skipped when the database already holds that
many tickets), runs VACUUM ANALYZE (as autovacuum would); with --no-seed it only migrates. Then
it starts gunicorn on 127.0.0.1, logs in as the demo agent (a session with the second factor
passed, made directly in the database), and hits each page.
The trivial view /ping is the baseline. Bounded: --requests per page, then it stops.

Two modes report the pages as they are when tickets change:
--writer: a thread changes one ticket a second (its priority, through the service, as an agent
  would) while the pages are measured, so counters, page counts and searches are recounted
  after each change, and a changed ticket's page renders its new event.
--counters-cache-off: HELPDESK_COUNTERS_CACHE_SECONDS=0 for the server: every request counts
  and searches as the first one after a ticket change does (cold).
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

DEFAULT_PAGES = ["/ping", "/", "/tickets/"]


def setup_django():
    import django

    django.setup()


def seed(tickets: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    existing = 0
    try:
        from django.apps import apps

        existing = apps.get_model("tickets", "Ticket").objects.count()
    except LookupError:
        pass
    if tickets and existing >= tickets:
        print(f"database already holds {existing} tickets: not seeding")
        call_command("seed_demo")
    else:
        started = time.perf_counter()
        call_command("seed_demo", tickets=max(0, tickets - existing))
        print(f"seeded in {time.perf_counter() - started:.1f}s")
    analyze()


def analyze() -> None:
    """VACUUM ANALYZE, as autovacuum does in production after bulk inserts: planner statistics
    (without them plans are not the ones production gets) and the visibility map (index-only
    scans). Bulk-inserted rows have neither until it runs, and it is off on some CI machines."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def session_cookie(email: str) -> str:
    """A logged-in session (second factor passed) for the benchmark user."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_email.models import EmailDevice

    from accounts.models import User

    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    device, _ = EmailDevice.objects.get_or_create(
        user=user, name="email", defaults={"email": user.email, "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "helpdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def start_writer(stop: threading.Event, shown=(), every: float = 1.0) -> threading.Thread:
    """A thread changing one ticket's priority each second: in turn the tickets of the pages
    measured (shown: their numbers) and the first 100 by number."""
    from django.db import connection

    from accounts.models import User
    from tickets import services
    from tickets.models import Priority, Ticket

    agent = User.objects.get(email="agent@demo.test")
    priorities = list(Priority.objects.filter(is_active=True))
    first = Ticket.objects.order_by("number").values_list("number", flat=True)[:100]
    numbers = [*shown, *first]

    def run():
        turn = 0
        try:
            while not stop.wait(every):
                ticket = Ticket.objects.get(number=numbers[turn % len(numbers)])
                other = next(p for p in priorities if p.pk != ticket.priority_id)
                services.change_priority(actor=agent, ticket=ticket, priority=other)
                turn += 1
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def hammer(port: int, path: str, cookie: str, total: int, concurrency: int):
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append(response.status)

    # Warm-up: one request so caches and connections are ready.
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    warm.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    status = warm.getresponse()
    status.read()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    return {
        "path": path,
        "status": status.status,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": p95 * 1000,
        "rps": len(latencies) / wall,
        "errors": len(errors),
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--user", default="agent@demo.test")
    parser.add_argument("--writer", action="store_true", help="change one ticket a second")
    parser.add_argument(
        "--counters-cache-off",
        action="store_true",
        help="HELPDESK_COUNTERS_CACHE_SECONDS=0: every request counts as after a change",
    )
    parser.add_argument("pages", nargs="*", default=DEFAULT_PAGES)
    args = parser.parse_args()
    if args.counters_cache_off:
        os.environ["HELPDESK_COUNTERS_CACHE_SECONDS"] = "0"  # gunicorn inherits it

    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # production static manifest
    if args.no_seed:
        call_command("migrate", verbosity=0)  # the code measured may bring new tables
    else:
        seed(args.tickets)
    cookie = session_cookie(args.user)
    server = start_gunicorn(args.port, args.workers)
    stop = threading.Event()
    shown = [int(m.group(1)) for p in args.pages if (m := re.fullmatch(r"/tickets/(\d+)/", p))]
    writer = start_writer(stop, shown) if args.writer else None
    try:
        rows = [hammer(args.port, p, cookie, args.requests, args.concurrency) for p in args.pages]
    finally:
        stop.set()
        if writer:
            writer.join(timeout=10)
        server.terminate()
        server.wait(timeout=10)
    baseline = rows[0]["rps"]
    print(
        f"\n{'page':45} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'% of base':>9}"
    )
    for row in rows:
        share = 100 * row["rps"] / baseline
        errors = f"  ({row['errors']} errors)" if row["errors"] else ""
        print(
            f"{row['path'][:45]:45} {row['status']:>6} {row['median_ms']:>10.1f}"
            f" {row['p95_ms']:>8.1f} {row['rps']:>8.1f} {share:>8.0f}%{errors}"
        )


if __name__ == "__main__":
    main()
