"""manage.py ingest_email PATH... | - : raw RFC 822 messages in, one line out per message."""

import sys

from django.core.management.base import BaseCommand, CommandError

from intake.services import ingest_message


class Command(BaseCommand):
    help = "Ingest raw email files (or standard input with '-') as tickets or replies."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="message files, or - for standard input")

    def handle(self, *args, **options):
        failed = 0
        for path in options["paths"]:
            try:
                if path == "-":
                    raw = sys.stdin.buffer.read()
                else:
                    with open(path, "rb") as handle:
                        raw = handle.read()
            except OSError as exc:
                self.stderr.write(f"{path}: cannot read: {exc.strerror}")
                failed += 1
                continue
            try:
                result = ingest_message(raw)
            except Exception as exc:  # not even quarantined: report, keep going
                self.stderr.write(f"{path}: not stored: {exc.__class__.__name__}")
                failed += 1
                continue
            self.stdout.write(result.line())
        if failed:
            raise CommandError(f"{failed} message(s) could not be stored")
