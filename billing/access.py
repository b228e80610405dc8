"""Who sees time, contracts and estimates, and who may act on them, built on accounts.roles
and tickets.access.

Time: admins and agents log time on the tickets they see and keep their own timesheet; admins
approve timesheets. Staff who see a ticket's internal side (admins, agents, sales reps of the
client) see every entry of it; clients see only billable entries' rounded time, never a comment.
Contracts: admins create and edit them; sales reps see those of the organizations they
represent; client users see their organization's balance. Estimates: admins and agents send
them; the client side (client users, client admins, resellers) who sees the ticket accepts or
refuses. Hidden means 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from cdc import access as cdc_access
from cdc.models import ChangeRequest
from tickets import access as tickets_access
from tickets.models import Ticket

from .models import Contract, Estimate, TimeEntry, Timesheet


def logs_time(user) -> bool:
    """Consultants: admins and agents keep a timesheet."""
    return roles.is_admin(user) or roles.is_agent(user)


def billed_level(user) -> int | None:
    """The support level an entry of user is priced at (their agent level; None for admins)."""
    return roles.support_level(user)


def can_log_time(user, ticket: Ticket) -> bool:
    return logs_time(user) and tickets_access.can_view(user, ticket)


def sees_time_details(user) -> bool:
    """Entries with their consultant, activity and comment: staff who see internal notes."""
    return tickets_access.sees_internal(user)


def sees_client_time(user) -> bool:
    """Customers see billable rounded time and estimates of the tickets they see."""
    return roles.is_customer(user)


def can_approve_timesheets(user) -> bool:
    return roles.is_admin(user)


def can_manage_contracts(user) -> bool:
    return roles.is_admin(user)


def can_view_contracts(user) -> bool:
    """The contract list: admins (all) and sales reps (their clients')."""
    return roles.is_admin(user) or roles.is_sales_rep(user)


def can_view_balance(user) -> bool:
    """The client's balance page: client users, client admins and resellers."""
    return roles.is_customer(user)


def visible_contracts(user) -> QuerySet[Contract]:
    if roles.is_admin(user):
        return Contract.objects.all()
    if roles.is_sales_rep(user) or roles.is_customer(user):
        return Contract.objects.filter(roles.organization_q(user))
    return Contract.objects.none()


def get_visible_contract_or_404(user, pk) -> Contract:
    if not (can_view_contracts(user) or can_view_balance(user)):
        raise Http404
    try:
        return visible_contracts(user).select_related("organization").get(pk=int(pk))
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_entries(user) -> QuerySet[TimeEntry]:
    """Entries of the tickets user sees; customers only billable ones."""
    tickets = tickets_access.visible_tickets(user)
    entries = TimeEntry.objects.filter(ticket__in=tickets.values("pk"))
    if sees_time_details(user):
        return entries
    if sees_client_time(user):
        return entries.filter(billable=True)
    return TimeEntry.objects.none()


def get_own_entry_or_404(user, pk) -> TimeEntry:
    """An entry of user's own timesheet (admins: anyone's, for corrections)."""
    if not logs_time(user):
        raise Http404
    entries = TimeEntry.objects.select_related("timesheet", "ticket")
    if not roles.is_admin(user):
        entries = entries.filter(user_id=user.pk)
    try:
        return entries.get(pk=int(pk))
    except (TimeEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_timesheet_for_approval_or_404(user, pk) -> Timesheet:
    if not can_approve_timesheets(user):
        raise Http404
    try:
        return Timesheet.objects.select_related("user").get(pk=int(pk))
    except (Timesheet.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_correct_entry(user, entry: TimeEntry) -> bool:
    """After approval, the consultant or an admin adds a correcting entry."""
    return entry.timesheet.state == Timesheet.State.APPROVED and (
        roles.is_admin(user) or entry.user_id == user.pk
    )


def can_send_estimate(user, ticket: Ticket) -> bool:
    return logs_time(user) and tickets_access.can_view(user, ticket)


def visible_estimates(user, ticket: Ticket) -> QuerySet[Estimate]:
    """The ticket's own estimates (not its change requests' quotes) for someone who sees the
    ticket (staff and its customers)."""
    if not (sees_time_details(user) or sees_client_time(user)):
        return Estimate.objects.none()
    return Estimate.objects.filter(ticket_id=ticket.pk, change_request__isnull=True)


def visible_quotes(user, cr: ChangeRequest) -> QuerySet[Estimate]:
    """The quotes of a change request, for whoever sees the request (its workflow decides who
    sends and answers them)."""
    if not cdc_access.visible_change_requests(user).filter(pk=cr.pk).exists():
        return Estimate.objects.none()
    return Estimate.objects.filter(change_request_id=cr.pk)


def can_send_quote(user, cr: ChangeRequest) -> bool:
    """Support sends the quote while the specification is open (step 3)."""
    return cdc_access.can(user, cr, "save_analysis")


def get_visible_estimate_or_404(user, pk) -> Estimate:
    """A ticket's estimate for staff and customers who see the ticket; a change request's
    quote for whoever sees the request."""
    try:
        estimate = Estimate.objects.select_related("ticket", "change_request").get(pk=int(pk))
    except (Estimate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if estimate.change_request_id:
        requests = cdc_access.visible_change_requests(user)
        if not requests.filter(pk=estimate.change_request_id).exists():
            raise Http404
        return estimate
    if not (sees_time_details(user) or sees_client_time(user)):
        raise Http404
    if not tickets_access.visible_tickets(user).filter(pk=estimate.ticket_id).exists():
        raise Http404
    return estimate


def can_decide_estimate(user, estimate: Estimate) -> bool:
    """The client side of the ticket accepts or refuses a pending estimate; a change
    request's quote is answered by its client side at the decision step (step 5)."""
    if estimate.change_request_id:
        return estimate.is_pending and cdc_access.can(user, estimate.change_request, "validate")
    return (
        estimate.is_pending
        and roles.is_customer(user)
        and tickets_access.visible_tickets(user).filter(pk=estimate.ticket_id).exists()
    )
