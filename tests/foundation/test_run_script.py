"""`make run` (scripts/run.py): the terminal shows the URL, the logins, then only emails and
warnings; the web server's and the jobs' INFO lines and kombu's chatter go to var/log/run.log."""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _run_module():
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "scripts" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_terminal_gets_emails_and_warnings_and_nothing_else():
    router = _run_module().Router()
    lines = [
        "[2026-12-07 10:00:00,123: INFO/MainProcess] Scheduler: Sending due task heartbeat",
        "[2026-12-07 10:00:00,124: WARNING/MainProcess] No hostname was supplied. Reverting",
        "2026-12-07 10:00:00,125 WARNING kombu.connection No hostname was supplied.",
        '[07/Dec/2026 10:00:01] "GET / HTTP/1.1" 200 5120',
        "2026-12-07 10:00:02,000 INFO intake.services polled 0 mailboxes",
        'Content-Type: text/plain; charset="utf-8"',
        "Subject: Votre code de connexion",
        "",
        "Votre code : 123456",
        "-" * 79,
        " -------------- celery@vm v5.7.0 (collider)",
        "2026-12-07 10:00:03,000 ERROR tickets.events subscriber failed",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "[2026-12-07 10:00:04,000: INFO/MainProcess] Task received",
    ]
    shown = [line for line in lines if router.shows(line + "\n")]
    assert shown == [
        'Content-Type: text/plain; charset="utf-8"',
        "Subject: Votre code de connexion",
        "",
        "Votre code : 123456",
        "-" * 79,
        "2026-12-07 10:00:03,000 ERROR tickets.events subscriber failed",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_run_prints_emails_but_no_info_lines(tmp_path):
    """Starts scripts/run.py (migrate, demo seed, web, worker, beat) on a database of its own
    and a free port, has an email sent, and stops it."""
    log = ROOT / "var" / "log" / "run.log"
    offset = log.stat().st_size if log.exists() else 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        HELPDESK_PORT=str(_free_port()),
        HELPDESK_TESTING="0",
    )
    out = tmp_path / "terminal.txt"
    with out.open("w") as terminal:
        proc = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdout=terminal,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 150
            while "Helpdesk is running" not in out.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, out.read_text()
                time.sleep(1)
            time.sleep(8)  # the worker and beat start, beat sends its first jobs
            subprocess.run(
                [sys.executable, "manage.py", "sendtestemail", "someone@demo.test"],
                cwd=ROOT,
                env={**env, "DJANGO_DEBUG": "1"},
                check=True,
                capture_output=True,
            )
            while "someone@demo.test" not in out.read_text() and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    terminal = out.read_text()
    assert f"http://127.0.0.1:{env['HELPDESK_PORT']}/" in terminal
    assert "dpo@demo.test" in terminal and "showcase: 300 tickets" in terminal
    assert "To: someone@demo.test" in terminal  # the email, as the worker delivered it
    assert " INFO" not in terminal and "INFO/" not in terminal
    assert "kombu" not in terminal and "No hostname was supplied" not in terminal
    with log.open(encoding="utf-8") as fh:
        fh.seek(offset)
        written = fh.read()
    assert "INFO/MainProcess" in written and "celery@" in written
