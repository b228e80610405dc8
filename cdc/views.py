"""Change-request pages: list, creation, the tabbed detail page, its actions, the calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from core.access import require
from core.files import file_response

from . import access, selectors, services, workflow
from .errors import ChangeRequestError
from .forms import (
    AcceptanceForm,
    AnalysisForm,
    CheckForm,
    DecisionForm,
    DpoForm,
    EditRequestForm,
    RequestForm,
    TaskDatesForm,
    TaskForm,
    UploadForm,
)
from .models import Attachment
from .workflow import State


@require_GET
def change_request_list(request):
    require(access.can_view_change_requests(request.user), hidden=True)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    page = Paginator(selectors.change_request_rows(request.user, state=state), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cdc/list.html",
        {
            "page": page,
            "rows": [(cr, workflow.BADGE_CLASSES[cr.state]) for cr in page],
            "states": State.choices,
            "state": state,
            "can_create": access.can_create_change_request(request.user),
            "nav_active": "cdc",
        },
    )


def _request_form(user, data=None, initial=None, form_class=RequestForm, org=None):
    """The request form; the requester list is the chosen organization's people."""
    organizations = access.creatable_organizations(user)
    if org is None:
        org_id = str((data or {}).get("organization") or (initial or {}).get("organization") or "")
        org = organizations.filter(pk=org_id).first() if org_id.isdigit() else None
    if org is None:
        org = organizations.first()
    initial = dict(initial or {})
    if org is not None:
        initial.setdefault("organization", org.pk)
        requesters = access.requester_choices(user, org)
    else:
        requesters = access.requester_choices(user, None)
    return form_class(data, initial=initial, organizations=organizations, requesters=requesters)


def change_request_new(request):
    require(access.can_create_change_request(request.user), hidden=True)
    if request.method == "POST":
        form = _request_form(request.user, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                cr = services.create_change_request(
                    actor=request.user,
                    organization=data["organization"],
                    requester=data["requester"],
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    client_deadline=data["client_deadline"],
                    ticket_number=data["ticket_number"],
                )
            except ChangeRequestError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Change request created as a draft."))
                return redirect(cr)
    else:
        initial = {"requester": request.user.pk}
        if request.GET.get("ticket", "").isdigit():
            initial["ticket_number"] = int(request.GET["ticket"])
        form = _request_form(request.user, initial=initial)
    requester = str(form["requester"].value() or "")
    queryset = form.fields["requester"].queryset
    card = queryset.filter(pk=requester).first() if requester.isdigit() else None
    return render(request, "cdc/new.html", {"form": form, "requester": card, "nav_active": "cdc"})


@require_GET
def requester_card(request):
    """htmx fragment: name, first name, job title and email of the chosen requester."""
    require(access.can_create_change_request(request.user), hidden=True)
    requester = None
    pk = request.GET.get("requester", "")
    if pk.isdigit():
        for org in access.creatable_organizations(request.user):
            requester = access.requester_choices(request.user, org).filter(pk=pk).first()
            if requester:
                break
    return render(request, "cdc/_requester_card.html", {"requester": requester})


def _detail_context(request, cr, tab, bound=None):
    user = request.user
    tabs = access.tabs_for(user, cr)
    editable = {t.key for t in tabs if t.editable}
    forms = {}
    if "request" in editable:
        forms["request"] = _request_form(
            user,
            initial={
                "organization": cr.organization_id,
                "requester": cr.requester_id,
                "ticket_number": cr.ticket.number if cr.ticket_id else None,
                "kind": cr.kind,
                "title": cr.title,
                "client_deadline": cr.client_deadline,
                "description": cr.description,
                "version": cr.version,
            },
            form_class=EditRequestForm,
            org=cr.organization,
        )
    if "specification" in editable:
        forms["specification"] = AnalysisForm(
            initial={
                "solution": cr.solution,
                "planned_date": cr.planned_date,
                "version": cr.version,
            }
        )
    if "dpo" in editable:
        impact = {True: "yes", False: "no"}.get(cr.gdpr_impact, "")
        forms["dpo"] = DpoForm(
            initial={
                "gdpr_impact": impact,
                "conclusions": cr.dpo_conclusions,
                "version": cr.version,
            }
        )
    if "decision" in editable:
        forms["decision"] = DecisionForm()
    if "development" in editable and access.can(user, cr, "add_task"):
        forms["development"] = TaskForm(developers=roles.users_with_role(roles.Code.DEVELOPER))
    check_kinds = access.check_kinds_for(user, cr) if "checks" in editable else []
    if check_kinds:
        forms["checks"] = CheckForm(kinds=check_kinds)
    if "acceptance" in editable:
        forms["acceptance"] = AcceptanceForm()
    if "client_files" in editable or "support_files" in editable:
        forms["upload"] = UploadForm()
    forms.update(bound or {})
    attachments = list(cr.attachments.all())
    task_rows = selectors.task_rows(cr)
    return {
        "cr": cr,
        "tabs": tabs,
        "active": tab if tab in workflow.TAB_KEYS else _default_tab(tabs),
        "forms": forms,
        "badge": workflow.BADGE_CLASSES[cr.state],
        "client_files": [a for a in attachments if a.side == Attachment.Side.CLIENT],
        "support_files": [a for a in attachments if a.side != Attachment.Side.CLIENT],
        "task_rows": task_rows,
        "all_green": bool(task_rows) and all(r["green"] for r in task_rows),
        "can_submit": access.can(user, cr, "submit"),
        "can_cancel_draft": cr.state == State.DRAFT and access.can(user, cr, "cancel"),
        "can_deliver": access.can(user, cr, "deliver"),
        "can_edit_tasks": access.can(user, cr, "edit_task"),
        "can_decide": "decision" in editable,
        "history": selectors.detail_history(cr),
        "nav_active": "cdc",
    }


ATTACHMENT_TABS = ("client_files", "support_files")


def _default_tab(tabs):
    """The first tab the person works in; with none, the furthest step reached, read (an
    attachments tab only when the person may add to it)."""
    editable = [t.key for t in tabs if t.editable]
    if editable:
        return editable[0]
    reached = [t.key for t in tabs if t.reached and t.key not in ATTACHMENT_TABS]
    return reached[-1]


@require_GET
def change_request_detail(request, number):
    cr = access.get_visible_change_request_or_404(request.user, number)
    context = _detail_context(request, cr, request.GET.get("tab", ""))
    return render(request, "cdc/detail.html", context)


def _locked(request, cr, tab):
    """A post to a tab that is read only for this person now (a page left open while the
    request moved on, or a forged post): the page again with why, nothing saved (403)."""
    messages.error(
        request,
        _("Nothing was saved: at the step “%(state)s” this tab is read only for you.")
        % {"state": cr.get_state_display()},
    )
    return render(request, "cdc/detail.html", _detail_context(request, cr, tab), status=403)


def _act(request, number, tab, form_class, call, **form_kwargs):
    """Shared POST path: fetch (404), refuse a locked tab (403), validate, call the service."""
    cr = access.get_visible_change_request_or_404(request.user, number)
    if not access.can_edit_tab(request.user, cr, tab):
        return _locked(request, cr, tab)
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if form.is_valid():
        try:
            call(cr, form)
        except ChangeRequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('cdc:detail', args=[cr.number])}?tab={tab}")
    cr.refresh_from_db()
    context = _detail_context(request, cr, tab, bound={tab: form})
    return render(request, "cdc/detail.html", context, status=400)


