"""Who sees change requests and what they may do, built on accounts.roles and cdc.workflow.

Seeing: client users and client administrators see their organization's requests, resellers
their organization's and their clients', support staff (admin, agent, DPO, developer,
controller) see all; sales reps see their represented organizations. Hidden means 404.
Creating: client administrators, client GDPR auditors, the DPO, and staff admins (on behalf
of a client). Acting: workflow_roles() maps a person to the workflow roles of one request;
cdc.workflow.TRANSITIONS decides the rest. Development manager = admin or developer.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from accounts import roles
from accounts.models import Organization, Role, User

from . import workflow
from .models import ChangeRequest, Check
from .workflow import State, WorkflowRole
from .workflow import tabs_for as _tabs_for


def visible_change_requests(user):
    if not roles.role_codes(user):
        return ChangeRequest.objects.none()
    return ChangeRequest.objects.filter(roles.organization_q(user))


def get_visible_change_request_or_404(user, number) -> ChangeRequest:
    try:
        return (
            visible_change_requests(user)
            .select_related("organization", "requester", "created_by", "ticket")
            .get(number=number)
        )
    except (ChangeRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_view_change_requests(user) -> bool:
    return bool(roles.role_codes(user))


def _is_client_side_creator(user) -> bool:
    return roles.is_client_admin(user) or roles.has_role(user, Role.Code.CLIENT_GDPR_AUDITOR)


def can_create_change_request(user) -> bool:
    if roles.is_admin(user):
        return True
    if roles.is_dpo(user):
        return True
    return _is_client_side_creator(user) and bool(user.organization_id)


def creatable_organizations(user):
    """Organizations user may open a request for: their own, or any (staff)."""
    if roles.is_admin(user) or roles.is_dpo(user):
        return roles.visible_organizations(user).filter(kind=Organization.Kind.CLIENT)
    return roles.visible_organizations(user).filter(pk=user.organization_id)


def can_create_for(user, organization) -> bool:
    """May user open a request for organization (one of creatable_organizations)?"""
    if not roles.may_act_for(user, organization):
        return False
    if roles.is_admin(user) or roles.is_dpo(user):
        return organization.kind == Organization.Kind.CLIENT
    return organization.pk == user.organization_id


def requester_choices(user, organization):
    """People of organization user may name as requester."""
    if organization is None:
        return User.objects.none()
    return organization.members.filter(is_active=True).order_by("last_name", "first_name")


def workflow_roles(user, cr: ChangeRequest) -> frozenset[str]:
    held: set[str] = set()
    if cr.created_by_id == user.pk:
        held.add(WorkflowRole.CLIENT)
    if _is_client_side_creator(user) and user.organization_id == cr.organization_id:
        held.add(WorkflowRole.CLIENT)
    if roles.is_admin(user) or roles.is_agent(user):
        held.add(WorkflowRole.SUPPORT)
    if roles.is_dpo(user):
        held.add(WorkflowRole.DPO)
    if roles.is_admin(user) or roles.is_developer(user):
        held.add(WorkflowRole.MANAGER)
    if roles.is_developer(user):
        held.add(WorkflowRole.DEVELOPER)
    if roles.is_controller(user):
        held.add(WorkflowRole.CONTROLLER)
    return frozenset(held)


def client_side_q(user) -> Q:
    """The requests on which user holds the client role (see workflow_roles)."""
    q = Q(created_by_id=user.pk)
    if _is_client_side_creator(user) and user.organization_id:
        q |= Q(organization_id=user.organization_id)
    return q


def last_active_state(cr: ChangeRequest) -> str:
    if cr.state != State.CANCELLED:
        return cr.state
    return State.CLIENT_DECISION if cr.decision == cr.Decision.CANCELLED else State.DRAFT


def can(user, cr: ChangeRequest, action: str) -> bool:
    return workflow.next_state(cr.state, action, workflow_roles(user, cr)) is not None


def check_kinds_for(user, cr: ChangeRequest) -> list[str]:
    """The checks user may record on cr's tasks now: a controller the unit, functional and
    integration tests, the DPO the GDPR check (only when the request has a GDPR impact)."""
    kinds = []
    for kind in cr.required_checks:
        action = "record_gdpr_check" if kind == Check.Kind.GDPR else "record_check"
        if can(user, cr, action):
            kinds.append(kind)
    return kinds


def can_edit_tab(user, cr: ChangeRequest, tab: str) -> bool:
    return workflow.can_edit_tab(cr.state, tab, workflow_roles(user, cr))


def tabs_for(user, cr: ChangeRequest):
    return _tabs_for(workflow_roles(user, cr), cr.state, last_active_state(cr))


def can_download_attachment(user, cr: ChangeRequest) -> bool:
    return visible_change_requests(user).filter(pk=cr.pk).exists()
