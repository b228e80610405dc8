"""Messages ingested per second for a 1,000-message mailbox (plain, with attachments, replies).

Usage (PostgreSQL, as production):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_bench_ingest \
        .venv/bin/python benchmarks/ingest.py --messages 1000

It creates the database when missing, migrates, empties the ticket and intake tables, seeds one
client organization with 20 contacts and 50 tickets to reply to, then ingests the same mix
twice: directly through ingest_message(raw), then through a real Dovecot on 127.0.0.1 with
poll_mailboxes' code (IMAP fetch, ingest, flag \\Seen) — Dovecot from Debian's packages, as the
tests use it. Mix: 60 % plain text, 25 % with a 40 KB PDF and a PNG, 15 % replies ([#N]).
Then it does a worker's share: runs the notification jobs the direct ingest queued (who gets
what, rendered per recipient, stored in the outbox) and delivers the emails to an SMTP server on
127.0.0.1 (aiosmtpd), and prints jobs and emails per second. Celery messages left in the broker
by the run are purged at the end.
"""

import argparse
import base64
import contextlib
import cProfile
import os
import pstats
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def ensure_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def empty_tables() -> None:
    """Tickets, the intake log, mailboxes and the outbox emptied (users and reference data kept)."""
    from intake.models import InboundMessage, Mailbox
    from notifications.models import NotificationJob, OutgoingEmail, WebhookPost
    from tickets.models import Attachment, Event, Ticket

    NotificationJob.objects.all().delete()
    OutgoingEmail.objects.all().delete()
    WebhookPost.objects.all().delete()
    InboundMessage.objects.all().delete()
    Mailbox.objects.all().delete()
    Attachment.objects.all().delete()
    Event.objects.all().delete()
    Ticket.assignees.through.objects.all().delete()
    Ticket.objects.all().delete()


