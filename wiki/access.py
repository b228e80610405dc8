"""Who reads and writes the knowledge base, built on accounts.roles.

Reading: support staff who see every organization (admin, agent, DPO, developer, controller)
read every page; sales reps read the internal and shared spaces and the spaces of the
organizations they represent (and their resellers' clients). Customers (client users, client
administrators, resellers) read the pages of the shared space marked "every client" and those of
their organizations' spaces marked "the organization's users"; never a staff-only page, never
another organization's. A page someone may not read does not exist for them (404).
Writing: admins, agents and sales reps write pages in the spaces they read; everyone who reads
a page may say it solved their problem. Counters (views, solved) are shown to staff.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import roles
from accounts.models import Organization

from .models import Attachment, Page, Revision, Space

Visibility = Page.Visibility


def is_staff_reader(user) -> bool:
    """Reads staff-only pages and sees the counters."""
    return roles.is_staff_member(user)


def can_read_wiki(user) -> bool:
    return roles.is_staff_member(user) or roles.is_customer(user)


def can_write(user) -> bool:
    return roles.is_admin(user) or roles.is_agent(user) or roles.is_sales_rep(user)


def _organizations_q(user, field: str) -> Q:
    """Rows whose `field` organization user may see, or rows of no organization."""
    return Q(**{f"{field}__isnull": True}) | roles.organization_q(user, f"{field}_id")


def visible_pages(user) -> QuerySet[Page]:
    """Pages user may read (scoped by the page's own organization and visibility: no join)."""
    if roles.sees_all_organizations(user):
        return Page.objects.all()
    if roles.is_staff_member(user):
        return Page.objects.filter(_organizations_q(user, "organization"))
    if not roles.is_customer(user):
        return Page.objects.none()
    ids = roles.visible_organization_ids(user) or []
    return Page.objects.filter(
        Q(visibility=Visibility.CLIENTS, organization__isnull=True)
        | Q(visibility=Visibility.ORGANIZATION, organization_id__in=ids)
    )


def visible_spaces(user) -> QuerySet[Space]:
    """Spaces user may open: staff those of the organizations they see and the shared and
    internal ones; customers the shared one and their organizations' ones."""
    if roles.sees_all_organizations(user):
        return Space.objects.all()
    if roles.is_staff_member(user):
        return Space.objects.filter(_organizations_q(user, "organization"))
    if not roles.is_customer(user):
        return Space.objects.none()
    ids = roles.visible_organization_ids(user) or []
    return Space.objects.filter(Q(kind=Space.Kind.SHARED) | Q(organization_id__in=ids))


def get_visible_space_or_404(user, pk) -> Space:
    try:
        return visible_spaces(user).select_related("organization").get(pk=int(pk))
    except (Space.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_visible_page_or_404(user, pk) -> Page:
    try:
        return visible_pages(user).select_related("space", "updated_by").get(pk=int(pk))
    except (Page.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_visible_revision_or_404(user, page: Page, number) -> Revision:
    """A revision of a page user reads; only staff read the history (an older text may hold
    what was removed on purpose)."""
    if not can_see_history(user, page):
        raise Http404
    try:
        return page.revisions.select_related("author").get(number=int(number))
    except (Revision.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_visible_attachment_or_404(user, page_pk, pk) -> Attachment:
    page = get_visible_page_or_404(user, page_pk)
    try:
        attachment = page.attachments.get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    attachment.page = page
    return attachment


def can_see_history(user, page: Page) -> bool:
    return is_staff_reader(user)


def can_see_counters(user) -> bool:
    return is_staff_reader(user)


def can_edit_page(user, page: Page) -> bool:
    """Writers edit the pages they read (page came from visible_pages)."""
    return can_write(user)


def can_mark_helpful(user, page: Page) -> bool:
    return can_read_wiki(user)


def writable_organizations(user) -> QuerySet[Organization]:
    """Client organizations user may write a space's pages for."""
    if not can_write(user):
        return Organization.objects.none()
    return roles.visible_organizations(user).exclude(kind=Organization.Kind.RESELLER)


def can_write_in(user, *, kind: str, organization: Organization | None) -> bool:
    if not can_write(user):
        return False
    if kind == Space.Kind.ORGANIZATION:
        return roles.may_act_for(user, organization)
    return True


def allowed_visibilities(kind: str) -> list[str]:
    """An internal page is for staff; a shared page for staff or every client; a page of an
    organization's space for staff or that organization's users."""
    if kind == Space.Kind.INTERNAL:
        return [Visibility.STAFF]
    if kind == Space.Kind.SHARED:
        return [Visibility.STAFF, Visibility.CLIENTS]
    return [Visibility.STAFF, Visibility.ORGANIZATION]


def can_create_from_ticket(user) -> bool:
    return can_write(user)


def sees_ticket_suggestions(user) -> bool:
    """Suggested pages beside a ticket are for the staff answering it."""
    return can_write(user)
