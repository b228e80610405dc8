"""Page-shaped reads of change requests; every one starts from access.visible_change_requests."""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Prefetch, Q

from . import access
from .models import ChangeRequest, Check, HistoryEntry, Task
from .workflow import TRANSITIONS, WorkflowRole

# Actions that are only bookkeeping inside a step: being able to add a file does not mean the
# request waits for you.
_SIDE_ACTIONS = frozenset({"add_client_file", "add_support_file", "cancel", "edit_request"})


def change_request_rows(user, *, state: str = ""):
    rows = access.visible_change_requests(user).select_related("organization", "requester")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-number")


def _waits_for(user, cr: ChangeRequest) -> bool:
    """Is there a step-moving action user may take on cr now? The GDPR check counts only when
    the request has a GDPR impact, the other checks only for a controller."""
    for (state, action), _next in TRANSITIONS.items():
        if state != cr.state or action in _SIDE_ACTIONS:
            continue
        if action == "record_gdpr_check" and Check.Kind.GDPR not in cr.required_checks:
            continue
        if access.can(user, cr, action):
            return True
    return False


def _states_with_action_for(roles) -> set[str]:
    return {
        state
        for (state, action), (_next, allowed) in TRANSITIONS.items()
        if action not in _SIDE_ACTIONS and allowed & roles
    }


def waiting_rows(user, *, limit: int = 8) -> list[ChangeRequest]:
    """The dashboard's "Change requests waiting for you": open requests whose current step
    has an action for user, the longest waiting first."""
    staff_roles = access.workflow_roles(user, ChangeRequest()) - {WorkflowRole.CLIENT}
    in_step = Q(state__in=_states_with_action_for(staff_roles))
    client_states = _states_with_action_for({WorkflowRole.CLIENT})
    in_step |= Q(state__in=client_states) & access.client_side_q(user)
    rows = (
        access.visible_change_requests(user)
        .filter(in_step)
        .select_related("organization")
        .order_by("updated_at")
    )
    # The query may keep a few the step's finer rules refuse (a GDPR check without impact).
    return [cr for cr in rows[: limit * 4] if _waits_for(user, cr)][:limit]


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
