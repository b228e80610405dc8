"""Time every report for a one-year range: median and p95 latency at concurrency 4.

Usage (PostgreSQL, as production; a database of its own, seeded once):
    createdb -h 127.0.0.1 -U postgres helpdesk_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports \
        .venv/bin/python benchmarks/reports.py --tickets 100000 --requests 100

It seeds like benchmarks/pages.py (`seed_demo --tickets N`: ~10 timeline events per ticket, so
~1 million events at 100,000 tickets; skipped when the tickets are there), adds the status
changes seed_demo does not write (~160,000 at 100,000 tickets, once), VACUUM ANALYZE,
starts gunicorn, logs in as the demo admin (a manager: every ticket), and hits each report page
and its CSV and XLSX exports for the year ending today. The target: p95 under 500 ms.

--uncached starts gunicorn with the report cache off (benchmarks/uncached_settings.py:
REPORTS_CACHE_SECONDS = 0), so every request computes its report: the cost of the first view
of a report, which the five-minute cache hides from the rest. --read-only measures a database
seeded elsewhere (a shared one) without migrating, seeding or analysing it; the only write is
the benchmark user's session row:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
    REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python benchmarks/reports.py --read-only --uncached --requests 20
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import analyze, hammer, seed, session_cookie, setup_django, start_gunicorn

# seed_demo writes no status change: the backlog by status category would read none. Every
# ticket not "new" moved to "Pris en charge" early on (two in three), then to its current status;
# one in twenty reopened (resolved -> "En cours") in between; one in twenty escalated. About
# 160,000 events at 100,000 tickets, written once (PostgreSQL), the statuses by their codes.
STATUS_CHANGES = """
WITH s AS (SELECT code, id FROM tickets_status),
t AS (
    SELECT id, status_id, created_at,
           coalesce(resolved_at, closed_at, now()) - created_at AS span
    FROM tickets_ticket WHERE status_id <> (SELECT id FROM s WHERE code = 'ouvert')
),
ids AS (
    SELECT (SELECT id FROM s WHERE code = 'ouvert') AS new_id,
           (SELECT id FROM s WHERE code = 'pris-en-charge') AS taken,
           (SELECT id FROM s WHERE code = 'en-cours') AS working,
           (SELECT id FROM s WHERE code = 'resolu') AS resolved
)
INSERT INTO tickets_event
    (kind, action_type, action_at, created_at, body, is_internal, data, ticket_id)
SELECT 'status', 'event', created_at + span * 0.1, created_at + span * 0.1, '', false,
       jsonb_build_object('old', new_id, 'new', taken), t.id
FROM t, ids WHERE t.id % 3 <> 0 AND status_id <> taken
UNION ALL
SELECT 'reopen', 'event', created_at + span * 0.4, created_at + span * 0.4, '', false,
       jsonb_build_object('old', resolved, 'new', working), t.id
FROM t, ids WHERE t.id % 20 = 1
UNION ALL
SELECT 'escalation', 'event', created_at + span * 0.3, created_at + span * 0.3, '', true,
       jsonb_build_object('old', 1, 'new', 2), t.id
FROM t, ids WHERE t.id % 20 = 2
UNION ALL
SELECT 'status', 'event', created_at + span * 0.6, created_at + span * 0.6, '', false,
       jsonb_build_object(
           'old',
           CASE WHEN t.id % 20 = 1 THEN working
                WHEN t.id % 3 <> 0 AND status_id <> taken THEN taken
                ELSE new_id END,
           'new', status_id),
       t.id
FROM t, ids
"""


def seed_status_changes() -> None:
    """Status changes, reopenings and escalations for the seeded tickets, once."""
    from django.db import connection

    from tickets.models import Event

    if connection.vendor != "postgresql":
        return
    if Event.objects.filter(kind__in=[Event.Kind.STATUS, Event.Kind.REOPEN]).exists():
        return
    with connection.cursor() as cursor:
        cursor.execute(STATUS_CHANGES)
        print(f"{cursor.rowcount} status changes, reopenings and escalations added")
    analyze()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--user", default="admin@demo.test")
    parser.add_argument("--exports", action="store_true", help="also time the CSV and XLSX")
    parser.add_argument("--only", default="", help="comma-separated report keys (default: all)")
    parser.add_argument(
        "--uncached", action="store_true", help="report cache off: every request computes"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="a database seeded elsewhere: no migrate, seed or VACUUM",
    )
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command

    from reports.catalog import REPORTS

    call_command("collectstatic", "--noinput", verbosity=0)
    if args.read_only:
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    elif args.no_seed:
        call_command("migrate", verbosity=0)
    else:
        seed(args.tickets)
        seed_status_changes()
    if args.uncached:
        # gunicorn's workers read the settings module from the environment.
        os.environ["DJANGO_SETTINGS_MODULE"] = "uncached_settings"
        here = str(Path(__file__).resolve().parent)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (here, os.environ.get("PYTHONPATH", "")) if p
        )
    end = dt.date.today()
    start = end - dt.timedelta(days=364)
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    paths = ["/ping"]
    keys = [k for k in args.only.split(",") if k] or list(REPORTS)
    for key in keys:
        paths.append(f"/reports/{key}/{query}")
        if args.exports:
            paths += [f"/reports/{key}/export.csv{query}", f"/reports/{key}/export.xlsx{query}"]
    if not args.only:
        paths.append(f"/reports/speed/{query}&group=agent")
        paths.append(f"/reports/volume/{query}&period=day")
    cookie = session_cookie(args.user)
    server = start_gunicorn(args.port, args.workers)
    try:
        # Every gunicorn worker imports the reports and compiles their templates once: done
        # here, not counted (it made the first page measured, volume, look seconds slow).
        for path in paths[1:]:
            hammer(args.port, path, cookie, args.workers, args.workers)
        rows = [hammer(args.port, p, cookie, args.requests, args.concurrency) for p in paths]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a busy machine: do not lose the figures
            server.kill()
    mode = "report cache off" if args.uncached else "report cache on"
    print(f"\n{mode}, {args.requests} requests per page, concurrency {args.concurrency}")
    print(
        f"{'page (one-year range)':52} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'req/s':>7}"
    )
    for row in rows:
        errors = f"  ({row['errors']} errors)" if row["errors"] else ""
        path = row["path"].replace(query, "")
        print(
            f"{path[:52]:52} {row['status']:>6} {row['median_ms']:>10.1f}"
            f" {row['p95_ms']:>8.1f} {row['rps']:>7.1f}{errors}"
        )


if __name__ == "__main__":
    main()
