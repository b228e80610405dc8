"""Every change to people and organizations, one function per verb.

Callers: views (admins' user administration, profiles) and the sign-up adapter. Each service
checks accounts.access for the acting user, writes in one transaction and queues emails after
commit. Deactivating a person keeps their rows (history) and ends their sessions at once
(the auth backend refuses inactive users on every request).
"""

from __future__ import annotations

from functools import partial

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.locking import check_version

from . import access, caching, emails, policies, roles, twofactor
from .errors import AccountError
from .models import Organization, Role, SiteSettings, User

Code = Role.Code
PROFILE_FIELDS = ("first_name", "last_name", "phone", "job_title", "language", "muted_notices")


def _check_roles(codes: list[str], organization: Organization | None, level: int | None) -> None:
    customer = set(codes) & roles.CUSTOMER_ROLES
    staff = set(codes) & roles.STAFF_ROLES
    if not codes:
        raise AccountError(_("Choose at least one role."))
    if customer and staff:
        raise AccountError(_("A person is either staff of the support company or a customer."))
    if customer and organization is None:
        raise AccountError(_("Client and reseller users belong to an organization."))
    if staff and organization is not None:
        raise AccountError(_("Staff of the support company belong to no organization."))
    if Code.RESELLER in codes and organization and organization.kind != Organization.Kind.RESELLER:
        raise AccountError(_("Reseller users belong to a reseller organization."))
    if Code.AGENT in codes and level is None:
        raise AccountError(_("Choose the agent's support level."))


def _absolute(path: str) -> str:
    return settings.HELPDESK_BASE_URL.rstrip("/") + path


def password_setup_url(user: User) -> str:
    """A one-time link for user to choose a password (allauth's reset-from-key page)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return _absolute(path)


@transaction.atomic
def create_user(
    *,
    actor: User,
    email: str,
    role_codes: list[str],
    organization: Organization | None = None,
    support_level: int | None = None,
    **profile,
) -> User:
    """Admins create a person of any role; the person is emailed a link to set a password."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    return _create_user(actor, email, role_codes, organization, support_level, profile)


@transaction.atomic
def create_contact(*, actor: User, email: str, organization: Organization, **profile) -> User:
    """Admins and agents add a client user to an organization they see (the sender of an
    email from an unknown address, say); emailed a link to set a password like any new user."""
    if not (access.can_create_contact(actor) and roles.may_act_for(actor, organization)):
        raise PermissionDenied
    return _create_user(actor, email, [Code.CLIENT_USER], organization, None, profile)


def _create_user(actor, email, role_codes, organization, support_level, profile) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(_("A person with this email already exists."))
    _check_roles(role_codes, organization, support_level)
    user = User(email=email, organization=organization, **profile)
    user.set_unusable_password()
    user.save()
    roles.grant(user, role_codes, support_level=support_level)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    transaction.on_commit(
        partial(
            emails.send_to_user,
            user,
            "invitation",
            {"url": password_setup_url(user), "inviter": actor},
        )
    )
    return user


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    email: str,
    role_codes: list[str],
    organization: Organization | None = None,
    support_level: int | None = None,
    **profile,
) -> User:
    """Admins edit a person: identity, organization, roles (with the agent's level)."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise AccountError(_("A person with this email already exists."))
    _check_roles(role_codes, organization, support_level)
    if user.pk == actor.pk and Code.ADMIN not in role_codes:
        raise AccountError(_("You cannot remove your own administrator role."))
    if email != user.email:
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.email = email
    user.organization = organization
    for field in PROFILE_FIELDS:
        if field in profile:
            setattr(user, field, profile[field])
    user.save()
    user.user_roles.exclude(role__code__in=role_codes).delete()
    roles.grant(user, role_codes, support_level=support_level)
    return user


@transaction.atomic
def update_profile(*, actor: User, **fields) -> User:
    """A person edits their own name, phone, job title, language and which ticket emails they
    receive (muted_notices: Notice codes)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    for field in PROFILE_FIELDS:
        if field in fields:
            setattr(user, field, fields[field])
    user.save(update_fields=[f for f in PROFILE_FIELDS if f in fields])
    return user


def set_queue_density(*, actor: User, density: str) -> None:
    """A person chooses how tall the rows of their ticket queue are (User.Density); anyone
    logged in, for themselves only. One UPDATE of their row."""
    if density not in User.Density.values:
        raise AccountError(_("Choose compact or comfortable."))
    User.objects.filter(pk=actor.pk).update(queue_density=density)
    actor.queue_density = density


