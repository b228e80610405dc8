"""seed_demo [--tickets N] [--seed S] [--showcase]: demo organizations, one user per role,
N tickets (bulk), and the first-run showcase (tickets in every state, change requests at every
step, written through the services; added once)."""

import time

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_accounts
from helpdesk.demo import SHOWCASE_TICKETS, seed_showcase
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = "Create the demo organizations and users (password 'demo'), plus N demo tickets."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=0, help="number of tickets to create")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--showcase",
            action="store_true",
            help=(
                f"also the first-run demo ({SHOWCASE_TICKETS} tickets in every state, change "
                "requests at every step), unless it is already there"
            ),
        )

    def handle(self, *args, tickets: int, seed: int, showcase: bool, **options):
        users = seed_accounts()
        self.stdout.write(f"demo accounts ready ({len(users)} users, password '{DEMO_PASSWORD}'):")
        for email in users:
            self.stdout.write(f"  {email}")
        if showcase:
            started = time.monotonic()
            written = seed_showcase(users=users, seed=seed)
            if written is None:
                self.stdout.write("showcase already there: nothing added")
            else:
                self.stdout.write(
                    f"showcase: {written.tickets} tickets and {written.change_requests} change "
                    f"requests created in {time.monotonic() - started:.1f} s"
                )
        if tickets:
            created = seed_tickets(count=tickets, seed=seed, stdout=self.stdout)
            self.stdout.write(f"{created} tickets created")
