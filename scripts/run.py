"""`make run`: set up and start the helpdesk on the embedded defaults.

Migrates, creates the demo accounts, then runs three processes side by side:
  web    Django's development server on http://127.0.0.1:8000
  worker a Celery worker (embedded broker: kombu's filesystem transport under var/celery/)
  beat   the Celery scheduler for periodic jobs
Ctrl-C stops all three. Re-running is safe: migrations and the demo seed are idempotent.
With REDIS_URL set, the worker and beat use Redis instead.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HELPDESK_HOST", "127.0.0.1")
PORT = os.environ.get("HELPDESK_PORT", "8000")

env = {**os.environ, "PYTHONUNBUFFERED": "1"}
env.setdefault("DJANGO_DEBUG", "1")
env.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    (ROOT / "var" / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo", "--tickets", os.environ.get("HELPDESK_DEMO_TICKETS", "0"))
    celery = [PY, "-m", "celery", "-A", "helpdesk"]
    commands = {
        "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        # solo pool: one process, fits SQLite and a laptop; production runs prefork on Redis.
        "worker": [*celery, "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip"],
        "beat": [
            *celery,
            "beat",
            "--loglevel=INFO",
            "-s",
            str(ROOT / "var" / "celerybeat-schedule"),
        ],
    }
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}
    print(
        f"\n  Helpdesk is running: http://{HOST}:{PORT}/\n"
        "  Demo logins (password: demo): admin@demo.test, agent@demo.test, sales@demo.test,\n"
        "  client@demo.test, client@other.test, dpo@demo.test\n"
        "  Background jobs: Celery worker + beat on the embedded filesystem broker.\n"
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
                        f"{name} stopped (exit {proc.returncode}); stopping the others.", flush=True
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
