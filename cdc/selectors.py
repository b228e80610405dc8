"""Page-shaped reads of change requests; every one starts from access.visible_change_requests."""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Prefetch, Q

from . import access
from .models import Check, HistoryEntry, Task


def change_request_rows(user, *, state: str = ""):
    rows = access.visible_change_requests(user).select_related("organization", "requester")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-number")


def detail_tasks(cr):
    checks = Prefetch("checks", queryset=Check.objects.select_related("checked_by"))
    return list(
        Task.objects.filter(change_request=cr).prefetch_related("developers", checks).order_by("pk")
    )


def detail_history(cr, limit: int = 200):
    rows = HistoryEntry.objects.filter(change_request=cr).select_related("actor")
    return list(rows.order_by("-pk")[:limit])


def calendar_rows(user, year: int, month: int):
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    in_month = Q(planned_date__range=(first, last)) | Q(client_deadline__range=(first, last))
    return list(
        access.visible_change_requests(user).filter(in_month).select_related("organization")
    )


def task_rows(cr):
    """[{task, checks: [(kind, label, check or None)], green}] for the development tabs."""
    kinds = cr.required_checks
    rows = []
    for task in detail_tasks(cr):
        by_kind = {c.kind: c for c in task.checks.all()}
        cells = [(k, Check.Kind(k).label, by_kind.get(k)) for k in kinds]
        green = all(c is not None and c.passed for _k, _l, c in cells)
        rows.append({"task": task, "checks": cells, "green": green})
    return rows
