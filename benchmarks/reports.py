"""Time every report for a one-year range: median and p95 latency at concurrency 4.

Usage (PostgreSQL, as production; a database of its own, seeded once):
    createdb -h 127.0.0.1 -U postgres helpdesk_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports \
        .venv/bin/python benchmarks/reports.py --tickets 100000 --requests 100

It seeds like benchmarks/pages.py (`seed_demo --tickets N`: ~10 timeline events per ticket, so
~1 million events at 100,000 tickets; skipped when the tickets are there), VACUUM ANALYZE,
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

from pages import hammer, seed, session_cookie, setup_django, start_gunicorn


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
