"""Report pages: the list, one report with its filters and charts, its CSV/XLSX exports, and the
weekly subscription toggle."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.access import require

from . import access, caching, charts, exports, services
from .catalog import REPORTS, get_report_or_404
from .forms import ReportFilterForm
from .models import ReportSubscription


@require_GET
def index(request):
    require(access.can_view_reports(request.user), hidden=True)
    subscribed = set(
        ReportSubscription.objects.filter(user=request.user).values_list("report", flat=True)
    )
    return render(
        request,
        "reports/index.html",
        {
            "reports": [(info, info.key in subscribed) for info in REPORTS.values()],
            "nav_active": "reports",
        },
    )


def _period_text(filters) -> str:
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(filters.start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(filters.end, "SHORT_DATE_FORMAT"),
    }


@require_GET
def report(request, key):
    require(access.can_view_reports(request.user), hidden=True)
    info = get_report_or_404(key)
    form = ReportFilterForm(request.GET, user=request.user, report=info)
    context = {"info": info, "form": form, "nav_active": "reports", "report": None}
    if form.is_valid():
        filters = form.filters()
        query = form.query()
        built = caching.cached_report(
            request.user, info.key, query, lambda: info.build(request.user, filters)
        )
        context.update(
            report=built,
            tables=[
                {
                    "table": table,
                    "chart": charts.chart_data(table),
                    "chart_id": f"report-chart-{index}",
                    "rows": [
                        [
                            (value, column.kind)
                            for value, column in zip(row, table.columns, strict=True)
                        ]
                        for row in table.rows
                    ],
                }
                for index, table in enumerate(built.tables, start=1)
            ],
            period_text=_period_text(filters),
            query=query,
            subscribed=ReportSubscription.objects.filter(
                user=request.user, report=info.key
            ).exists(),
        )
    return render(request, "reports/report.html", context, status=200 if form.is_valid() else 400)


@require_GET
def export(request, key, fmt):
    require(access.can_view_reports(request.user), hidden=True)
    info = get_report_or_404(key)
    form = ReportFilterForm(request.GET, user=request.user, report=info)
    if not form.is_valid():
        return HttpResponse(
            _("The filters are not valid: open the report and correct them."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    built = caching.cached_report(
        request.user, info.key, form.query(), lambda: info.build(request.user, filters)
    )
    name = f"{info.key}-{filters.start.isoformat()}-{filters.end.isoformat()}"
    title, period = str(info.title), _period_text(filters)
    if fmt == "csv":
        body = exports.to_csv(built, title=title, period=period)
        content_type = "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(built, title=title, period=period)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="report-{name}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def subscribe(request, key):
    require(access.can_view_reports(request.user), hidden=True)
    info = get_report_or_404(key)
    target = reverse("reports:report", args=[info.key])
    if request.POST.get("action") == "unsubscribe":
        services.unsubscribe(actor=request.user, report=info)
        messages.success(request, _("You will no longer receive this report by email."))
        return redirect(target)
    form = ReportFilterForm(request.POST, user=request.user, report=info)
    if not form.is_valid():
        messages.error(request, _("The filters are not valid: correct them and try again."))
        return redirect(target)
    services.subscribe(actor=request.user, report=info, query=form.query(without_dates=True))
    messages.success(
        request,
        _("Subscribed: this report will be emailed to you every Monday for the week before."),
    )
    return redirect(target + "?" + form.query())
