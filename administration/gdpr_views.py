"""GDPR pages for admins (/administration/gdpr/): find a person, export everything held about
them (a ZIP prepared in the background, its progress polled by htmx, downloaded through this app
only by the admin who asked, until it expires), anonymise them, and the retention dry run."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import AccountError

from . import access, gdpr_selectors, gdpr_services
from .gdpr_forms import AnonymiseForm, PersonSearchForm
from .reference import KINDS


def _menu(section: str) -> dict:
    """What the Administration side menu needs (administration/_layout.html)."""
    return {"nav_active": "administration", "admin_kinds": KINDS, "admin_section": section}


def _person_or_404(request, pk):
    access.require(access.can_run_gdpr(request.user))
    person = gdpr_selectors.person(request.user, pk)
    if person is None:
        raise Http404
    return person


def gdpr_home(request):
    access.require(access.can_run_gdpr(request.user))
    search = PersonSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_bound and search.is_valid() else ""
    context = {
        "search": search,
        "q": q,
        "people": gdpr_selectors.people(request.user, q),
        "exports": list(gdpr_selectors.exports(request.user)[:20]),
        **_menu("gdpr"),
    }
    return render(request, "administration/gdpr/home.html", context)


def _person_page(request, person, form, status=200):
    context = {
        "person": person,
        "anonymised": gdpr_services.is_anonymised(person),
        "form": form,
        "exports": list(gdpr_selectors.exports(request.user).filter(person=person)[:5]),
        **_menu("gdpr"),
    }
    return render(request, "administration/gdpr/person.html", context, status=status)


def gdpr_person(request, pk):
    person = _person_or_404(request, pk)
    return _person_page(request, person, AnonymiseForm(person=person))


@require_POST
def gdpr_export_start(request, pk):
    person = _person_or_404(request, pk)
    gdpr_services.request_export(actor=request.user, person=person)
    messages.success(
        request,
        _("The export is being prepared. You will also receive the download link by email."),
    )
    return redirect("administration:gdpr-person", pk=person.pk)


def gdpr_export_status(request, pk):
    """The progress of an export (an htmx fragment polled until it is done)."""
    access.require(access.can_run_gdpr(request.user))
    export = gdpr_selectors.exports(request.user).filter(pk=pk).first()
    if export is None:
        raise Http404
    response = render(request, "administration/gdpr/_export.html", {"export": export})
    response["Cache-Control"] = "no-store"
    return response


def gdpr_export_download(request, pk):
    access.require(access.can_run_gdpr(request.user))
    export = gdpr_selectors.downloadable(request.user, pk)
    if export is None:
        raise Http404
    gdpr_services.record_download(actor=request.user, export=export)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"gdpr-export-{export.pk}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def gdpr_anonymise(request, pk):
    person = _person_or_404(request, pk)
    form = AnonymiseForm(request.POST, person=person)
    if form.is_valid():
        try:
            gdpr_services.anonymise_person(
                actor=request.user,
                person=person,
                words=form.cleaned_data["words"],
                remove_attachments=form.cleaned_data["remove_attachments"],
            )
        except AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The person is anonymised."))
            return redirect("administration:gdpr-person", pk=person.pk)
    return _person_page(request, person, form, status=400)


def gdpr_retention(request):
    """What the retention job would anonymise now (a dry run: nothing changes)."""
    access.require(access.can_run_gdpr(request.user))
    context = {"plan": gdpr_services.retention_plan(), **_menu("retention")}
    return render(request, "administration/gdpr/retention.html", context)
