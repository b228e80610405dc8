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


def child(requests: int, paths: list[str], no_gc: bool = False) -> None:
    """Under valgrind: warm up, then load each page when the parent says so."""
    sys.path.insert(0, str(HERE))
    import pages  # sets up the environment for Django

    pages.setup_django()
    from django.test import Client

    name, value = pages.session_cookie("agent@demo.test").split("=", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[name] = value
    for path in paths:
        for _ in range(3):
            assert client.get(path).status_code == 200, path
    if no_gc:
        # Count the requests' own work: a full garbage collection (some 50 M instructions)
        # otherwise lands in whichever page's requests happen to cross its threshold, and that
        # page reads 10-15 % higher in one list of pages than measured alone.
        gc.disable()
    for path in paths:
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(requests):
            client.get(path)
    print("ready", flush=True)
    sys.stdin.readline()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=8, help="loads counted per page")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-gc", action="store_true", help="garbage collector off while counting")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.paths, args.no_gc)
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
        print(f"{path:50} {counted() / args.requests / 1e6:8.1f} M instructions per request")
    process.stdin.write("\n")
    process.stdin.flush()
    process.wait()


if __name__ == "__main__":
    main()