@transaction.atomic
def deactivate_user(*, actor: User, user: User) -> User:
    """The person can no longer log in; their open sessions end; their history stays."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    if user.pk == actor.pk:
        raise AccountError(_("You cannot deactivate yourself."))
    User.objects.filter(pk=user.pk).update(is_active=False)
    end_sessions(user_ids={user.pk})
    user.refresh_from_db()
    return user


def end_sessions(*, user_ids: set[int] | None = None) -> int:
    """Delete the stored sessions of the given people (None: of every inactive person).

    Django's auth middleware already refuses an inactive user's session; deleting the rows
    makes the end immediate and leaves nothing behind. Returns the number of sessions deleted.
    """
    from django.contrib.sessions.models import Session

    if user_ids is None:
        user_ids = set(User.objects.filter(is_active=False).values_list("pk", flat=True))
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) in wanted
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def reactivate_user(*, actor: User, user: User) -> User:
    if not access.can_manage_users(actor):
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.refresh_from_db()
    return user


@transaction.atomic
def approve_signup(
    *, actor: User, user: User, organization: Organization, role_codes: list[str]
) -> User:
    """Admins let a person who signed up in, within an organization; the person is told."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.awaiting_approval:
        raise AccountError(_("This account is not waiting for approval."))
    _check_roles(role_codes, organization, None)
    user.organization = organization
    user.is_active = True
    user.awaiting_approval = False
    user.save(update_fields=["organization", "is_active", "awaiting_approval"])
    roles.grant(user, role_codes)
    login_url = _absolute(reverse("account_login"))
    transaction.on_commit(partial(emails.send_to_user, user, "signup_approved", {"url": login_url}))
    return user


def register_signup(user: User) -> None:
    """Called by the sign-up adapter: the new account waits for approval; admins are told."""
    if not policies.current().signup_requires_approval:
        return
    user.is_active = False
    user.awaiting_approval = True
    user.save(update_fields=["is_active", "awaiting_approval"])
    url = _absolute(reverse("accounts:user-list") + "?status=awaiting")
    for admin in roles.users_with_role(Code.ADMIN):
        transaction.on_commit(
            partial(emails.send_to_user, admin, "signup_request", {"applicant": user, "url": url})
        )


@transaction.atomic
def reset_two_factor(*, actor: User, user: User) -> None:
    """Forget the person's devices (lost phone); the emailed code still works."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    twofactor.reset_devices(user)


@transaction.atomic
def save_organization(
    *, actor: User, organization: Organization, sales_reps: list[User] | None = None
) -> Organization:
    """Admins create or edit an organization and choose its sales reps."""
    if not access.can_manage_organizations(actor):
        raise PermissionDenied
    if organization.parent_id and organization.parent_id == organization.pk:
        raise AccountError(_("An organization cannot be its own reseller."))
    organization.save()
    if sales_reps is not None:
        allowed = set(roles.users_with_role(Code.SALES).values_list("pk", flat=True))
        if any(rep.pk not in allowed for rep in sales_reps):
            raise AccountError(_("Only sales reps can be assigned to an organization."))
        organization.sales_reps.set(sales_reps)
    caching.organizations_changed()
    return organization


# --- settings (Administration > Settings) ---


def site_settings_row() -> SiteSettings:
    """The settings row as stored (a new unsaved one when an admin never saved it)."""
    return SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1, version=0)


@transaction.atomic
def save_site_settings(*, actor: User, seen_version: int | None, **values) -> SiteSettings:
    """Admins save the policies (None for a field: back to the environment's value). Refuses
    (policies.StaleSettings) an edit made on another version than the stored one; every process
    reads the new values at its next request."""
    if not access.can_manage_users(actor):
        raise PermissionDenied
    SiteSettings.objects.get_or_create(pk=1, defaults={"version": 1})
    current_row = SiteSettings.objects.select_for_update().get(pk=1)
    if seen_version == 0 and current_row.version == 1 and current_row.updated_by_id is None:
        seen_version = 1  # the row was created just now from the defaults
    check_version(
        current_row,
        seen_version,
        policies.StaleSettings,
        _("Someone else changed the settings meanwhile. Here they are again: redo your change."),
    )
    for name in policies.FIELDS:
        if name in values:
            setattr(current_row, name, values[name])
    current_row.version += 1
    current_row.updated_by = actor
    current_row.save()
    caching.site_settings_changed()
    return current_row
