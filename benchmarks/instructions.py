"""Count the CPU instructions the Django process spends on a page: a figure that does not move
with the machine's load, unlike timings (the database server's work is not counted).

Usage (valgrind from Debian's packages; the database seeded as for pages.py):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python benchmarks/instructions.py /tickets/ "/tickets/?q=imprimante"

It starts itself under callgrind with instrumentation off, logs in as the demo agent, loads each
page a few times (caches warm), then counts --requests loads of each page and prints millions of
instructions per request. Two runs of the same code agree within about 1 %. --no-gc turns the
garbage collector off once the pages are warm: where a full collection falls depends on the
list of pages, and it adds some 50 M instructions to the page it falls in.
--after-change counts each page right after a ticket change, as the first load after someone
changed a ticket does (counters and page counts recounted; on a ticket page, that ticket
changed, so its timeline has a new event): before each load, a writer changes the priority of
the ticket shown (or of ticket 1 for other pages); the writes alone are counted apart and taken
off, so the figure is the page's own. Its warm-up loads follow a change too. The counted
process keeps counters and rows 10 minutes (HELPDESK_COUNTERS_CACHE_SECONDS, 30 s in
production; see child()).
--file-ticket: also count filing a ticket (POST /tickets/new/, then the redirect not followed),
as the demo agent for client@demo.test's organization and as client@demo.test; each counted
request files a new ticket (a few dozen tickets added to the database).
"""

import argparse
import gc
import glob
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _writer(path: str):
    """A change to make before each load (--after-change): the priority of the ticket the page
    shows, or of ticket 1, moved to another one and back."""
    from accounts.models import User
    from tickets import services
    from tickets.models import Priority, Ticket

    match = re.fullmatch(r"/tickets/(\d+)/", path)
    ticket = Ticket.objects.get(number=int(match.group(1)) if match else 1)
    agent = User.objects.get(email="agent@demo.test")
    priorities = list(Priority.objects.filter(is_active=True))

    def change():
        ticket.refresh_from_db()
        other = next(p for p in priorities if p.pk != ticket.priority_id)
        services.change_priority(actor=agent, ticket=ticket, priority=other)

    return change


FILERS = ("agent@demo.test", "client@demo.test")


def _filing(pages, email: str):
    """A function filing one ticket through the web form as email (the demo agent for the
    demo client's organization and contact, or the demo client for themselves)."""
    from django.test import Client

    from accounts.models import User
    from tickets.models import TicketType

    client = Client(HTTP_HOST="127.0.0.1")
    name, value = pages.session_cookie(email).split("=", 1)
    client.cookies[name] = value
    contact = User.objects.get(email="client@demo.test")
    kind = TicketType.objects.filter(is_active=True, is_development=False).order_by("order").first()
    data = {
        "title": "Imprimante en panne",
        "description": "Elle ne s'allume plus depuis ce matin.",
        "type": kind.pk,
        "criticality": "medium",
    }
    if email != contact.email:
        data.update(organization=contact.organization_id, requester=contact.pk, channel="web")

    def file():
        response = client.post("/tickets/new/", data)
        assert response.status_code == 302, (email, response.status_code)

    return file


def child(requests: int, paths: list[str], no_gc: bool = False, after_change=False) -> None:
    """Under valgrind: warm up, then load each page when the parent says so."""
    sys.path.insert(0, str(HERE))
    # Under valgrind a request takes some fifty times longer: with the production lifetime of
    # the counters and rows (30 s), rows rendered during the warm-up would expire during the
    # counted loads, which then count renderings the same loads would not make at full speed,
    # more of them the busier the machine. Kept 10 minutes here, a load right after a change
    # counts what it is: the changed ticket's row and the recounts.
    os.environ.setdefault("HELPDESK_COUNTERS_CACHE_SECONDS", "600")
    import pages  # sets up the environment for Django

    pages.setup_django()
    from django.test import Client

    name, value = pages.session_cookie("agent@demo.test").split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[name] = value
    filings = {f"POST /tickets/new/ as {email}": _filing(pages, email) for email in FILERS}
    changes = {path: _writer(path) for path in paths if after_change and path not in filings}
    for path in paths:
        # Warm as a long-running worker is: with --after-change, each warm load follows a
        # change too, so what only a load after a change does for the first time in a process
        # (compiling the rows' template, a statement) is not counted as every load's work.
        change = changes.get(path)
        for _ in range(3):
            if change:
                change()
            if path in filings:
                filings[path]()
            else:
                assert client.get(path).status_code == 200, path
    if no_gc:
        # Count the requests' own work: a full garbage collection (some 50 M instructions)
        # otherwise lands in whichever page's requests happen to cross its threshold, and that
        # page reads 10-15 % higher in one list of pages than measured alone.
        gc.disable()
    for path in paths:
        change = changes.get(path)
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(requests):
            if change:
                change()
            if path in filings:
                filings[path]()
            else:
                client.get(path)
        if change:
            # The writes alone, counted apart (the parent takes them off).
            print("ready", flush=True)
            sys.stdin.readline()
            for _ in range(requests):
                change()
    print("ready", flush=True)
    sys.stdin.readline()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=8, help="loads counted per page")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-gc", action="store_true", help="garbage collector off while counting")
    parser.add_argument(
        "--after-change", action="store_true", help="each load right after a ticket change"
    )
    parser.add_argument(
        "--file-ticket", action="store_true", help="also count filing a ticket (agent, client)"
    )
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.file_ticket:
        args.paths += [f"POST /tickets/new/ as {email}" for email in FILERS]
    if args.child:
        child(args.requests, args.paths, args.no_gc, args.after_change)
        return
    out = tempfile.mkdtemp()
    process = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}/cg.%p",
            sys.executable,
            __file__,
            "--child",
            "--requests",
            str(args.requests),
            *(["--no-gc"] if args.no_gc else []),
            *(["--after-change"] if args.after_change else []),
            *args.paths,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def control(*options: str) -> None:
        subprocess.run(["callgrind_control", *options, str(process.pid)], capture_output=True)

    def counted() -> int:
        control("-d")
        dumps = sorted(glob.glob(f"{out}/cg.*"), key=os.path.getmtime)
        text = Path(dumps[-1]).read_text()
        for dump in dumps:
            os.remove(dump)
        return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))

    def step() -> None:
        process.stdin.write("\n")
        process.stdin.flush()
        if process.stdout.readline().strip() != "ready":
            raise SystemExit("the counted process stopped")

    if process.stdout.readline().strip() != "ready":
        raise SystemExit("the counted process did not start")
    control("-i", "on")
    for path in args.paths:
        control("-z")
        step()
        total = counted()
        if args.after_change and not path.startswith("POST "):
            step()
            total -= counted()
        print(f"{path:50} {total / args.requests / 1e6:8.1f} M instructions per request")
    process.stdin.write("\n")
    process.stdin.flush()
    process.wait()


if __name__ == "__main__":
    main()
