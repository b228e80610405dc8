"""Who sees interventions, invoices and statements, and who may act on them, built on
accounts.roles and tickets.access.

Interventions: admins and agents who see a ticket create and edit its interventions (until
signed); anyone who sees the ticket (staff with the internal side, the client side) reads them;
the client side signs or validates. Invoices and statements: admins run billing, edit drafts,
issue and credit; sales reps read the issued invoices and the statements of their clients; a
client admin reads those of their own organization. Other client-side people (client users,
resellers) see no invoice nor statement: their portal lists the interventions of the tickets
they see. Drafts are the admins' only. Hidden means 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
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
    """Admins, sales reps and client admins: the invoices list, invoices and statements."""
    return roles.is_admin(user) or roles.is_sales_rep(user) or _is_client_admin(user)


def can_view_portal(user) -> bool:
    """The portal: invoices and statements for those who see them, interventions for the
    whole client side."""
    return can_view_invoices(user) or roles.is_customer(user)


def _is_client_admin(user) -> bool:
    return roles.is_customer(user) and roles.is_client_admin(user) and bool(user.organization_id)


def _billed_organizations_q(user) -> Q | None:
    """The organizations whose issued invoices and statements user reads (None: none)."""
    if roles.is_sales_rep(user):
        return roles.organization_q(user)
    if _is_client_admin(user):
        return Q(organization_id=user.organization_id)
    return None


def visible_invoices(user) -> QuerySet[Invoice]:
    """Admins: all, drafts included; sales reps: issued ones of their clients; client admins:
    issued ones of their organization; anyone else: none."""
    if roles.is_admin(user):
        return Invoice.objects.all()
    scope = _billed_organizations_q(user)
    if scope is None:
        return Invoice.objects.none()
    return Invoice.objects.filter(scope, state=Invoice.State.ISSUED)


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
    """As invoices: admins all, sales reps their clients', client admins their organization's."""
    if roles.is_admin(user):
        return Statement.objects.all()
    scope = _billed_organizations_q(user)
    if scope is None:
        return Statement.objects.none()
    return Statement.objects.filter(scope)


def get_visible_statement_or_404(user, pk) -> Statement:
    try:
        return visible_statements(user).select_related("organization").get(pk=_pk(pk))
    except Statement.DoesNotExist:
        raise Http404 from None


def client_admins(organization_id: int):
    """Who receives an organization's intervention reports (with the ticket's requester),
    invoices, credit notes and monthly statements: its client admins."""
    return roles.users_with_role(roles.Code.CLIENT_ADMIN).filter(organization_id=organization_id)
