"""Invoicing pages: interventions (from a ticket, signature on a phone, the validation link,
the report PDF), the billing run, invoices (drafts edited and issued, credit notes, PDF, CSV
and JSON exports), monthly statements and the client portal. Every object goes through
invoicing.access; hidden means 404."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import require
from core.files import file_response
from notifications import mail
from tickets import access as tickets_access

from . import access, selectors, services
from .errors import InvoicingError
from .forms import (
    CreditForm,
    DraftForm,
    InterventionForm,
    LineFormSet,
    RunForm,
    SignForm,
    SupplyFormSet,
    ValidateForm,
    VersionForm,
    last_month,
)
from .models import Invoice

# --- interventions --------------------------------------------------------------------------


@require_GET
def ticket_box(request, number):
    """The ticket page's interventions box (an htmx fragment: invoicing sits above tickets)."""
    ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
    rows = selectors.ticket_interventions(request.user, ticket.pk)
    can_create = access.can_create_intervention(request.user, ticket)
    if not rows and not can_create:
        return HttpResponse("")
    return render(
        request,
        "invoicing/_ticket_box.html",
        {"ticket": ticket, "rows": rows, "can_create": can_create},
    )


def _supplies(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data.get("description")]


@require_http_methods(["GET", "POST"])
def intervention_form(request, number=None, pk=None):
    if pk is not None:
        intervention = access.get_visible_intervention_or_404(request.user, pk)
        require(access.can_edit_intervention(request.user, intervention))
        ticket = intervention.ticket
    else:
        intervention = None
        ticket = tickets_access.get_visible_ticket_or_404(request.user, number)
        require(access.can_create_intervention(request.user, ticket))
    org_id = ticket.organization_id
    if request.method == "POST":
        form = InterventionForm(request.POST, organization_id=org_id)
        supplies = SupplyFormSet(request.POST, prefix="supplies")
        if form.is_valid() and supplies.is_valid():
            kwargs = {
                "actor": request.user,
                "data": form.service_data(),
                "technicians": form.cleaned_data["technicians"],
                "equipment": form.cleaned_data["equipment"],
                "supplies": _supplies(supplies),
            }
            try:
                if intervention is None:
                    intervention = services.create_intervention(ticket=ticket, **kwargs)
                else:
                    intervention = services.update_intervention(
                        intervention=intervention, version=form.cleaned_data["version"], **kwargs
                    )
            except InvoicingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Intervention saved. Have the client sign it."))
                return redirect(intervention.get_absolute_url())
        status = 422
    else:
        status = 200
        if intervention is None:
            form = InterventionForm(
                organization_id=org_id, initial={"technicians": [request.user.pk]}
            )
            supplies = SupplyFormSet(prefix="supplies")
        else:
            form = InterventionForm(
                organization_id=org_id,
                initial={
                    "version": intervention.version,
                    "starts_at": intervention.starts_at,
                    "duration": f"{intervention.duration_minutes} min",
                    "place": intervention.place,
                    "technicians": list(intervention.technicians.all()),
                    "equipment": list(intervention.equipment.all()),
                    "work_done": intervention.work_done,
                    "travel": f"{intervention.travel_minutes} min"
                    if intervention.travel_minutes
                    else "",
                    "travel_amount": intervention.travel_amount,
                },
            )
            supplies = SupplyFormSet(
                prefix="supplies",
                initial=[
                    {
                        "description": s.description,
                        "quantity": s.quantity,
                        "unit_price": s.unit_price,
                        "vat_rate": s.vat_rate,
                    }
                    for s in intervention.supplies.all()
                ],
            )
    context = {"form": form, "supplies": supplies, "ticket": ticket, "intervention": intervention}
    return render(request, "invoicing/intervention_form.html", context, status=status)


@require_GET
def intervention_detail(request, pk):
    intervention = access.get_visible_intervention_or_404(request.user, pk)
    context = {
        "intervention": intervention,
        "ticket": intervention.ticket,
        "can_edit": access.can_edit_intervention(request.user, intervention),
        "can_sign": access.can_sign(request.user, intervention),
        "can_send": access.can_send_report(request.user, intervention)
        and not intervention.is_signed,
        **selectors.intervention_page(intervention),
    }
    return render(request, "invoicing/intervention.html", context)


@require_http_methods(["GET", "POST"])
def intervention_sign(request, pk):
    intervention = access.get_visible_intervention_or_404(request.user, pk)
    if intervention.is_signed:
        messages.info(request, _("This intervention is already signed."))
        return redirect(intervention.get_absolute_url())
    require(access.can_sign(request.user, intervention))
    status = 200
    if request.method == "POST":
        form = SignForm(request.POST)
        if form.is_valid():
            try:
                services.sign_intervention(
                    actor=request.user,
                    intervention=intervention,
                    signer_name=form.cleaned_data["signer_name"],
                    png=form.cleaned_data["signature"],
                )
            except InvoicingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Signed. The intervention report is emailed to the client.")
                )
                return redirect(intervention.get_absolute_url())
        status = 422
    else:
        form = SignForm(initial={"version": intervention.version})
    context = {"form": form, "intervention": intervention, "ticket": intervention.ticket}
    context.update(selectors.intervention_page(intervention))
    return render(request, "invoicing/sign.html", context, status=status)


