"""Saving the queue's current filters as a named tab of the person's own, and deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.access import require
from core.text import storable

from .. import access, services
from ..errors import TicketError
from ..filters import filter_query
from ..forms import SavedFilterForm


@require_POST
def saved_filter_save(request):
    """Save the queue's current filters under a name (a tab of the person's own); with htmx
    a refusal comes back in the form, with the name as typed."""
    require(access.can_use_saved_views(request.user), hidden=True)
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        params = QueryDict(form.cleaned_data["query"])
        name = form.cleaned_data["name"]
        try:
            saved, created = services.save_filter(actor=request.user, name=name, params=params)
        except TicketError as error:
            return _refused(request, str(error), name, params)
    else:
        # What the form refused (characters that cannot be saved, too long): said, and the
        # name kept as typed when it can be shown again.
        error = " ".join(m for errors in form.errors.values() for m in errors)
        name = form.data.get("name", "")
        query = form.cleaned_data.get("query", "")
        return _refused(request, error, storable(name), QueryDict(storable(query)))
    if created:
        messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    else:
        messages.success(request, _("View “%(name)s” updated.") % {"name": saved.name})
    url = f"{reverse('tickets:list')}?{saved.query}"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refused(request, error: str, name: str, params: QueryDict):
    """The refusal in the form (htmx) with the name as typed, or as a message on the queue."""
    if request.htmx:
        context = {"error": error, "name": name, "current_query": filter_query(params)}
        return render(request, "tickets/_save_filter.html", context)
    messages.error(request, error)
    return redirect(f"{reverse('tickets:list')}?{filter_query(params)}")


@require_POST
def saved_filter_delete(request, pk):
    saved = access.get_own_saved_filter_or_404(request.user, pk)
    services.delete_filter(actor=request.user, saved=saved)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": saved.name})
    # Back to the same filters, no longer saved.
    return redirect(f"{reverse('tickets:list')}?{saved.query}")
