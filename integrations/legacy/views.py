"""Administration pages of the old helpdesk's import: upload a ZIP, follow its progress,
read its report, resume a stopped run. Admins only; anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from .. import access
from . import services
from .forms import LegacyImportForm

RUNS_SHOWN = 20


def _require_admin(request) -> None:
    if not access.can_import_helpdesk(request.user):
        raise Http404


def import_list(request):
    _require_admin(request)
    form = LegacyImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = services.start_import(
            actor=request.user,
            upload=form.cleaned_data["archive"],
            origin=form.cleaned_data["origin"],
        )
        messages.success(request, _("The import has started; this page follows it."))
        return redirect("integrations:legacy-import", pk=run.pk)
    runs = access.helpdesk_imports(request.user)[:RUNS_SHOWN]
    context = {"form": form, "runs": runs, "nav_active": "administration"}
    return render(request, "integrations/legacy/list.html", context)


@vary_on_headers("HX-Request")
def import_detail(request, pk):
    """The run's page; its status block alone for htmx (polled every 2 s while it runs)."""
    run = access.get_helpdesk_import_or_404(request.user, pk)
    template = (
        "integrations/legacy/_status.html" if request.htmx else "integrations/legacy/detail.html"
    )
    response = render(request, template, {"run": run, "nav_active": "administration"})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def import_resume(request, pk):
    run = access.get_helpdesk_import_or_404(request.user, pk)
    services.resume_import(actor=request.user, run=run)
    messages.success(request, _("The import starts again where it stopped."))
    return redirect("integrations:legacy-import", pk=run.pk)
