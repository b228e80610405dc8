"""Billing pages: the ticket's time box (an htmx fragment the ticket page loads), the week's
timesheet, timesheet approval, contracts (admins; sales reps read), the client's balance, and
the estimate answers (portal buttons and the emailed single-use link)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from cdc import access as cdc_access
from core.access import require
from core.files import file_response
from tickets import access as tickets_access

from . import access, pricing, quotes, selectors, services
from .durations import format_minutes
from .errors import BillingError
from .forms import (
    ContractForm,
    CorrectionForm,
    EntryEditForm,
    EntryForm,
    EstimateForm,
    RateForm,
    RefusalForm,
    RenewForm,
    TimerStopForm,
    VersionForm,
)
from .models import Activity, Contract, Rate

# --- the ticket's time box (fragment) -------------------------------------------------------


def _box_context(request, ticket, **forms):
    box = selectors.ticket_time_box(request.user, ticket)
    return {
        "box": box,
        "ticket": ticket,
        "can_log": access.can_log_time(request.user, ticket),
        "can_estimate": access.can_send_estimate(request.user, ticket),
        "details": access.sees_time_details(request.user),
        "customer": access.sees_client_time(request.user),
        "entry_form": forms.get("entry_form") or EntryForm(initial={"activity": Activity.WORK}),
        "stop_form": TimerStopForm(initial={"activity": Activity.WORK, "billable": True}),
        "estimate_form": forms.get("estimate_form") or EstimateForm(),
        "refusal_form": forms.get("refusal_form") or RefusalForm(),
        "now_iso": timezone.now().isoformat(),
    }


def _render_box(request, ticket, status=200, **forms):
    return render(
        request, "billing/_time_box.html", _box_context(request, ticket, **forms), status=status
    )


def _done(request, ticket):
    """After a POST: the box again for htmx, the ticket page otherwise."""
    if request.htmx:
        return _render_box(request, ticket)
    return redirect(ticket.get_absolute_url())


@require_GET
def time_box(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    if not (access.sees_time_details(request.user) or access.sees_client_time(request.user)):
        raise Http404
    return _render_box(request, ticket)


@require_POST
def log_time(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    require(access.can_log_time(request.user, ticket))
    data = request.POST.copy()
    if data.get("quick"):
        data["duration"] = f"{int(data['quick'])} min" if data["quick"].isdigit() else ""
    form = EntryForm(data)
    if not form.is_valid():
        return _render_box(request, ticket, status=422, entry_form=form)
    try:
        services.log_time(
            actor=request.user,
            ticket=ticket,
            minutes=form.cleaned_data["duration"],
            activity=form.cleaned_data["activity"],
            billable=form.cleaned_data["billable"],
            off_hours=form.cleaned_data["off_hours"],
            comment=form.cleaned_data["comment"],
            day=form.cleaned_data["work_date"],
        )
    except BillingError as exc:
        form.add_error(None, str(exc))
        return _render_box(request, ticket, status=422, entry_form=form)
    return _done(request, ticket)


@require_POST
def timer_start(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    require(access.can_log_time(request.user, ticket))
    services.start_timer(actor=request.user, ticket=ticket)
    return _done(request, ticket)


@require_POST
def timer_stop(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    require(access.can_log_time(request.user, ticket))
    form = TimerStopForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"activity": Activity.WORK, "comment": ""}
    try:
        services.stop_timer(
            actor=request.user,
            ticket=ticket,
            activity=data["activity"],
            billable=bool(data.get("billable")),
            comment=data["comment"],
        )
    except BillingError as exc:
        messages.error(request, str(exc))
    return _done(request, ticket)


@require_GET
def timer_bar(request):
    """The top bar's running timer, reloaded by timer-bar.js when a timer starts or stops."""
    if not access.logs_time(request.user):
        raise Http404
    return render(request, "billing/_timer_bar.html", {"fragment": True})