@require_POST
def edit_request(request, number):
    cr = access.get_visible_change_request_or_404(request.user, number)
    if not access.can_edit_tab(request.user, cr, "request"):
        return _locked(request, cr, "request")
    form = _request_form(
        request.user, request.POST, form_class=EditRequestForm, org=cr.organization
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_request(
                actor=request.user,
                cr=cr,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                client_deadline=data["client_deadline"],
                requester=data["requester"],
                ticket_number=data["ticket_number"],
                version=data["version"],
            )
        except ChangeRequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect(cr)
    return render(
        request,
        "cdc/detail.html",
        _detail_context(request, cr, "request", {"request": form}),
        status=400,
    )


@require_POST
def submit(request, number):
    cr = access.get_visible_change_request_or_404(request.user, number)
    try:
        if request.POST.get("action") == "cancel":
            services.cancel_change_request(actor=request.user, cr=cr)
            messages.success(request, _("The draft was cancelled."))
        else:
            services.submit_change_request(actor=request.user, cr=cr)
            messages.success(request, _("Sent to the hotline. Your tabs are now locked."))
    except ChangeRequestError as error:
        messages.error(request, str(error))
    return redirect(cr)


@require_POST
def upload(request, number, side):
    tab = {"client": "client_files", "support": "support_files"}.get(side)
    if tab is None:
        raise Http404

    if side == Attachment.Side.SUPPORT and request.POST.get("is_quote"):
        side = Attachment.Side.QUOTE

    def call(cr, form):
        services.add_attachment(
            actor=request.user, cr=cr, side=side, upload=form.cleaned_data["file"], info=form.info
        )

    return _act(request, number, tab, UploadForm, call)


@require_GET
def download(request, number, pk):
    cr = access.get_visible_change_request_or_404(request.user, number)
    attachment = next((a for a in cr.attachments.all() if a.pk == pk), None)
    if attachment is None:
        raise Http404
    if request.GET.get("preview") and attachment.preview:
        fieldfile, content_type, inline = attachment.preview, "application/pdf", True
        filename = attachment.filename.rsplit(".", 1)[0] + ".pdf"
    else:
        fieldfile, content_type = attachment.file, attachment.content_type
        inline, filename = attachment.opens_inline, attachment.filename
    return file_response(fieldfile, filename=filename, content_type=content_type, inline=inline)


@require_POST
def analysis(request, number):
    def call(cr, form):
        data = form.cleaned_data
        services.save_analysis(
            actor=request.user,
            cr=cr,
            solution=data["solution"],
            planned_date=data["planned_date"],
            version=data["version"],
        )

    return _act(request, number, "specification", AnalysisForm, call)


@require_POST
def dpo_review(request, number):
    def call(cr, form):
        data = form.cleaned_data
        services.save_dpo_review(
            actor=request.user,
            cr=cr,
            gdpr_impact=data["gdpr_impact"],
            conclusions=data["conclusions"],
            validated_on=data["validated_on"],
            version=data["version"],
        )

    return _act(request, number, "dpo", DpoForm, call)


@require_POST
def decision(request, number):
    def call(cr, form):
        services.decide(
            actor=request.user,
            cr=cr,
            validate=form.cleaned_data["decision"] == "validate",
            comment=form.cleaned_data["comment"],
        )

    return _act(request, number, "decision", DecisionForm, call)


@require_POST
def task_add(request, number):
    def call(cr, form):
        data = form.cleaned_data
        services.add_task(
            actor=request.user,
            cr=cr,
            title=data["title"],
            description=data["description"],
            developers=data["developers"],
            start_date=data["start_date"],
            end_date=data["end_date"],
        )

    developers = roles.users_with_role(roles.Code.DEVELOPER)
    return _act(request, number, "development", TaskForm, call, developers=developers)


def _task(cr, pk):
    task = cr.tasks.filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@require_POST
def task_dates(request, number, pk):
    def call(cr, form):
        services.edit_task(
            actor=request.user,
            task=_task(cr, pk),
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
        )

    return _act(request, number, "development", TaskDatesForm, call)


@require_POST
def task_check(request, number, pk):
    def call(cr, form):
        services.record_check(
            actor=request.user,
            task=_task(cr, pk),
            kind=form.cleaned_data["kind"],
            passed=form.cleaned_data["result"] == "pass",
            comment=form.cleaned_data["comment"],
        )

    cr = access.get_visible_change_request_or_404(request.user, number)
    return _act(
        request, number, "checks", CheckForm, call, kinds=access.check_kinds_for(request.user, cr)
    )


@require_POST
def deliver(request, number):
    cr = access.get_visible_change_request_or_404(request.user, number)
    try:
        services.deliver(actor=request.user, cr=cr)
        messages.success(request, _("Delivered: the client can now accept or refuse."))
    except ChangeRequestError as error:
        messages.error(request, str(error))
    return redirect(f"{cr.get_absolute_url()}?tab=development")


@require_POST
def acceptance(request, number):
    def call(cr, form):
        comment = form.cleaned_data["comment"]
        if form.cleaned_data["result"] == "accept":
            services.accept_delivery(actor=request.user, cr=cr, comment=comment)
        else:
            services.refuse_delivery(actor=request.user, cr=cr, comment=comment)

    return _act(request, number, "acceptance", AcceptanceForm, call)


def _month(request):
    today = date.today()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    return year, month


@require_GET
def calendar_month(request):
    require(access.can_view_change_requests(request.user), hidden=True)
    year, month = _month(request)
    rows = selectors.calendar_rows(request.user, year, month)
    events: dict[date, list] = {}
    for cr in rows:
        if cr.planned_date and (cr.planned_date.year, cr.planned_date.month) == (year, month):
            events.setdefault(cr.planned_date, []).append(("planned", cr))
        if cr.client_deadline and (cr.client_deadline.year, cr.client_deadline.month) == (
            year,
            month,
        ):
            events.setdefault(cr.client_deadline, []).append(("deadline", cr))
    weeks = [
        [(day, events.get(day, [])) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    first = date(year, month, 1)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = (first + timedelta(days=32)).strftime("%Y-%m")
    return render(
        request,
        "cdc/calendar.html",
        {
            "weeks": weeks,
            "month": first,
            "previous": previous,
            "following": following,
            "today": date.today(),
            "nav_active": "cdc",
        },
    )


@require_GET
def calendar_feed(request):
    """iCalendar feed of planned dates and client deadlines (the requests the user sees)."""
    require(access.can_view_change_requests(request.user), hidden=True)
    rows = selectors.change_request_rows(request.user).exclude(state=State.CANCELLED)[:500]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Helpdesk//CDC//EN"]
    host = request.get_host()
    for cr in rows:
        for kind, day, label in (
            ("planned", cr.planned_date, _("planned")),
            ("deadline", cr.client_deadline, _("client deadline")),
        ):
            if day:
                summary = f"CDC-{cr.number} {cr.title} ({label})".replace(",", "\\,")
                lines += [
                    "BEGIN:VEVENT",
                    f"UID:cdc-{cr.number}-{kind}@{host}",
                    f"DTSTAMP:{cr.updated_at:%Y%m%dT%H%M%SZ}",
                    f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                    f"SUMMARY:{summary}",
                    f"URL:{request.build_absolute_uri(cr.get_absolute_url())}",
                    "END:VEVENT",
                ]
    lines.append("END:VCALENDAR")
    return HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
