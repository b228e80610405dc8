"""Who reads reports, and on which rows, built on accounts.roles and the apps' own access.

Admins and agents read every report on every ticket and change request; sales reps on the
tickets of the organizations they represent (tickets.access.visible_tickets); client
administrators on their organization's. Nobody else has reports: the pages answer 404. Per-agent
figures (the agent filter and grouping) are for staff only: a client administrator reads their
organization's numbers, not the support company's staff breakdown. Subscriptions are their
owner's only.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts import roles
from accounts.models import Organization, User, UserRole
from cdc import access as cdc_access
from tickets import access as tickets_access
from tickets.models import Ticket


def can_view_reports(user) -> bool:
    return (
        roles.is_admin(user)
        or roles.is_agent(user)
        or roles.is_sales_rep(user)
        or roles.is_client_admin(user)
    )


def sees_agents(user) -> bool:
    """Staff with reports break figures down by agent."""
    return can_view_reports(user) and roles.is_staff_member(user)


def cache_scope(user) -> str:
    """Whose rows user's reports count, as a cache key part: admins and agents all count
    every ticket the same way; anyone else their own scope."""
    if roles.is_admin(user) or roles.is_agent(user):
        return "all"
    return f"user:{user.pk}"


def report_tickets(user) -> QuerySet[Ticket]:
    """The tickets user's reports count (none without reports)."""
    if not can_view_reports(user):
        return Ticket.objects.none()
    return tickets_access.visible_tickets(user)


def report_change_requests(user):
    """The change requests user's CDC report counts."""
    if not can_view_reports(user):
        return cdc_access.visible_change_requests(None)
    return cdc_access.visible_change_requests(user)


def filter_organizations(user) -> QuerySet[Organization]:
    """Organizations offered in the filter: those user may see."""
    return roles.visible_organizations(user).order_by("name")


def filter_agents(user) -> QuerySet[User]:
    """Agents offered in the agent filter (staff only)."""
    if not sees_agents(user):
        return User.objects.none()
    works = UserRole.objects.filter(
        user_id=OuterRef("pk"), role__code__in=[roles.Code.AGENT, roles.Code.ADMIN]
    )
    return User.objects.filter(Exists(works), is_active=True).order_by("first_name", "last_name")
