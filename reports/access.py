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
from billing import access as billing_access
from billing.models import TimeEntry
from cdc import access as cdc_access
from tickets import access as tickets_access
from tickets.models import Ticket
from wiki import access as wiki_access
from wiki.models import Page


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


def report_time_entries(user):
    """The time entries user's time report counts (billing.access: staff every entry of the
    tickets they see; client administrators their organization's billable entries only)."""
    if not can_view_reports(user):
        return TimeEntry.objects.none()
    return billing_access.visible_entries(user)


def sees_time_details(user) -> bool:
    """Non-billable time and the per-consultant breakdown: staff who see time details."""
    return can_view_reports(user) and billing_access.sees_time_details(user)


def report_wiki_pages(user):
    """The wiki pages user's knowledge base report counts: those they may read, and only for
    readers who see the pages' counters (wiki.access: the support team)."""
    if not (can_view_reports(user) and wiki_access.can_see_counters(user)):
        return Page.objects.none()
    return wiki_access.visible_pages(user)
