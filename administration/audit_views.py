"""The audit log page (/administration/audit/) and its CSV export, for admins; hidden for anyone
else."""

from __future__ import annotations

import csv
import json

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import audit

from . import access, audit_selectors
from .gdpr_forms import AuditFilterForm
from .reference import KINDS

PAGE_SIZE = 50
CSV_MAX_ROWS = 100_000
# A cell starting with one of these is a formula for a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _criteria(data) -> tuple[AuditFilterForm, dict]:
    filters = AuditFilterForm(data or None)
    criteria = {}
    if filters.is_bound and filters.is_valid():
        criteria = {k: v for k, v in filters.cleaned_data.items() if v not in ("", None)}
    elif filters.is_bound:
        # A field in error is shown with its message; the others still apply.
        criteria = {
            k: v for k, v in getattr(filters, "cleaned_data", {}).items() if v not in ("", None)
        }
    return filters, criteria


def audit_log(request):
    access.require(access.can_view_audit(request.user))
    filters, criteria = _criteria(request.GET)
    rows = audit_selectors.entries(request.user, **criteria)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    for entry in entries:
        entry.label = audit_selectors.action_label(entry)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "entries": entries,
        "query": query.urlencode(),
        "nav_active": "administration",
        "admin_kinds": KINDS,
        "admin_section": "audit",
    }
    return render(request, "administration/audit/log.html", context)


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


@require_POST
def audit_export(request):
    """The filtered log as CSV (a POST: the export itself is written to the log)."""
    access.require(access.can_view_audit(request.user))
    _filters, criteria = _criteria(request.POST)
    rows = audit_selectors.entries(request.user, **criteria)[:CSV_MAX_ROWS]
    filters = {k: str(v) for k, v in criteria.items()}
    audit.record(request.user, "audit_exported", extra={"filters": filters})
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            ["timestamp", "actor", "ip", "action", "object_type", "object_id", "object", "changes"]
        )
        for entry in rows.iterator(2000):
            yield writer.writerow(
                safe_cell(value)
                for value in (
                    timezone.localtime(entry.timestamp).isoformat(),
                    entry.actor_email or (entry.actor.email if entry.actor else ""),
                    entry.remote_addr,
                    audit_selectors.action_code(entry),
                    entry.content_type.model,
                    entry.object_pk,
                    entry.object_repr,
                    json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
