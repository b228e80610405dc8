"""Page-shaped reads of invoicing, each a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django.db.models import Count, Prefetch

from accounts.models import User

from . import access
from .models import Intervention, Invoice

PAGE = 100


def ticket_interventions(user: User, ticket_id: int):
    return list(
        access.visible_interventions(user)
        .filter(ticket_id=ticket_id)
        .prefetch_related(Prefetch("technicians", queryset=User.objects.order_by("last_name")))
        .order_by("-starts_at")[:20]
    )


def invoice_rows(user: User, state: str = ""):
    rows = access.visible_invoices(user).select_related("organization", "credited")
    if state in (Invoice.State.DRAFT, Invoice.State.ISSUED):
        rows = rows.filter(state=state)
    return rows.annotate(line_count=Count("lines")).order_by("-issue_date", "-sequence", "-id")[
        :PAGE
    ]


def portal(user: User) -> dict:
    """Interventions for the whole client side; invoices and statements for those who see
    them (client admins, sales reps, admins)."""
    sees_invoices = access.can_view_invoices(user)
    page = {
        "sees_invoices": sees_invoices,
        "interventions": list(
            access.visible_interventions(user)
            .select_related("ticket", "organization")
            .order_by("-starts_at")[:PAGE]
        ),
        "invoices": [],
        "statements": [],
    }
    if sees_invoices:
        page["invoices"] = list(
            access.visible_invoices(user)
            .filter(state=Invoice.State.ISSUED)
            .select_related("organization")
            .order_by("-issue_date", "-sequence")[:PAGE]
        )
        page["statements"] = list(
            access.visible_statements(user)
            .exclude(pdf="")
            .select_related("organization")
            .order_by("-month", "organization__name")[:PAGE]
        )
    return page


def intervention_page(intervention: Intervention) -> dict:
    return {
        "technicians": list(intervention.technicians.all()),
        "equipment": list(intervention.equipment.all()),
        "supplies": list(intervention.supplies.all()),
    }
