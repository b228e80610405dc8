"""htmx fragments that pages of lower apps load from cdc (a ticket page cannot import cdc)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets import access as tickets_access

from . import access


@require_GET
def start_from_ticket(request, number):
    """The "Start a change request" button of a ticket page (empty for people who may not
    open one); 404 for a ticket the person may not see."""
    if not tickets_access.visible_tickets(request.user).filter(number=number).exists():
        raise Http404
    show = access.can_create_change_request(request.user)
    return render(
        request, "cdc/_start_from_ticket.html", {"show": show, "ticket": {"number": number}}
    )
