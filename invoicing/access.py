"""Who sees interventions, invoices and statements, and who may act on them, built on
accounts.roles and tickets.access.

Interventions: admins and agents who see a ticket create and edit its interventions (until
signed); anyone who sees the ticket (staff with the internal side, the client side) reads them;
the client side signs or validates. Invoices: admins run billing, edit drafts, issue and credit;
sales reps read the issued invoices and statements of their clients; the client side (client
users, client admins, resellers) reads its organization's issued invoices and statements.
Drafts are the admins' only. Hidden means 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from tickets import access as tickets_access
from tickets.models import Ticket

from .models import Intervention, Invoice, Statement


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- interventions --------------------------------------------------------------------------


def works_interventions(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user)


def can_create_intervention(user, ticket: Ticket) -> bool:
    return (
        works_interventions(user)
        and ticket.organization_id is not None
        and tickets_access.can_view(user, ticket)
    )


def visible_interventions(user) -> QuerySet[Intervention]:
    if not (tickets_access.sees_internal(user) or roles.is_customer(user)):
        return Intervention.objects.none()
    tickets = tickets_access.visible_tickets(user)
    return Intervention.objects.filter(ticket__in=tickets.values("pk"))


def get_visible_intervention_or_404(user, pk) -> Intervention:
    try:
        return visible_interventions(user).select_related("ticket", "organization").get(pk=_pk(pk))
    except Intervention.DoesNotExist:
        raise Http404 from None


def can_edit_intervention(user, intervention: Intervention) -> bool:
    return works_interventions(user) and not intervention.is_signed


def can_sign(user, intervention: Intervention) -> bool:
    """The client signs on the technician's device (staff who work it) or their own."""
    return not intervention.is_signed and (works_interventions(user) or roles.is_customer(user))


def can_send_report(user, intervention: Intervention) -> bool:
    return works_interventions(user)


# --- invoices -------------------------------------------------------------------------------


def can_run_billing(user) -> bool:
    return roles.is_admin(user)


def can_view_invoices(user) -> bool:
    return roles.is_admin(user) or roles.is_sales_rep(user) or roles.is_customer(user)


def visible_invoices(user) -> QuerySet[Invoice]:
    """Admins: all, drafts included; sales reps and the client side: issued ones of the
    organizations they see."""
    if roles.is_admin(user):
        return Invoice.objects.all()
    if roles.is_sales_rep(user) or roles.is_customer(user):
        return Invoice.objects.filter(roles.organization_q(user), state=Invoice.State.ISSUED)
    return Invoice.objects.none()


def get_visible_invoice_or_404(user, pk) -> Invoice:
    try:
        return visible_invoices(user).select_related("organization", "credited").get(pk=_pk(pk))
    except Invoice.DoesNotExist:
        raise Http404 from None


def can_edit_invoice(user, invoice: Invoice) -> bool:
    return roles.is_admin(user) and invoice.is_draft


def can_credit(user, invoice: Invoice) -> bool:
    return (
        roles.is_admin(user)
        and not invoice.is_draft
        and not invoice.is_credit
        and not invoice.credit_notes.exists()
    )


# --- statements -----------------------------------------------------------------------------


def visible_statements(user) -> QuerySet[Statement]:
    if roles.is_admin(user):
        return Statement.objects.all()
    if roles.is_sales_rep(user) or roles.is_customer(user):
        return Statement.objects.filter(roles.organization_q(user))
    return Statement.objects.none()


def get_visible_statement_or_404(user, pk) -> Statement:
    try:
        return visible_statements(user).select_related("organization").get(pk=_pk(pk))
    except Statement.DoesNotExist:
        raise Http404 from None


def client_admins(organization_id: int):
    """Who receives an organization's intervention reports (with the ticket's requester) and
    monthly statements: its client admins."""
    return roles.users_with_role(roles.Code.CLIENT_ADMIN).filter(organization_id=organization_id)
