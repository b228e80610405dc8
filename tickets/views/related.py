"""Tickets of an organization or a contact (a card on their pages), and the contact page."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from accounts import access as accounts_access

from .. import access, selectors
from ..models import Asset, Project
from ..paging import CappedPaginator

RELATED_PAGE_SIZE = 10


def related_tickets(request, kind, pk):
    """The tickets of an organization or a contact, as a card fragment (htmx, refreshed) shown
    on the organization page and the contact page."""
    if kind == "organization":
        subject = accounts_access.get_visible_organization_or_404(request.user, pk)
        rows = selectors.related_tickets(request.user, organization=subject)
    elif kind == "contact":
        subject = access.get_visible_contact_or_404(request.user, pk)
        rows = selectors.related_tickets(request.user, contact=subject)
    elif kind in ("asset", "project"):
        model = Asset if kind == "asset" else Project
        subject = access.get_visible_item_or_404(request.user, model, pk)
        rows = selectors.related_tickets(request.user, **{kind: subject})
    else:
        raise Http404
    page = CappedPaginator(rows, RELATED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "tickets": list(page.object_list),
        "kind": kind,
        "subject": subject,
        "refresh_seconds": settings.HELPDESK_REFRESH_SECONDS,
    }
    return render(request, "tickets/_related.html", context)


def contact_detail(request, pk):
    """A contact's record: who they are and every ticket concerning them or filed by them."""
    contact = access.get_visible_contact_or_404(request.user, pk)
    return render(
        request,
        "tickets/contact.html",
        {"contact": contact, "nav_active": "tickets"},
    )
