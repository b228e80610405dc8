"""manage.py poll_mailboxes: one polling pass over the active mailboxes."""

from django.core.management.base import BaseCommand

from intake.services import poll_due_mailboxes


class Command(BaseCommand):
    help = "Poll the active mailboxes once (all of them, or only those due with --due)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--due", action="store_true", help="only mailboxes whose interval elapsed"
        )

    def handle(self, *args, **options):
        for report in poll_due_mailboxes(force=not options["due"]):
            counts = (
                ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())) or "nothing new"
            )
            line = f"{report.mailbox}: {counts}"
            if report.error:
                line += f" (error: {report.error})"
            self.stdout.write(line)
