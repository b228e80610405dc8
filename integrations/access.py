"""Who manages API tokens and who reads the API's documentation.

Everyone who is logged in manages their own tokens (a token acts as its owner, so it sees
exactly what the owner sees through each app's access rules); nobody sees or revokes anyone
else's token: another person's token id answers 404. The API itself asks tickets.access and
accounts.access for every object it returns.
"""

from __future__ import annotations

from django.http import Http404

from accounts import access as accounts_access
from accounts import roles
from accounts.models import User
from notifications.models import ChatWebhook
from tickets import access as tickets_access

from .models import ApiToken, LegacyImport, SyncRun, SyncSource, WebForm


def own_tokens(user):
    """user's tokens, newest first (revoked ones too: the list shows them as revoked)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def get_own_token_or_404(user, pk) -> ApiToken:
    try:
        return own_tokens(user).get(pk=int(pk))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def visible_organizations(user):
    """The organizations whose page user may open (accounts.access)."""
    return accounts_access.visible_organizations(user)


def visible_contacts(user):
    """Client people whose contact page user may open (tickets.access.get_visible_contact_or_404):
    staff, and customers who see their organization's tickets; people of the organizations user
    sees. Customers who only see their own tickets list nobody."""
    if not (roles.is_staff_member(user) or not roles.sees_only_own_tickets(user)):
        return User.objects.none()
    return User.objects.filter(roles.organization_q(user), organization__isnull=False)


def can_manage_web_forms(user) -> bool:
    """Web forms for clients' websites are made by admins (seed 003)."""
    return roles.is_admin(user)


def managed_web_forms(user):
    if not can_manage_web_forms(user):
        return WebForm.objects.none()
    return WebForm.objects.all()


def get_managed_web_form_or_404(user, pk) -> WebForm:
    try:
        return managed_web_forms(user).get(pk=int(pk))
    except (WebForm.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_public_web_form_or_404(public_id) -> WebForm:
    """The form a website shows: anyone (it is public), while active."""
    try:
        return WebForm.objects.select_related("default_type").get(
            public_id=public_id, is_active=True
        )
    except (WebForm.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def own_webhook(user):
    """user's personal chat webhook, or None (nobody sees anyone else's: its URL is a secret)."""
    if not user.is_authenticated:
        return None
    return ChatWebhook.objects.filter(owner=user).first()


def can_sync_customers(user) -> bool:
    """The customer-base sync from the ERP creates and changes organizations: admins only
    (as accounts.access.can_manage_organizations)."""
    return accounts_access.can_manage_organizations(user)


def sync_runs(user):
    """The history of the customer-base sync: admins who may sync, every run."""
    if not can_sync_customers(user):
        return SyncRun.objects.none()
    return SyncRun.objects.all()


def get_sync_run_or_404(user, pk) -> SyncRun:
    try:
        return sync_runs(user).select_related("sync_source", "started_by").get(pk=int(pk))
    except (SyncRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def sync_sources(user):
    """The configured sources of the unattended sync: admins who may sync."""
    if not can_sync_customers(user):
        return SyncSource.objects.none()
    return SyncSource.objects.all()


def get_sync_source_or_404(user, pk) -> SyncSource:
    try:
        return sync_sources(user).get(pk=int(pk))
    except (SyncSource.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def web_form_may_speak_as(person) -> bool:
    """Whether a web-form request confirmed from a link emailed to person may be filed in
    their name: client people of an organization who file tickets. Staff identities are never
    taken from a mailbox link (a link proves someone reads the mailbox, not who they are:
    intake.trust)."""
    return (
        person is not None
        and not roles.is_staff_member(person)
        and bool(person.organization_id)
        and tickets_access.can_create_ticket(person)
    )


def can_import_helpdesk(user) -> bool:
    """Importing an old helpdesk writes tickets, people and organizations in bulk: admins only."""
    return roles.is_admin(user)


def helpdesk_imports(user):
    """The imports started from the administration pages: every admin sees them all."""
    if not can_import_helpdesk(user):
        return LegacyImport.objects.none()
    return LegacyImport.objects.select_related("requested_by")


def get_helpdesk_import_or_404(user, pk) -> LegacyImport:
    try:
        return helpdesk_imports(user).get(pk=int(pk))
    except (LegacyImport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
