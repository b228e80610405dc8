"""The Administration area: its landing page, the reference data (list, form, reorder, retire,
delete), canned replies with a live preview, the business calendar and the settings page.
Admins only (administration.access): for anyone else these pages do not exist (404). Writes go
through tickets.services.reference and accounts.services.save_site_settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import policies
from accounts import services as account_services
from tickets import access as tickets_access
from tickets.errors import ReferenceRefused, StaleVersion
from tickets.models import CannedReply, Holiday
from tickets.services import fill_canned_reply
from tickets.services import reference as reference_services

from . import access, selectors
from .forms import (
    CalendarForm,
    CannedPreviewForm,
    HolidayForm,
    HolidayImportForm,
    SettingsForm,
)
from .reference import KINDS, PLACEHOLDERS

PAGE_SIZE = 50


def _require(request) -> None:
    access.require(access.can_administer(request.user))


def _page(request, template, context, section="", status=200):
    """An Administration page: its side menu knows every kind and the current screen."""
    context.update(admin_kinds=KINDS, admin_section=section, nav_active="administration")
    return render(request, template, context, status=status)


def moved(request, rest):
    """/admin/audit/... and /admin/gdpr/... moved under /administration/: a permanent redirect
    to the same page and query (for admins; nobody else learns the pages exist)."""
    access.require(access.can_view_audit(request.user) and access.can_run_gdpr(request.user))
    query = request.META.get("QUERY_STRING", "")
    target = reverse("administration:home") + rest
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def _kind_or_404(slug):
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def home(request):
    """Every screen of the area, grouped."""
    _require(request)
    return _page(request, "administration/home.html", {})


def reference_list(request, kind):
    _require(request)
    kind = _kind_or_404(kind)
    rows = selectors.reference_rows(request.user, kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    used = reference_services.usage(kind.model, [row.pk for row in entries])
    for row in entries:
        row.ticket_count = used.get(row.pk, 0)
    context = {
        "kind": kind,
        "page": page,
        "entries": entries,
    }
    return _page(request, "administration/reference_list.html", context, kind.slug)


def reference_edit(request, kind, pk=None):
    _require(request)
    kind = _kind_or_404(kind)
    entry = None
    if pk is not None:
        entry = selectors.reference_entry(request.user, kind, pk)
        if entry is None:
            raise Http404
    seen = reference_services.fingerprint(entry) if entry else ""
    form = kind.form(request.POST or None, instance=entry, seen=seen)
    if request.method == "POST" and form.is_valid():
        try:
            row = reference_services.save_entry(
                actor=request.user,
                row=form.save(commit=False),
                seen=form.cleaned_data.get("seen") or None,
            )
        except StaleVersion as error:
            messages.error(request, str(error))
            fresh = selectors.reference_entry(request.user, kind, pk)
            form = kind.form(
                instance=fresh, seen=reference_services.fingerprint(fresh) if fresh else ""
            )
        except ReferenceRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": row})
            return redirect("administration:reference-list", kind.slug)
    context = {
        "kind": kind,
        "entry": entry,
        "form": form,
        "placeholders": PLACEHOLDERS if kind.model is CannedReply else (),
    }
    return _page(request, "administration/reference_form.html", context, kind.slug)


def _entry_or_404(request, kind, pk):
    _require(request)
    kind = _kind_or_404(kind)
    entry = selectors.reference_entry(request.user, kind, pk)
    if entry is None:
        raise Http404
    return kind, entry


def _back(kind, request):
    url = reverse("administration:reference-list", args=[kind.slug])
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@require_POST
def reference_move(request, kind, pk):
    kind, entry = _entry_or_404(request, kind, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404
    try:
        reference_services.move_entry(actor=request.user, row=entry, direction=direction)
    except ReferenceRefused as error:
        messages.error(request, str(error))
    return _back(kind, request)


@require_POST
def reference_retire(request, kind, pk):
    """Retire the entry, or bring it back (active=1)."""
    kind, entry = _entry_or_404(request, kind, pk)
    active = request.POST.get("active") == "1"
    try:
        reference_services.set_active(actor=request.user, row=entry, active=active)
    except ReferenceRefused as error:
        messages.error(request, str(error))
    else:
        if active:
            messages.success(request, _("“%(name)s” can be chosen again.") % {"name": entry})
        else:
            messages.success(
                request,
                _("“%(name)s” is retired: it is no longer offered; tickets keep showing it.")
                % {"name": entry},
            )
    return _back(kind, request)


@require_POST
def reference_delete(request, kind, pk):
    kind, entry = _entry_or_404(request, kind, pk)
    name = str(entry)
    try:
        reference_services.delete_entry(actor=request.user, row=entry)
    except ReferenceRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(name)s” deleted.") % {"name": name})
    return _back(kind, request)


def canned_preview(request):
    """The canned reply being written, filled in for a ticket the admin chose (htmx fragment)."""
    _require(request)
    form = CannedPreviewForm(request.POST or request.GET or None)
    text, ticket, error = "", None, ""
    if form.is_valid():
        number = form.cleaned_data.get("ticket")
        if number:
            try:
                ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
            except Http404:
                error = _("No ticket #%(number)s.") % {"number": number}
        draft = CannedReply(body=form.cleaned_data.get("body") or "")
        text = fill_canned_reply(draft, ticket=ticket, agent=request.user)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(
        request,
        "administration/_canned_preview.html",
        {"text": text, "ticket": ticket, "error": error},
    )


# --- business calendar ---------------------------------------------------------------------------


def calendar(request):
    _require(request)
    cal = reference_services.calendar()
    seen = reference_services.fingerprint(cal)
    form = CalendarForm(request.POST or None, instance=cal, seen=seen)
    if request.method == "POST" and form.is_valid():
        try:
            reference_services.save_calendar(
                actor=request.user,
                row=form.save(commit=False),
                seen=form.cleaned_data.get("seen") or None,
            )
        except StaleVersion as error:
            messages.error(request, str(error))
            cal = reference_services.calendar()
            form = CalendarForm(instance=cal, seen=reference_services.fingerprint(cal))
        except ReferenceRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Business calendar saved."))
            return redirect("administration:calendar")
    return _calendar_page(request, form=form)


def _calendar_page(request, *, form=None, holiday_form=None, import_form=None, status=200):
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), 2100)
    cal = reference_services.calendar()
    context = {
        "form": form or CalendarForm(instance=cal, seen=reference_services.fingerprint(cal)),
        "holiday_form": holiday_form or HolidayForm(),
        "import_form": import_form or HolidayImportForm(initial={"year": year}),
        "holidays": list(reference_services.holidays_of(year)),
        "year": year,
        "years": [this_year - 1, this_year, this_year + 1, this_year + 2],
    }
    return _page(request, "administration/calendar.html", context, "calendar", status)


@require_POST
def holiday_add(request):
    _require(request)
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = reference_services.add_holiday(
                actor=request.user, date=form.cleaned_data["date"], name=form.cleaned_data["name"]
            )
        except ReferenceRefused as error:
            form.add_error("date", str(error))
        else:
            messages.success(request, _("Public holiday added."))
            url = reverse("administration:calendar")
            return redirect(f"{url}?year={holiday.date.year}")
    return _calendar_page(request, holiday_form=form, status=400)


@require_POST
def holiday_import(request):
    _require(request)
    form = HolidayImportForm(request.POST)
    if not form.is_valid():
        return _calendar_page(request, import_form=form, status=400)
    year = form.cleaned_data["year"]
    added = reference_services.import_public_holidays(actor=request.user, year=year)
    if added:
        messages.success(
            request,
            ngettext(
                "%(count)d public holiday of France added for %(year)d.",
                "%(count)d public holidays of France added for %(year)d.",
                added,
            )
            % {"count": added, "year": year},
        )
    else:
        messages.info(
            request, _("Every public holiday of %(year)d was already there.") % {"year": year}
        )
    return redirect(f"{reverse('administration:calendar')}?year={year}")


@require_POST
def holiday_delete(request, pk):
    _require(request)
    holiday = get_object_or_404(Holiday, pk=pk)
    reference_services.delete_holiday(actor=request.user, holiday=holiday)
    messages.success(request, _("Public holiday removed."))
    return redirect(f"{reverse('administration:calendar')}?year={holiday.date.year}")


# --- settings ------------------------------------------------------------------------------------


def site_settings(request):
    _require(request)
    row = account_services.site_settings_row()
    form = SettingsForm(request.POST or None, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.save_site_settings(
                actor=request.user,
                seen_version=form.cleaned_data.get("version"),
                **form.values(),
            )
        except policies.StaleSettings as error:
            messages.error(request, str(error))
            form = SettingsForm(row=account_services.site_settings_row())
        else:
            messages.success(request, _("Settings saved: they apply now."))
            return redirect("administration:settings")
    context = {
        "form": form,
        "row": row,
        "current": policies.current(),
        "environment": {name: policies.environment_value(name) for name in policies.FIELDS},
    }
    return _page(request, "administration/settings.html", context, "settings")
