"""Page-shaped reads for the accounts pages; they start from accounts.access."""

from django.db.models import Count, Prefetch, Q, Window

from core.prepared import Prepared

from . import access, caching, roles
from .models import Organization, User, UserRole

# Read by id when a ticket is filed for a client (the organization and the contact posted by the
# form): compiled once per process.
_ACTIVE_ORGANIZATION = Prepared(lambda pk: Organization.objects.filter(pk=pk, is_active=True), "pk")
_ACTIVE_CONTACT = Prepared(
    lambda pk: User.objects.filter(pk=pk, is_active=True, organization__is_active=True), "pk"
)
_IDS = range(1, 2**63)  # what a primary key can be (a posted value outside it matches nothing)


def organization_to_act_for(user, pk: int) -> Organization | None:
    """The active organization pk if user may act for it (roles.may_act_for), else None: a row
    of roles.visible_organizations(user).filter(is_active=True), read by id."""
    found = _ACTIVE_ORGANIZATION.models(pk=pk) if pk in _IDS else []
    return found[0] if found and roles.may_act_for(user, found[0]) else None


def contact_to_act_for(user, pk: int) -> User | None:
    """The active person pk if they belong to an active organization user may act for, else
    None: a row of User.objects.filter(organization__in=<those organizations>, is_active=True),
    read by id."""
    found = _ACTIVE_CONTACT.models(pk=pk) if pk in _IDS else []
    if not found:
        return None
    ids = roles.visible_organization_ids(user)
    return found[0] if ids is roles.ALL or found[0].organization_id in ids else None


def organization_names() -> list[tuple[int, str]]:
    """(id, name) of every organization, by name: the client picker of people who see them
    all (the queue's filter, on every queue page). Cached (accounts.caching): a service company
    has hundreds of clients, and building hundreds of model instances for the options doubled
    the cost of a queue page."""

    def rows():
        return list(Organization.objects.order_by("name", "pk").values_list("pk", "name"))

    return caching.organization_names(rows)


def _with_roles(users):
    return users.select_related("organization").prefetch_related(
        Prefetch("user_roles", queryset=UserRole.objects.select_related("role"))
    )


def user_rows(actor, *, q="", role="", organization=None, status=""):
    """People an admin manages, filtered as on the user list."""
    users = access.managed_users(actor)
    if q:
        users = users.filter(
            Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
        )
    if role:
        users = users.filter(user_roles__role__code=role)
    if organization is not None:
        users = users.filter(organization=organization)
    if status != "awaiting":
        # Sign-ups waiting for approval belong to no organization yet: they are listed apart
        # (pending_signups), not among the support company's staff.
        users = users.filter(awaiting_approval=False)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False, awaiting_approval=False)
    elif status == "awaiting":
        users = users.filter(awaiting_approval=True)
    return _with_roles(users).order_by("last_name", "first_name", "email")


PENDING_SHOWN = 20


def pending_signups(actor) -> tuple[list[User], int]:
    """Sign-ups waiting for an admin's approval (the oldest first, at most PENDING_SHOWN) and
    how many there are: clients-to-be, shown apart on the user list."""
    pending = access.managed_users(actor).filter(awaiting_approval=True)
    # One query: the first rows, each carrying the total (a window count over all of them).
    rows = list(
        pending.annotate(total=Window(Count("pk"))).order_by("date_joined", "pk")[:PENDING_SHOWN]
    )
    return rows, (rows[0].total if rows else 0)


def organization_rows(actor, *, q=""):
    organizations = access.visible_organizations(actor).select_related("parent")
    if q:
        organizations = organizations.filter(name__icontains=q)
    return organizations.annotate(member_count=Count("members", distinct=True)).order_by("name")


def organization_members(actor, organization: Organization):
    return _with_roles(organization.members.all()).order_by("last_name", "first_name")


def user_detail(actor, pk) -> User:
    user = access.get_managed_user_or_404(actor, pk)
    return _with_roles(User.objects.filter(pk=user.pk)).get()
