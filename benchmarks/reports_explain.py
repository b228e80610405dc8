"""One uncached report at a time, in process: its time, its queries and their EXPLAIN ANALYZE.

Usage (a database seeded by benchmarks/reports.py; read-only apart from the session row):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench_reports \
    REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python benchmarks/reports_explain.py [--only backlog,volume] [--repeat 5] \
        [--plans]

For each report page (the year ending today, as the demo admin, the report cache off) it
prints the best of --repeat in-process requests (the whole page: filters, report, rendering),
the number of queries, and the sum of the PostgreSQL execution times of those queries (the
best of --repeat EXPLAIN (ANALYZE, BUFFERS) of each, after the requests); --plans prints every
plan. Execution times move less with the load of a shared machine than wall-clock times do.
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import session_cookie, setup_django


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--only", default="", help="comma-separated report keys (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--user", default="admin@demo.test")
    parser.add_argument("--plans", action="store_true", help="print every query and its plan")
    args = parser.parse_args()

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from reports.catalog import REPORTS

    end = dt.date.today()
    start = end - dt.timedelta(days=364)
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    keys = [k for k in args.only.split(",") if k] or list(REPORTS)
    paths = [(key, f"/reports/{key}/{query}") for key in keys]
    if not args.only:
        paths.append(("speed, per agent", f"/reports/speed/{query}&group=agent"))
        paths.append(("volume, per day", f"/reports/volume/{query}&period=day"))
    name, value = session_cookie(args.user).split("=", 1)
    client = Client()
    client.cookies[name] = value
    rows = []
    with override_settings(REPORTS_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False):
        for label, path in paths:
            best = None
            for _i in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (path, response.status_code)
                best = elapsed if best is None else min(best, elapsed)
            executed = 0.0
            for captured_query in captured.captured_queries:
                sql = captured_query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                ms = None
                for _i in range(args.repeat):  # the best of --repeat: the least disturbed
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        lines = [line for (line,) in cursor.fetchall()]
                    run_ms = float(lines[-1].split(":")[1].split()[0])
                    if ms is None or run_ms < ms:
                        ms, plan = run_ms, lines
                executed += ms
                if args.plans:
                    print(f"\n--- {label}: {ms:.1f} ms\n{sql}\n" + "\n".join(plan))
            rows.append((label, best, len(captured.captured_queries), executed))
    print(
        f"\n{'report (one-year range, uncached)':36} {'request ms':>11} {'queries':>8} "
        f"{'SQL exec ms':>12}"
    )
    for label, best, count, executed in rows:
        print(f"{label:36} {best:>11.0f} {count:>8} {executed:>12.1f}")


if __name__ == "__main__":
    main()