@require_POST
def timer_cancel(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    require(access.can_log_time(request.user, ticket))
    services.cancel_timer(actor=request.user, ticket=ticket)
    return _done(request, ticket)


# --- estimates ------------------------------------------------------------------------------


def _send_posted_estimate(request, send) -> EstimateForm | None:
    """The posted estimate sent through send(description=, amount=, hours=, document=) (a
    ticket's estimate or a change request's quote): None once sent, else the form with why it
    was refused, to show again."""
    form = EstimateForm(request.POST, request.FILES)
    if form.is_valid():
        fields = ("description", "amount", "hours", "document")
        try:
            send(actor=request.user, **{name: form.cleaned_data[name] for name in fields})
            return None
        except BillingError as exc:
            form.add_error(None, str(exc))
    return form


@require_POST
def estimate_send(request, number):
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    require(access.can_send_estimate(request.user, ticket))
    refused = _send_posted_estimate(request, partial(services.send_estimate, ticket=ticket))
    if refused is not None:
        return _render_box(request, ticket, status=422, estimate_form=refused)
    if request.htmx:
        response = _render_box(request, ticket)
        response["HX-Refresh"] = "true"  # the status badge and timeline changed
        return response
    return redirect(ticket.get_absolute_url())


def _render_quote(request, cr, status=200, estimate_form=None):
    estimates = selectors.quote_panel(request.user, cr)
    for estimate in estimates:
        estimate.change_request = cr  # the panel's request, already loaded
    context = {
        "cr": cr,
        "estimates": estimates,
        "answerable": {e.pk for e in estimates if access.can_decide_estimate(request.user, e)},
        "can_send": access.can_send_quote(request.user, cr),
        "estimate_form": estimate_form or EstimateForm(),
        "refusal_form": RefusalForm(),
    }
    return render(request, "billing/_cdc_quote.html", context, status=status)


@require_GET
def cdc_quote(request, number):
    """The quote panel of a change request's page (an htmx fragment: cdc cannot import us)."""
    cr = cdc_access.get_visible_change_request_or_404(request.user, number)
    return _render_quote(request, cr)


@require_POST
def cdc_quote_send(request, number):
    cr = cdc_access.get_visible_change_request_or_404(request.user, number)
    require(access.can_send_quote(request.user, cr))
    refused = _send_posted_estimate(request, partial(quotes.send_quote, cr=cr))
    if refused is not None:
        return _render_quote(request, cr, status=422, estimate_form=refused)
    if request.htmx:
        return _render_quote(request, cr)
    return redirect(cr.get_absolute_url())


def _answer(request, estimate, *, accept: bool, via_link: bool):
    """Accept, or refuse with the form's reason; (error message or None, refusal form)."""
    form = RefusalForm(request.POST) if not accept else None
    try:
        if accept:
            services.accept_estimate(actor=request.user, estimate=estimate, via_link=via_link)
        elif form.is_valid():
            services.refuse_estimate(
                actor=request.user,
                estimate=estimate,
                reason=form.cleaned_data["reason"],
                via_link=via_link,
            )
        else:
            return _("Say why you refuse the estimate: it helps us revise it."), form
    except BillingError as exc:
        return str(exc), form
    return None, form


@require_POST
def estimate_accept(request, pk):
    estimate = access.get_visible_estimate_or_404(request.user, pk)
    require(access.can_decide_estimate(request.user, estimate))
    error, _form = _answer(request, estimate, accept=True, via_link=False)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: the estimate is accepted and the work can start."))
    return redirect(estimate.subject_url)


@require_POST
def estimate_refuse(request, pk):
    estimate = access.get_visible_estimate_or_404(request.user, pk)
    require(access.can_decide_estimate(request.user, estimate))
    error, _form = _answer(request, estimate, accept=False, via_link=False)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The estimate is refused; we will get back to you."))
    return redirect(estimate.subject_url)


@require_GET
def estimate_document(request, pk):
    estimate = access.get_visible_estimate_or_404(request.user, pk)
    if not estimate.document:
        raise Http404
    return file_response(
        estimate.document,
        filename=estimate.document_name,
        content_type=estimate.document_type or "application/octet-stream",
        inline=True,
    )


@require_http_methods(["GET", "POST"])
def estimate_link(request, token):
    """The emailed link: shows the estimate and its two answers (GET writes nothing); the
    answer is a POST. Works once, expires, and only for the client side of the ticket."""
    try:
        estimate = services.estimate_from_token(token)
    except BillingError as exc:
        return render(request, "billing/estimate_link.html", {"error": str(exc)}, status=410)
    estimate = access.get_visible_estimate_or_404(request.user, estimate.pk)
    require(access.can_decide_estimate(request.user, estimate), hidden=True)
    form = RefusalForm()
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        error, form = _answer(request, estimate, accept=accept, via_link=True)
        if error is None:
            messages.success(
                request,
                _("Thank you: the estimate is accepted and the work can start.")
                if accept
                else _("The estimate is refused; we will get back to you."),
            )
            return redirect(estimate.subject_url)
        messages.error(request, error)
        form = form or RefusalForm()
    return render(request, "billing/estimate_link.html", {"estimate": estimate, "form": form})


# --- timesheet ------------------------------------------------------------------------------


def _week_param(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return timezone.localdate()


@require_GET
def timesheet(request):
    require(access.logs_time(request.user), hidden=True)
    week = selectors.timesheet_week(request.user, _week_param(request))
    forms_by_row = [
        (
            row,
            EntryEditForm(
                initial={
                    "version": row.version,
                    "duration": pricing_format(row.minutes),
                    "activity": row.activity,
                    "billable": row.billable,
                    "comment": row.comment,
                },
                prefix=f"e{row.pk}",
            ),
        )
        for row in week.rows
    ]
    return render(
        request,
        "billing/timesheet.html",
        {
            "week": week,
            "rows": forms_by_row,
            "nav_active": "timesheet",
            "correction_form": CorrectionForm(),
            "today": timezone.localdate(),
        },
    )


def pricing_format(minutes: int) -> str:
    return format_minutes(minutes)


def _back_to_week(entry_or_sheet_date: dt.date):
    return redirect(f"{reverse('billing:timesheet')}?week={entry_or_sheet_date.isoformat()}")


@require_POST
def entry_edit(request, pk):
    entry = access.get_own_entry_or_404(request.user, pk)
    form = EntryEditForm(request.POST, prefix=f"e{entry.pk}")
    if request.POST.get("delete"):
        version = VersionForm(request.POST, prefix=f"e{entry.pk}")
        seen = version.cleaned_data.get("version") if version.is_valid() else None
        try:
            services.delete_entry(actor=request.user, entry=entry, version=seen)
            messages.success(request, _("The entry is deleted."))
        except (BillingError, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("You may not change this entry."))
        return _back_to_week(entry.work_date)
    if not form.is_valid():
        return _timesheet_with_errors(request, entry, form)
    try:
        services.update_entry(
            actor=request.user,
            entry=entry,
            version=form.cleaned_data["version"],
            minutes=form.cleaned_data["duration"],
            activity=form.cleaned_data["activity"],
            billable=form.cleaned_data["billable"],
            comment=form.cleaned_data["comment"],
        )
    except PermissionDenied:
        raise
    except BillingError as exc:
        form.add_error(None, str(exc))
        return _timesheet_with_errors(request, entry, form)
    messages.success(request, _("The entry is saved."))
    return _back_to_week(entry.work_date)


def _timesheet_with_errors(request, entry, form):
    """The week again, the refused row showing what was typed and why."""
    week = selectors.timesheet_week(entry.user, entry.work_date)
    rows = []
    for row in week.rows:
        if row.pk == entry.pk:
            rows.append((row, form))
        else:
            initial = {
                "version": row.version,
                "duration": pricing_format(row.minutes),
                "activity": row.activity,
                "billable": row.billable,
                "comment": row.comment,
            }
            rows.append((row, EntryEditForm(initial=initial, prefix=f"e{row.pk}")))
    context = {
        "week": week,
        "rows": rows,
        "nav_active": "timesheet",
        "correction_form": CorrectionForm(),
        "today": timezone.localdate(),
    }
    return render(request, "billing/timesheet.html", context, status=422)


@require_POST
def entry_correct(request, pk):
    entry = access.get_own_entry_or_404(request.user, pk)
    require(access.can_correct_entry(request.user, entry))
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back_to_week(entry.work_date)
    try:
        services.correct_entry(
            actor=request.user,
            entry=entry,
            minutes=form.cleaned_data["duration"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("The correction is recorded in this week's timesheet."))
    except BillingError as exc:
        messages.error(request, str(exc))
    return _back_to_week(entry.work_date)


@require_POST
def timesheet_submit(request, pk):
    require(access.logs_time(request.user), hidden=True)
    sheet = request.user.timesheets.filter(pk=pk).first()
    if sheet is None:
        raise Http404
    form = VersionForm(request.POST)
    seen = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        services.submit_timesheet(actor=request.user, sheet=sheet, version=seen)
        messages.success(request, _("The week is submitted for approval."))
    except BillingError as exc:
        messages.error(request, str(exc))
    return _back_to_week(sheet.week_start)


# --- approvals ------------------------------------------------------------------------------


@require_GET
def approvals(request):
    require(access.can_approve_timesheets(request.user), hidden=True)
    rows = selectors.approval_rows()[:100]
    return render(request, "billing/approvals.html", {"rows": rows, "nav_active": "approvals"})


@require_POST
def approve(request, pk):
    sheet = access.get_timesheet_for_approval_or_404(request.user, pk)
    form = VersionForm(request.POST)
    seen = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        if request.POST.get("send_back"):
            services.reopen_timesheet(actor=request.user, sheet=sheet, version=seen)
            messages.success(request, _("The week is sent back to its owner."))
        else:
            services.approve_timesheet(actor=request.user, sheet=sheet, version=seen)
            messages.success(request, _("The week is approved: its entries are locked."))
    except BillingError as exc:
        messages.error(request, str(exc))
    return redirect("billing:approvals")


# --- contracts ------------------------------------------------------------------------------


@require_GET
def contracts(request):
    require(access.can_view_contracts(request.user), hidden=True)
    rows = list(selectors.contract_rows(request.user)[:200])
    return render(
        request,
        "billing/contracts.html",
        {
            "rows": rows,
            "can_manage": access.can_manage_contracts(request.user),
            "nav_active": "contracts",
        },
    )


@require_http_methods(["GET", "POST"])
def contract_form(request, pk=None):
    require(access.can_manage_contracts(request.user), hidden=True)
    contract = access.get_visible_contract_or_404(request.user, pk) if pk else None
    organizations = roles.visible_organizations(request.user).order_by("name")
    if request.method == "POST":
        form = ContractForm(request.POST, instance=contract, organizations=organizations)
        if form.is_valid():
            try:
                saved = services.save_contract(
                    actor=request.user,
                    contract=contract,
                    data=form.cleaned_data,
                    version=form.cleaned_data.get("version"),
                )
            except BillingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The contract is saved."))
                return redirect(saved.get_absolute_url())
        status = 422
    else:
        initial = {"version": contract.version} if contract else {"starts_on": timezone.localdate()}
        form = ContractForm(instance=contract, organizations=organizations, initial=initial)
        status = 200
    return render(
        request,
        "billing/contract_form.html",
        {"form": form, "contract": contract, "nav_active": "contracts"},
        status=status,
    )


@require_GET
def contract_detail(request, pk):
    require(access.can_view_contracts(request.user), hidden=True)
    contract = access.get_visible_contract_or_404(request.user, pk)
    context = selectors.contract_page(contract)
    context.update(
        {
            "contract": contract,
            "can_manage": access.can_manage_contracts(request.user),
            "rate_form": RateForm(),
            "renew_form": RenewForm(),
            "nav_active": "contracts",
        }
    )
    return render(request, "billing/contract.html", context)


@require_POST
def rate_add(request, pk):
    require(access.can_manage_contracts(request.user), hidden=True)
    contract = access.get_visible_contract_or_404(request.user, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        services.set_rate(actor=request.user, contract=contract, **form.cleaned_data)
        messages.success(request, _("The rate is saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(contract.get_absolute_url())


@require_POST
def rate_delete(request, pk, rate_pk):
    require(access.can_manage_contracts(request.user), hidden=True)
    contract = access.get_visible_contract_or_404(request.user, pk)
    rate = Rate.objects.filter(contract=contract, pk=rate_pk).first()
    if rate is None:
        raise Http404
    services.delete_rate(actor=request.user, rate=rate)
    return redirect(contract.get_absolute_url())


@require_POST
def contract_renew(request, pk):
    require(access.can_manage_contracts(request.user), hidden=True)
    contract = access.get_visible_contract_or_404(request.user, pk)
    form = RenewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date the new block starts."))
        return redirect(contract.get_absolute_url())
    try:
        new = services.renew_contract(
            actor=request.user, contract=contract, starts_on=form.cleaned_data["starts_on"]
        )
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect(contract.get_absolute_url())
    messages.success(request, _("The new block is open."))
    return redirect(new.get_absolute_url())


# --- the client's balance -------------------------------------------------------------------


@require_GET
def balance(request):
    require(access.can_view_balance(request.user), hidden=True)
    uses = selectors.balance_rows(request.user)
    unit = next((u.contract.rounding_minutes for u in uses), 0)
    tickets = [
        {**row, "rounded": pricing.round_up(row["minutes"], unit)}
        for row in selectors.client_ticket_time(request.user)
    ]
    return render(
        request,
        "billing/balance.html",
        {"uses": uses, "tickets": tickets, "nav_active": "balance", "Contract": Contract},
    )
