"""`make run`: set up and start the helpdesk on the embedded defaults.

Migrates, creates the demo accounts and the demo data (`seed_demo --showcase`: tickets in every
state, change requests at every step; added once), then runs three processes side by side:
  web    Django's development server on http://127.0.0.1:8000; with daphne first in
         INSTALLED_APPS it serves the ASGI application: pages and the live chat's WebSockets
         on the same port (one origin: no extra CSP source, the session cookie just works),
         on the in-memory channel layer (no Redis needed)
  worker a Celery worker (embedded broker: kombu's filesystem transport under var/celery/)
  beat   the Celery scheduler for periodic jobs
The terminal shows the URL, the logins, then only the emails (console email: sign-in codes,
notifications) and warnings; everything the three processes write (requests, jobs' INFO lines,
kombu's warnings, banners) goes to var/log/run.log.
Ctrl-C stops all three. Re-running is safe: migrations and the demo seed are idempotent.
With REDIS_URL set, the worker and beat use Redis instead.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HELPDESK_HOST", "127.0.0.1")
PORT = os.environ.get("HELPDESK_PORT", "8000")
LOG = ROOT / "var" / "log" / "run.log"

env = {**os.environ, "PYTHONUNBUFFERED": "1"}
env.setdefault("DJANGO_DEBUG", "1")
env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
# The demo's hotline: change-request step emails have someone to go to (printed here).
env.setdefault("HOTLINE_EMAILS", "hotline@demo.test")

# Celery keeps print() and console email on the worker's stdout instead of logging them as
# warnings (the emails then reach the terminal as they are).
WORKER = (
    "from helpdesk.celery import app; app.conf.worker_redirect_stdouts = False; "
    "app.worker_main(sys.argv[1:])"
)

# A log record: Django's format ("2026-12-07 10:00:00,123 WARNING name message"), Celery's
# ("[2026-12-07 10:00:00,123: WARNING/MainProcess] message"), or a Python warning
# ("path.py:12: SomeWarning: message").
DJANGO_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (?P<level>[A-Z]+) (?P<name>\S+)")
CELERY_RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: (?P<level>[A-Z]+)/")
PY_WARNING = re.compile(r"^\S+:\d+: \w*Warning: ")
SHOWN_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
# Warnings that are the embedded broker's chatter, not something to act on.
QUIET = re.compile(r"kombu|No hostname was supplied")
EMAIL_START = re.compile(r"^(Content-Type|MIME-Version): ")
EMAIL_END = "-" * 79


class Router:
    """Decides, line by line of one process's output, what the terminal shows: console emails
    (from their first header to Django's line of 79 dashes) and warnings or errors with the
    lines that follow them (a traceback); the rest only goes to the log file."""

    def __init__(self):
        self.in_email = False
        self.showing = False

    def shows(self, line: str) -> bool:
        if self.in_email:
            self.in_email = line.rstrip("\n") != EMAIL_END
            return True
        if EMAIL_START.match(line):
            self.in_email, self.showing = True, False
            return True
        record = DJANGO_RECORD.match(line) or CELERY_RECORD.match(line)
        if record:
            self.showing = record["level"] in SHOWN_LEVELS and not QUIET.search(line)
            return self.showing
        if PY_WARNING.match(line):
            self.showing = not QUIET.search(line)
            return self.showing
        return self.showing and bool(line.strip())


def pump(name: str, stream, log, lock: threading.Lock) -> None:
    """Copy a process's output to the log file, and what Router shows to the terminal."""
    router = Router()
    for line in iter(stream.readline, ""):
        with lock:
            log.write(f"{name:6} | {line}")
            log.flush()
            if router.shows(line):
                sys.stdout.write(line)
                sys.stdout.flush()


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    (ROOT / "var" / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v", "0")
    seed = ["seed_demo", "--showcase"]
    if os.environ.get("HELPDESK_DEMO_TICKETS"):
        # Extra bulk tickets, added at every run.
        seed += ["--tickets", os.environ["HELPDESK_DEMO_TICKETS"]]
    manage(*seed)
    commands = {
        "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        # solo pool: one process, fits SQLite and a laptop; production runs prefork on Redis.
        "worker": [
            PY,
            "-c",
            f"import sys; {WORKER}",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "beat",
            "--loglevel=INFO",
            "-s",
            str(ROOT / "var" / "celerybeat-schedule"),
        ],
    }
    log = LOG.open("a", encoding="utf-8")
    lock = threading.Lock()
    procs = {}
    for name, cmd in commands.items():
        procs[name] = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        threading.Thread(
            target=pump, args=(name, procs[name].stdout, log, lock), daemon=True
        ).start()
    print(
        f"\n  Helpdesk is running: http://{HOST}:{PORT}/\n"
        "  Demo logins (password: demo): admin@demo.test, agent@demo.test, sales@demo.test,\n"
        "  dpo@demo.test, dev@demo.test, controller@demo.test, client@demo.test,\n"
        "  client@other.test (all of them: README.md)\n"
        f"  Emails (sign-in codes, notifications) are printed below; the web server's and the\n"
        f"  background jobs' log is in {LOG.relative_to(ROOT)}.\n"
        "  Press Ctrl-C to stop.\n",
        flush=True,
    )

    def stop(*_):
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(
                        f"{name} stopped (exit {proc.returncode}, see {LOG.relative_to(ROOT)}); "
                        "stopping the others.",
                        flush=True,
                    )
                    stop()
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping web, worker and beat…", flush=True)
        stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