@require_POST
def intervention_send_link(request, pk):
    """Email the client a link to validate the intervention later (no drawing needed)."""
    intervention = access.get_visible_intervention_or_404(request.user, pk)
    require(access.can_send_report(request.user, intervention) and not intervention.is_signed)
    ticket = intervention.ticket
    requester = ticket.requester
    if requester is None or not requester.email:
        messages.error(request, _("The ticket has no requester to send the link to."))
        return redirect(intervention.get_absolute_url())
    link = mail.absolute_url(
        reverse("invoicing:validate", args=[services.intervention_token(intervention)])
    )
    mail.send(
        "invoicing_validation_link",
        to=requester.email,
        context={"intervention": intervention, "ticket": ticket, "link": link,
                 "days": services.link_days()},
        language=requester.language,
        kind="invoicing_intervention",
        ticket_number=ticket.number,
    )  # fmt: skip
    messages.success(request, _("Validation link sent to %(email)s.") % {"email": requester.email})
    return redirect(intervention.get_absolute_url())


@require_http_methods(["GET", "POST"])
def intervention_validate(request, token):
    """The emailed link: the client side of the ticket (logged in, like the estimate link)
    validates the intervention with their name, without drawing."""
    try:
        intervention = services.intervention_from_token(token)
    except InvoicingError as exc:
        return render(request, "invoicing/validate.html", {"error": str(exc)}, status=404)
    intervention = access.get_visible_intervention_or_404(request.user, intervention.pk)
    if not intervention.is_signed:
        require(access.can_sign(request.user, intervention), hidden=True)
    status = 200
    form = ValidateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.sign_intervention(
                    actor=request.user,
                    intervention=intervention,
                    signer_name=form.cleaned_data["signer_name"],
                    png=None,
                    via_link=True,
                )
            except InvoicingError as exc:
                form.add_error(None, str(exc))
            else:
                return render(request, "invoicing/validate.html", {"done": True})
        status = 422
    context = {"form": form, "intervention": intervention, "ticket": intervention.ticket}
    context.update(selectors.intervention_page(intervention))
    return render(request, "invoicing/validate.html", context, status=status)


def _pdf(fieldfile, filename):
    if not fieldfile:
        raise Http404
    return file_response(fieldfile, filename=filename, content_type="application/pdf", inline=False)


@require_GET
def intervention_report(request, pk):
    intervention = access.get_visible_intervention_or_404(request.user, pk)
    return _pdf(intervention.report, f"intervention-{intervention.ticket.number}.pdf")


