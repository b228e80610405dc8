"""Who may see and manage people and organizations.

- Admins manage every person and organization (in-app administration); for anyone else the
  user administration does not exist (404).
- Staff see the organizations accounts.roles lets them see (sales reps: only theirs).
- Clients see their own organization's page; resellers theirs and their clients'.
- Everyone sees and edits their own profile.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from . import roles
from .models import Organization, User


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
