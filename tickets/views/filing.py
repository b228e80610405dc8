"""Filing a ticket from the web form (customers for themselves, staff for a client)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import require

from .. import access, services
from ..errors import TicketError
from ..forms import TicketCreateForm


def ticket_create(request):
    require(access.can_create_ticket(request.user), hidden=True)
    form = TicketCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["assignees"] = list(data.get("assignees") or [])
        try:
            ticket = services.create_ticket(actor=request.user, **data)
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ticket #%(n)s created.") % {"n": ticket.number})
            return redirect(ticket)
    context = {"form": form, "nav_active": "new-ticket"}
    return render(request, "tickets/new.html", context, status=400 if form.errors else 200)
