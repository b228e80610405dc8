"""The one cache of reports: a built report, kept REPORTS_CACHE_SECONDS (300 by default).

A manager opens a report, changes a filter, comes back, downloads its CSV and XLSX: each is the
same aggregate queries over up to a year of tickets. The report the page showed is kept, keyed
by the report, the filters (dates included, as the form resolved them), the language and whose
rows it counts (access.cache_scope: every ticket for admins and agents, one person's scope
otherwise), so the export is exactly what was shown and a repeated view costs no query. Nothing
invalidates it: figures are at most that old, and the page says when they were computed
(Report.computed_at). 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from . import access
from .selectors import Report


def seconds() -> int:
    return int(getattr(settings, "REPORTS_CACHE_SECONDS", 300))


def cached_report(user, key: str, query: str, build: Callable[[], Report]) -> Report:
    ttl = seconds()
    if ttl <= 0:
        report = build()
        report.computed_at = timezone.now()
        return report
    raw = f"{key}|{access.cache_scope(user)}|{get_language()}|{query}"
    cache_key = "reports:v1:" + hashlib.sha256(raw.encode()).hexdigest()
    report = cache.get(cache_key)
    if report is None:
        report = build()
        report.computed_at = timezone.now()
        cache.set(cache_key, report, ttl)
    return report
