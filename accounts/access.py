"""Who may see and manage people and organizations.

- Admins manage every person and organization (in-app administration); for anyone else the
  user administration does not exist (404).
- Staff see the organizations accounts.roles lets them see (sales reps: only theirs).
- Clients see their own organization's page; resellers theirs and their clients'.
- Everyone sees and edits their own profile, with the ticket emails that concern them.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from . import policies, roles
from .models import Notice, Organization, Role, User


def requires_second_factor(user) -> bool:
    """A code is asked at each new session of the roles in the 2FA policy (accounts.policies ("*":
    everyone); never of demo accounts."""
    if not user.is_authenticated or user.is_demo:
        return False
    required = policies.current().two_factor_roles
    return "*" in required or roles.has_role(user, *required)


def can_use_django_admin(user) -> bool:
    """Django's admin (/django-admin/, technical access): active superusers whose session
    passed the second factor the app asks of them; nobody else, whatever is_staff says."""
    if not user.is_authenticated or not user.is_active or not user.is_superuser:
        return False
    return not requires_second_factor(user) or user.is_verified()


def can_manage_users(user) -> bool:
    """Create, edit, approve, deactivate people, reset their 2FA: admins only."""
    return roles.is_admin(user)


def can_create_contact(user) -> bool:
    """Add a client user to an organization (from the unidentified-sender view): admins, agents."""
    return roles.is_admin(user) or roles.is_agent(user)


def can_manage_organizations(user) -> bool:
    """Create and edit organizations, assign sales reps: admins only."""
    return roles.is_admin(user)


def can_view_organization_list(user) -> bool:
    """The organization directory is for staff (sales reps see theirs)."""
    return roles.is_staff_member(user)


def visible_organizations(user):
    return roles.visible_organizations(user)


def can_pick_staff_lists(user) -> bool:
    """The organization and agent pickers (new ticket, assignees) are for staff: 404 otherwise."""
    return roles.is_staff_member(user)


def pickable_people(user, *, organization_id: int | None = None, with_staff: bool = False):
    """Active people user may name as a contact or follower: those of the organizations user
    sees (a client: their own organization's), or of one of them; with_staff adds the support
    team's agents, admins and sales reps, for staff only."""
    people = User.objects.filter(roles.organization_q(user), is_active=True)
    if organization_id is not None:
        people = people.filter(organization_id=organization_id)
    if with_staff and roles.is_staff_member(user):
        staff = roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN, Role.Code.SALES)
        people = people | staff
    return people


def pickable_agents(user):
    """The people tickets may be assigned to (agents and admins), for staff only."""
    if not can_pick_staff_lists(user):
        return User.objects.none()
    return roles.users_with_role(Role.Code.AGENT, Role.Code.ADMIN)


def get_visible_organization_or_404(user, pk) -> Organization:
    return get_object_or_404(visible_organizations(user), pk=pk)


def managed_users(user):
    """People user may administer: everyone for admins, nobody otherwise."""
    if not can_manage_users(user):
        return User.objects.none()
    return User.objects.all()


def get_managed_user_or_404(user, pk) -> User:
    """A person an admin manages; for anyone else the page does not exist."""
    if not can_manage_users(user):
        raise Http404
    return get_object_or_404(User, pk=pk)


def email_notices_for(user) -> list[str]:
    """The ticket emails a person may receive, hence may turn off on their profile: customers
    hear about their tickets; staff who see tickets about replies, notes and status changes;
    admins and agents also about assignments. The DPO and controllers get no ticket email."""
    if roles.is_customer(user):
        return [Notice.CREATED, Notice.REPLY, Notice.STATUS, Notice.AUTO_CLOSE]
    if roles.is_admin(user) or roles.is_agent(user):
        return [Notice.REPLY, Notice.NOTE, Notice.STATUS, Notice.ASSIGNED]
    if roles.is_sales_rep(user) or roles.is_developer(user):
        return [Notice.REPLY, Notice.NOTE, Notice.STATUS]
    return []
