"""Where browsers post what the Content-Security-Policy blocked (the policy's report-uri).

A report is logged as a warning (directive, blocked address, page; each cut short and stripped of
control characters) and never stored. Anyone may post, logged in or not, without a CSRF token:
the browser sends reports on its own. The body is read up to settings.CSP_REPORT_MAX_BYTES; a
larger one is refused (413) without being read.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger(__name__)

# application/csp-report: report-uri (every browser); application/reports+json: the Reporting API
# (report-to); application/json: older browsers.
CONTENT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}
# A Reporting API post may batch several reports: the first ones are enough to see what happens.
MAX_REPORTS_PER_POST = 10
MAX_FIELD_LENGTH = 200


@csrf_exempt
@login_not_required
@require_POST
def csp_report(request):
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > limit:
        return HttpResponse(status=413)
    if request.content_type not in CONTENT_TYPES:
        return HttpResponse(status=415)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        violations = list(_violations(json.loads(body)))
    except (ValueError, UnicodeDecodeError):
        violations = []
    if not violations:
        return HttpResponse(status=400)
    for directive, blocked, page in violations:
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            _short(directive),
            _short(blocked),
            _short(page),
        )
    return HttpResponse(status=204)


def _violations(payload):
    """(directive, blocked address, page) of each violation in a report-uri or Reporting API
    payload."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        yield (
            report.get("effective-directive") or report.get("violated-directive"),
            report.get("blocked-uri"),
            report.get("document-uri"),
        )
    elif isinstance(payload, list):
        for item in payload[:MAX_REPORTS_PER_POST]:
            if (
                isinstance(item, dict)
                and item.get("type") == "csp-violation"
                and isinstance(item.get("body"), dict)
            ):
                body = item["body"]
                yield (
                    body.get("effectiveDirective") or body.get("violatedDirective"),
                    body.get("blockedURL"),
                    body.get("documentURL") or item.get("url"),
                )


def _short(value) -> str:
    """A field of a report as a log line may show it: printable, one line, cut short."""
    text = "" if value is None else str(value)
    text = "".join(c if c.isprintable() else "?" for c in text[: MAX_FIELD_LENGTH + 1])
    if len(text) > MAX_FIELD_LENGTH:
        text = text[:MAX_FIELD_LENGTH] + "…"
    return text or "-"
