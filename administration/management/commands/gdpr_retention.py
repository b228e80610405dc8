"""gdpr_retention [--apply]: list what the retention job would anonymise (client users whose
tickets were all closed more than GDPR_RETENTION_MONTHS ago, and unknown senders' addresses);
with --apply, do it (the nightly job does the same)."""

from django.core.management.base import BaseCommand

from administration import gdpr_services


class Command(BaseCommand):
    help = "Dry run (or --apply) of the GDPR retention job."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="anonymise, not only list")

    def handle(self, *args, apply=False, **options):
        plan = gdpr_services.apply_retention() if apply else gdpr_services.retention_plan()
        if plan.cutoff is None:
            self.stdout.write("retention off (GDPR_RETENTION_MONTHS=0)")
            return
        verb = "anonymised" if apply else "would anonymise"
        self.stdout.write(f"cutoff {plan.cutoff:%Y-%m-%d}")
        for user in plan.people:
            self.stdout.write(f"{verb} person {user.pk} {user.email}")
        for address in plan.addresses:
            self.stdout.write(f"{verb} address {address}")
        self.stdout.write(f"{len(plan.people)} people, {len(plan.addresses)} addresses")
