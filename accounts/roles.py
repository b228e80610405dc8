"""Role facts: who is who, and which organizations a person may see.

This is the only module that reads roles. Each app's access.py builds its rules on these
functions and nothing else tests a role. Role codes of a user are read once per user object
(one query, cached on the instance).

Organizations a person may see (visible_organization_ids):
- admin, agent, DPO, developer, controller: every organization (ALL);
- sales rep: the organizations they represent, and the clients under a reseller they represent;
- client users and client administrators: their own organization;
- reseller users: their organization and the client organizations under it.
A person may act for an organization (may_act_for) exactly when they may see it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from core.prepared import Prepared

from .models import Organization, Role, User, UserRole

Code = Role.Code

# Roles held by people of the support company.
STAFF_ROLES = frozenset(
    {Code.ADMIN, Code.AGENT, Code.SALES, Code.DPO, Code.DEVELOPER, Code.CONTROLLER}
)
# Roles of people working for a client or a reseller.
CUSTOMER_ROLES = frozenset(
    {Code.CLIENT_USER, Code.CLIENT_ADMIN, Code.CLIENT_GDPR_AUDITOR, Code.RESELLER}
)
# Staff roles that see every organization (sales reps see only theirs).
ALL_SEEING_ROLES = frozenset({Code.ADMIN, Code.AGENT, Code.DPO, Code.DEVELOPER, Code.CONTROLLER})

ALL = None  # visible_organization_ids() answer meaning "every organization"

_CACHE_ATTR = "_helpdesk_role_cache"


def _role_cache(user) -> dict[str, int | None]:
    """{role code: support level or None} for user, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        _, rows = _ROLES.rows(user=user.pk)
        cache = dict(rows)
        setattr(user, _CACHE_ATTR, cache)
    return cache


# Read on every page: compiled once per process.
_ROLES = Prepared(
    lambda user: UserRole.objects.filter(user_id=user).values_list("role__code", "support_level"),
    "user",
)


def forget_roles(user) -> None:
    """Drop the cached roles of user (after roles were changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_codes(user) -> frozenset[str]:
    return frozenset(_role_cache(user))


def has_role(user, *codes: str) -> bool:
    held = _role_cache(user)
    return any(code in held for code in codes)


def is_admin(user) -> bool:
    return has_role(user, Code.ADMIN)


def is_agent(user) -> bool:
    return has_role(user, Code.AGENT)


def is_sales_rep(user) -> bool:
    return has_role(user, Code.SALES)


def is_dpo(user) -> bool:
    return has_role(user, Code.DPO)


def is_developer(user) -> bool:
    return has_role(user, Code.DEVELOPER)


def is_controller(user) -> bool:
    return has_role(user, Code.CONTROLLER)


def is_reseller(user) -> bool:
    return has_role(user, Code.RESELLER)


def is_client_admin(user) -> bool:
    return has_role(user, Code.CLIENT_ADMIN)


def is_staff_member(user) -> bool:
    """Works for the support company (any staff role)."""
    return bool(STAFF_ROLES & _role_cache(user).keys())


def is_customer(user) -> bool:
    """A client or reseller user, with no staff role."""
    return not is_staff_member(user) and bool(CUSTOMER_ROLES & _role_cache(user).keys())


def sees_all_organizations(user) -> bool:
    return bool(ALL_SEEING_ROLES & _role_cache(user).keys())


def support_level(user) -> int | None:
    """The agent's support level (1, 2 or 3), None for a non-agent."""
    return _role_cache(user).get(Code.AGENT)


def sees_only_own_tickets(user) -> bool:
    """A client user of an organization that shows each person only their own tickets."""
    if is_staff_member(user) or is_reseller(user) or is_client_admin(user):
        return False
    org = user.organization if user.organization_id else None
    return org is not None and not org.clients_see_all_tickets


def visible_organization_ids(user) -> list[int] | None:
    """Ids of the organizations user may see; ALL (None) means every organization."""
    held = _role_cache(user)
    if not held:
        return []
    if ALL_SEEING_ROLES & held.keys():
        return ALL
    ids: set[int] = set()
    if Code.SALES in held:
        represented = list(user.represented_organizations.values_list("id", flat=True))
        ids.update(represented)
        ids.update(
            Organization.objects.filter(parent_id__in=represented).values_list("id", flat=True)
        )
    if user.organization_id and CUSTOMER_ROLES & held.keys():
        ids.add(user.organization_id)
        if Code.RESELLER in held:
            ids.update(
                Organization.objects.filter(parent_id=user.organization_id).values_list(
                    "id", flat=True
                )
            )
    return sorted(ids)


def organization_q(user, field: str = "organization_id") -> Q:
    """A filter keeping rows whose `field` is an organization user may see."""
    ids = visible_organization_ids(user)
    if ids is ALL:
        return Q()
    return Q(**{f"{field}__in": ids})


def visible_organizations(user):
    """Organizations user may see, as a queryset."""
    return Organization.objects.filter(organization_q(user, "id"))


def may_act_for(user, organization) -> bool:
    """Whether user may act on behalf of organization (file a ticket or a change request for
    it, attach a contact or a ticket to it): it is one of the organizations user may see."""
    if organization is None:
        return False
    ids = visible_organization_ids(user)
    return ids is ALL or organization.pk in ids


def users_with_role(*codes: str):
    """Active users holding any of the roles (e.g. assignee pickers)."""
    holds = UserRole.objects.filter(user_id=OuterRef("pk"), role__code__in=codes)
    return User.objects.filter(Exists(holds), is_active=True)


def agents_of_level(level: int):
    """Active agents working at support level `level` (escalations are announced to them)."""
    holds = UserRole.objects.filter(
        user_id=OuterRef("pk"), role__code=Code.AGENT, support_level=level
    )
    return User.objects.filter(Exists(holds), is_active=True)


def grant(user: User, codes: Iterable[str], *, support_level: int | None = None) -> None:
    """Give user the roles (idempotent). Used by services and the demo seed."""
    for code in codes:
        # Rows are seeded by a migration; a test database flushed between tests has none.
        role, _ = Role.objects.get_or_create(
            code=code, defaults={"is_staff_role": code in STAFF_ROLES}
        )
        UserRole.objects.update_or_create(
            user=user,
            role=role,
            defaults={"support_level": support_level if code == Code.AGENT else None},
        )
    forget_roles(user)
