"""Bulk changes from the queue: the list of changes (loaded when a first row is ticked) and
applying one change to the selected tickets."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.access import require

from .. import access, services
from ..errors import TicketError
from ..forms import BulkForm


def bulk_changes(request):
    """The bulk bar's list of changes, loaded when the person ticks a first row."""
    require(access.can_bulk_edit(request.user), hidden=True)
    form = BulkForm(user=request.user)
    return render(request, "tickets/_bulk_changes.html", {"bulk_form": form})


@require_POST
def ticket_bulk(request):
    """Apply one change to the tickets selected in the queue, then back to the same view."""
    require(access.can_bulk_edit(request.user), hidden=True)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    back = back or reverse("tickets:list")
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        result = services.bulk_apply(
            actor=request.user,
            numbers=form.cleaned_data["tickets"],
            action=form.cleaned_data["action"],
            value=form.cleaned_data["value"],
        )
    except TicketError as error:
        messages.error(request, str(error))
        return redirect(back)
    if result.changed:
        messages.success(
            request,
            ngettext(
                "%(count)s ticket changed: %(numbers)s.",
                "%(count)s tickets changed: %(numbers)s.",
                len(result.changed),
            )
            % {"count": len(result.changed), "numbers": _numbers(result.changed)},
        )
    if result.unchanged:
        messages.info(
            request,
            ngettext(
                "%(count)s ticket already had it: %(numbers)s.",
                "%(count)s tickets already had it: %(numbers)s.",
                len(result.unchanged),
            )
            % {"count": len(result.unchanged), "numbers": _numbers(result.unchanged)},
        )
    if result.refused:
        details = ", ".join(f"#{number} ({reason})" for number, reason in result.refused)
        messages.error(
            request,
            ngettext(
                "%(count)s ticket not changed: %(details)s.",
                "%(count)s tickets not changed: %(details)s.",
                len(result.refused),
            )
            % {"count": len(result.refused), "details": details},
        )
    return redirect(back)


def _numbers(numbers: list[int]) -> str:
    return ", ".join(f"#{n}" for n in numbers)