# --- billing run and invoices ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def billing_run(request):
    require(access.can_run_billing(request.user), hidden=True)
    start, end = last_month()
    form = RunForm(request.POST or None, initial={"start": start, "end": end})
    if request.method == "POST" and form.is_valid():
        result = services.run_billing(
            actor=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        messages.success(
            request,
            _("%(count)d draft invoice(s) ready to review.") % {"count": len(result.invoices)},
        )
        for org in result.without_contract:
            messages.warning(
                request,
                _("%(org)s has billable time but no contract: its time was not billed.")
                % {"org": org.name},
            )
        return redirect(reverse("invoicing:invoices") + "?state=draft")
    drafts = selectors.invoice_rows(request.user, Invoice.State.DRAFT)
    status = 422 if request.method == "POST" else 200
    return render(request, "invoicing/run.html", {"form": form, "drafts": drafts}, status=status)


@require_GET
def invoices(request):
    require(access.can_view_invoices(request.user), hidden=True)
    state = request.GET.get("state", "")
    context = {
        "rows": selectors.invoice_rows(request.user, state),
        "state": state,
        "can_run": access.can_run_billing(request.user),
    }
    return render(request, "invoicing/invoices.html", context)


def _lines_initial(invoice):
    return [
        {
            "id": line.pk,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
        }
        for line in invoice.lines.all()
    ]


@require_http_methods(["GET", "POST"])
def invoice_detail(request, pk):
    invoice = access.get_visible_invoice_or_404(request.user, pk)
    can_edit = access.can_edit_invoice(request.user, invoice)
    status = 200
    draft_form = lines = None
    if can_edit:
        if request.method == "POST":
            draft_form = DraftForm(request.POST)
            lines = LineFormSet(request.POST, prefix="lines")
            if draft_form.is_valid() and lines.is_valid():
                rows = [
                    {**f.cleaned_data, "delete": f.cleaned_data.get("DELETE")}
                    for f in lines.forms
                    if f.cleaned_data
                    and (f.cleaned_data.get("id") or f.cleaned_data.get("description"))
                ]
                try:
                    services.save_lines(
                        actor=request.user,
                        invoice=invoice,
                        version=draft_form.cleaned_data["version"],
                        rows=rows,
                        notes=draft_form.cleaned_data["notes"],
                    )
                except InvoicingError as exc:
                    draft_form.add_error(None, str(exc))
                else:
                    messages.success(request, _("Draft saved."))
                    return redirect(invoice.get_absolute_url())
            status = 422
        else:
            draft_form = DraftForm(initial={"version": invoice.version, "notes": invoice.notes})
            lines = LineFormSet(prefix="lines", initial=_lines_initial(invoice))
    elif request.method == "POST":
        raise Http404
    context = {
        "invoice": invoice,
        "organization": invoice.organization,
        "lines": list(invoice.lines.select_related("ticket")),
        "can_edit": can_edit,
        "can_credit": access.can_credit(request.user, invoice),
        "draft_form": draft_form,
        "line_forms": lines,
        "credit_form": CreditForm(),
        "credit_notes": list(invoice.credit_notes.all()),
    }
    return render(request, "invoicing/invoice.html", context, status=status)


@require_POST
def invoice_issue(request, pk):
    invoice = access.get_visible_invoice_or_404(request.user, pk)
    require(access.can_run_billing(request.user), hidden=True)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else -1
    try:
        invoice = services.issue_invoice(actor=request.user, invoice=invoice, version=version)
    except InvoicingError as exc:
        messages.error(request, str(exc))
    except Invoice.DoesNotExist:
        raise Http404 from None
    else:
        messages.success(request, _("Invoice %(number)s issued.") % {"number": invoice.number})
    return redirect(invoice.get_absolute_url())


@require_POST
def invoice_discard(request, pk):
    invoice = access.get_visible_invoice_or_404(request.user, pk)
    require(access.can_run_billing(request.user), hidden=True)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else -1
    try:
        services.discard_draft(actor=request.user, invoice=invoice, version=version)
    except InvoicingError as exc:
        messages.error(request, str(exc))
        return redirect(invoice.get_absolute_url())
    messages.success(request, _("Draft discarded."))
    return redirect(reverse("invoicing:invoices") + "?state=draft")


@require_POST
def invoice_credit(request, pk):
    invoice = access.get_visible_invoice_or_404(request.user, pk)
    require(access.can_run_billing(request.user), hidden=True)
    require(access.can_credit(request.user, invoice))
    form = CreditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the invoice is credited."))
        return redirect(invoice.get_absolute_url())
    credit = services.credit_invoice(
        actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Credit note %(number)s issued.") % {"number": credit.number})
    return redirect(credit.get_absolute_url())


def _issued_or_404(request, pk) -> Invoice:
    invoice = access.get_visible_invoice_or_404(request.user, pk)
    if invoice.is_draft:
        raise Http404
    return invoice


@require_GET
def invoice_pdf(request, pk):
    invoice = _issued_or_404(request, pk)
    return _pdf(invoice.pdf, f"{invoice.number}.pdf")


EXPORT_COLUMNS = (
    "number", "kind", "issue_date", "client", "client_ref", "position", "description",
    "quantity", "unit", "unit_price", "vat_rate", "amount", "vat_amount", "total",
)  # fmt: skip


def _export_rows(invoice: Invoice):
    for line in invoice.lines.all():
        yield {
            "number": invoice.number,
            "kind": invoice.kind,
            "issue_date": invoice.issue_date.isoformat(),
            "client": invoice.organization.name,
            "client_ref": invoice.organization.external_id,
            "position": line.position,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "vat_rate": str(line.vat_rate),
            "amount": str(line.amount),
            "vat_amount": str(line.vat_amount),
            "total": str(line.amount + line.vat_amount),
        }


def _safe_cell(value):
    """A spreadsheet never runs a cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def invoice_csv(request, pk):
    invoice = _issued_or_404(request, pk)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, delimiter=";")
    writer.writeheader()
    for row in _export_rows(invoice):
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def invoice_json(request, pk):
    invoice = _issued_or_404(request, pk)
    data = {
        "number": invoice.number,
        "kind": invoice.kind,
        "credited": invoice.credited.number if invoice.credited else None,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "period": [invoice.period_start.isoformat(), invoice.period_end.isoformat()],
        "currency": invoice.currency,
        "client": {
            "name": invoice.organization.name,
            "external_source": invoice.organization.external_source,
            "external_id": invoice.organization.external_id,
        },
        "total_net": str(invoice.total_net),
        "total_vat": str(invoice.total_vat),
        "total_gross": str(invoice.total_gross),
        "lines": list(_export_rows(invoice)),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.json"'
    return response


# --- portal and statements ------------------------------------------------------------------


@require_GET
def portal(request):
    require(access.can_view_portal(request.user), hidden=True)
    return render(request, "invoicing/portal.html", selectors.portal(request.user))


@require_GET
def statement_pdf(request, pk):
    statement = access.get_visible_statement_or_404(request.user, pk)
    return _pdf(statement.pdf, f"releve-{statement.month:%Y-%m}.pdf")
