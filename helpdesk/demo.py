"""The first-run demo (`seed_demo --showcase`, run by `make run`): every role has something to
see. Tickets in every state (tickets.demo) and change requests at every step (cdc.demo), written
through the services in one transaction.

The demo's past is nobody's news: the emails and jobs the services queue after commit are
dropped, so starting the demo sends nothing. Idempotent: once the demo organizations have change
requests, the showcase is there and nothing is added.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from billing.demo import seed_showcase_billing
from cdc.demo import seed_showcase_change_requests
from cdc.models import ChangeRequest
from invoicing.demo import seed_showcase_invoicing
from notifications.models import NotificationJob
from tickets import caching as tickets_caching
from tickets import services as ticket_services
from tickets.demo import seed_showcase_tickets
from tickets.models import Ticket
from wiki.demo import seed_showcase_pages

SHOWCASE_TICKETS = 300


@dataclass(frozen=True)
class Showcase:
    tickets: int
    change_requests: int


def showcase_present() -> bool:
    return ChangeRequest.objects.filter(organization__external_source="demo").exists()


@contextmanager
def _without_after_commit_work():
    """One transaction whose on_commit callbacks (notification jobs, step emails, previews)
    registered inside it are dropped instead of run, and whose notification jobs (written with
    their events) are deleted: the demo's history emails nobody."""
    connection = transaction.get_connection()
    with transaction.atomic():
        pending = len(connection.run_on_commit)
        last_job = NotificationJob.objects.order_by("-pk").values_list("pk", flat=True).first()
        yield
        del connection.run_on_commit[pending:]
        NotificationJob.objects.filter(pk__gt=last_job or 0).delete()


def seed_showcase(
    *, users: dict[str, User], tickets: int = SHOWCASE_TICKETS, seed: int = 1
) -> Showcase | None:
    """Write the showcase unless it is there (then None)."""
    if showcase_present():
        return None
    with _without_after_commit_work():
        written = seed_showcase_tickets(count=tickets, users=users, seed=seed)
        # Change requests refer to some of the demo organization's improvement requests.
        numbers = (
            Ticket.objects.filter(organization__external_source="demo")
            .filter(organization__external_id="demo", type__code="amelioration")
            .order_by("-number")
            .values_list("number", flat=True)[:3]
        )
        requests = seed_showcase_change_requests(users=users, ticket_numbers=list(numbers))
        seed_showcase_pages(users=users)  # a few knowledge base pages per space
        seed_showcase_billing(users=users, seed=seed)
        seed_showcase_invoicing(users=users)
        ticket_services.flag_overdue_tickets()
    tickets_caching.tickets_changed()
    return Showcase(tickets=written, change_requests=requests)