AUTHSERV_ID = "mx.bench.test"

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def messages(n: int, prefix: str, ticket_numbers: list[int]) -> list[bytes]:
    pdf = b"%PDF-1.4\n" + os.urandom(40 * 1024)
    out = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"contact{i % 20}@bench.test"
        msg["To"] = "support@bench.test"
        msg["Message-ID"] = f"<{prefix}-{i}@bench.test>"
        msg["Date"] = "Mon, 23 Nov 2026 08:00:00 +0000"
        # As the helpdesk's own mail server stamps it (settings.INTAKE_TRUSTED_AUTHSERV_IDS).
        msg["Authentication-Results"] = f"{AUTHSERV_ID}; dmarc=pass header.from=bench.test"
        kind = i % 20
        if kind < 3:  # 15 % replies
            number = ticket_numbers[i % len(ticket_numbers)]
            msg["Subject"] = f"RE: [#{number}] Problème d'impression"
            msg.set_content(f"Toujours en panne ({i}).\n\nLe lun. 23 nov., Support a écrit :\n> ok")
        elif kind < 8:  # 25 % attachments
            msg["Subject"] = f"Facture illisible {i}"
            msg.set_content("Voir les pièces jointes.")
            msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="f.pdf")
            msg.add_attachment(PNG, maintype="image", subtype="png", filename="capture.png")
        else:
            msg["Subject"] = f"Imprimante bloquée {i}"
            msg.set_content("Bonjour,\n\nL'imprimante du 2e étage est bloquée.\n\nMerci")
        out.append(msg.as_bytes())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only the direct ingest, under cProfile: the top functions by cumulative time",
    )
    parser.add_argument(
        "--direct-only", action="store_true", help="only the direct ingest (no jobs, no Dovecot)"
    )
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MEDIA_ROOT = ROOT / "var" / "bench-ingest-media"
    # Trust the Authentication-Results the generated messages carry (harmless where unused).
    settings.INTAKE_TRUSTED_AUTHSERV_IDS = [AUTHSERV_ID]
    # The benchmark's Dovecot listens on 127.0.0.1, which the outgoing guard refuses unless named.
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1"]
    call_command("migrate", verbosity=0)
    from accounts.models import Organization, Role, User
    from intake.models import Mailbox
    from intake.services import ingest_message, poll_mailbox
    from tests.factories import make_user
    from tests.servers.fixtures import dovecot
    from tickets import services

    empty_tables()
    User.objects.filter(email__endswith="@bench.test").delete()
    org, _ = Organization.objects.get_or_create(name="Bench SA")
    contacts = [
        make_user(Role.Code.CLIENT_USER, organization=org, email=f"contact{i}@bench.test")
        for i in range(20)
    ]
    numbers = [
        services.create_ticket(actor=contacts[i % 20], title=f"T{i}", description="x").number
        for i in range(50)
    ]
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {vendor}, messages: {args.messages}")

    batch = messages(args.messages, "direct", numbers)
    profiler = cProfile.Profile() if args.profile else contextlib.nullcontext()
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    start, cpu = time.perf_counter(), time.process_time()
    outcomes: dict[str, int] = {}
    with profiler, connection.execute_wrapper(count):
        for raw in batch:
            outcome = str(ingest_message(raw).outcome)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"ingest_message: {args.messages / took:.1f} msg/s ({took:.1f} s) {outcomes}; "
        f"per message: {queries[0] / args.messages:.1f} queries, "
        f"{cpu * 1000 / args.messages:.1f} ms CPU in this process"
    )
    if args.profile:
        path = ROOT / "var" / "ingest.prof"
        profiler.dump_stats(path)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        print(f"(profile written to {path}; the time includes cProfile's own overhead)")
    if args.profile or args.direct_only:
        with contextlib.suppress(Exception):
            from helpdesk.celery import app

            app.control.purge()  # the notification jobs queued
        return
    notifications(settings)

    batch = messages(args.messages, "imap", numbers)
    gen = dovecot.__wrapped__()
    server = next(gen)
    try:
        for raw in batch:
            server.deliver(raw)
        box = Mailbox.objects.create(
            name="Bench",
            email_address="support@bench.test",
            host="127.0.0.1",
            port=server.imap_port,
            use_tls=False,
            username=server.username,
            password=server.password,
        )
        start = time.perf_counter()
        report = poll_mailbox(box)
        took = time.perf_counter() - start
        print(
            f"IMAP poll (Dovecot): {args.messages / took:.1f} msg/s ({took:.1f} s) {report.counts}"
        )
    finally:
        with contextlib.suppress(StopIteration):
            next(gen)


def notifications(settings) -> None:
    """What the worker does after the direct ingest: notification jobs, then SMTP delivery."""
    from aiosmtpd.controller import Controller

    from helpdesk.celery import app
    from notifications import jobs
    from notifications import services as outbox
    from notifications.models import NotificationJob, OutgoingEmail
    from tests.servers.fixtures import SmtpSink, _Recorder, free_port

    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(_Recorder(sink), hostname=sink.host, port=sink.port)
    controller.start()
    settings.EMAIL_BACKEND = "notifications.backend.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    app.conf.task_always_eager = False
    try:
        pending = list(NotificationJob.objects.filter(done_at=None).values_list("pk", flat=True))
        start = time.perf_counter()
        for pk in pending:
            jobs.run_job(pk)
        took = time.perf_counter() - start
        emails = list(OutgoingEmail.objects.filter(status="pending").values_list("pk", flat=True))
        print(f"notification jobs: {len(pending) / took:.1f} jobs/s, {len(emails)} emails written")
        start = time.perf_counter()
        for pk in emails:
            outbox.deliver_email(pk)
        took = time.perf_counter() - start
        rate = len(emails) / max(took, 1e-9)
        print(f"SMTP delivery: {rate:.1f} emails/s ({len(sink.messages)} received)")
    finally:
        controller.stop()
        with contextlib.suppress(Exception):
            app.control.purge()


if __name__ == "__main__":
    main()
