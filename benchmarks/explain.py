"""EXPLAIN ANALYZE of the ticket queries the benchmarked pages run, into results/explain_*.txt.

Usage (the database benchmarks/pages.py seeded):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python benchmarks/explain.py

Each page is requested twice as the demo agent through Django's test client; the queries of
the second request that read tickets are explained with their parameters (a query that does
not read a ticket table, such as the session or the role lookup, is left out).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Counters and page counts are cached until the next ticket change: explain them as they run
# then, rather than leave them out of the second request.
os.environ["HELPDESK_COUNTERS_CACHE_SECONDS"] = "0"

PAGES = {
    "default_list": ["/tickets/", "/tickets/?page=400"],
    "filtered_list": ["/tickets/?category=open&priority=1"],
    "saved_views": [
        "/tickets/?assignee=me&open=1",
        "/tickets/?assignee=none&open=1",
        "/tickets/?overdue=1",
        "/tickets/?category=new",
    ],
    "search": ["/tickets/?q=imprimante", "/tickets/?q=serveur+messagerie"],
    "detail": ["/tickets/50000/"],
    "dashboard": ["/"],
}


def main():
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from pages import session_cookie

    name, value = session_cookie("agent@demo.test").split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[name] = value
    for result, paths in PAGES.items():
        out = []
        for path in paths:
            client.get(path, secure=True)
            captured = []

            def capture(execute, sql, params, many, context, captured=captured):
                captured.append((sql, params))
                return execute(sql, params, many, context)

            with connection.execute_wrapper(capture):
                assert client.get(path, secure=True).status_code == 200
            for sql, params in captured:
                if "tickets_" not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                query = " ".join(sql.split())
                out.append(
                    f"-- {path}\n-- {query[:300]}{' …' if len(query) > 300 else ''}\n{plan}\n"
                )
        target = ROOT / "benchmarks" / "results" / f"explain_{result}.txt"
        target.write_text("\n".join(out))
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
