"""manage.py import_helpdesk PATH: import an old helpdesk's export (docs/legacy-import.md).

PATH is an export folder or ZIP in our format, or with --from django-helpdesk the JSON of
`manage.py dumpdata auth.user helpdesk` (attachments read from --media, its MEDIA_ROOT).
One line per row that was skipped (file:line [id] reason), then the counts. Running it again
imports only what is missing. Exit code 1 only when the export cannot be read at all.
"""

from __future__ import annotations

import tempfile
import time

from django.core.management.base import BaseCommand, CommandError

from integrations.legacy import django_helpdesk, importer
from integrations.legacy.format import ExportSource, ExportUnreadable


class Command(BaseCommand):
    help = "Import tickets, replies, notes and attachments from an old helpdesk's export."

    def add_arguments(self, parser):
        parser.add_argument("path", help="export folder or ZIP (or a django-helpdesk dump)")
        parser.add_argument(
            "--from",
            dest="origin",
            choices=["export", "django-helpdesk"],
            default="export",
            help="format of PATH (default: our export format)",
        )
        parser.add_argument("--media", help="django-helpdesk: its MEDIA_ROOT (attachments)")
        parser.add_argument(
            "--convert-only",
            metavar="DIR",
            help="django-helpdesk: write the converted export into DIR and stop",
        )
        parser.add_argument("--batch-size", type=int, help="rows per transaction (100)")

    def handle(self, *args, path, origin, media, convert_only, batch_size, **options):
        started = time.monotonic()
        try:
            if origin == "django-helpdesk":
                if convert_only:
                    written = django_helpdesk.convert(path, media, convert_only)
                    self.stdout.write(f"converted into {convert_only}: {written}")
                    return
                with tempfile.TemporaryDirectory(prefix="helpdesk-import-") as folder:
                    django_helpdesk.convert(path, media, folder)
                    report = self._import(folder, batch_size)
            else:
                report = self._import(path, batch_size)
        except ExportUnreadable as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems:
            where = f"{problem.file}:{problem.line}"
            ident = f" [{problem.id}]" if problem.id else ""
            label = "skipped" if problem.skipped else "imported with a problem"
            self.stdout.write(f"{label} {where}{ident}: {problem.reason}")
        for kind, counts in report.counts.items():
            self.stdout.write(
                f"{kind}: {counts['created']} created, {counts['unchanged']} unchanged, "
                f"{counts['skipped']} skipped"
            )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"done: {report.rows_done} rows from {report.source} in {seconds:.1f} s, "
            f"{len(report.problems)} problems"
        )

    def _import(self, path, batch_size) -> importer.Report:
        with ExportSource(path) as source:
            return importer.import_export(source, batch_size=batch_size)
