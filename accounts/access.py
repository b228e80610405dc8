"""Who may see and manage people and organizations.

- Admins manage every user and organization (in-app administration).
- Staff see the organizations accounts.roles lets them see; sales reps only theirs.
- Clients and resellers see their own organization page; nobody outside it learns it exists.
- Each person sees and edits their own profile.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from . import roles
from .models import Organization, User


def can_manage_users(user) -> bool:
    """Create, edit, deactivate users, reset their 2FA: admins only."""
    return roles.is_admin(user)


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


def visible_users(user):
    """Admins: everyone. Other staff: everyone (colleagues and contacts of visible orgs).

    Customers see people of the organizations they may see.
    """
    if roles.is_staff_member(user):
        ids = roles.visible_organization_ids(user)
        if ids is roles.ALL:
            return User.objects.all()
        return User.objects.filter(organization_id__in=ids) | User.objects.filter(
            organization__isnull=True
        )
    return User.objects.filter(organization_id__in=roles.visible_organization_ids(user))


def get_managed_user_or_404(user, pk) -> User:
    """A user an admin manages; anyone else gets 404 (admin URLs do not exist for them)."""
    if not can_manage_users(user):
        raise Http404
    return get_object_or_404(User, pk=pk)
