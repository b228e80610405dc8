"""seed_demo [--tickets N] [--seed S]: demo organizations, one user per role, N tickets."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_accounts
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = "Create the demo organizations and users (password 'demo'), plus N demo tickets."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=0, help="number of tickets to create")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same data)"
        )

    def handle(self, *args, tickets: int, seed: int, **options):
        users = seed_accounts()
        self.stdout.write(f"demo accounts ready ({len(users)} users, password '{DEMO_PASSWORD}'):")
        for email in users:
            self.stdout.write(f"  {email}")
        if tickets:
            created = seed_tickets(count=tickets, seed=seed, stdout=self.stdout)
            self.stdout.write(f"{created} tickets created")
