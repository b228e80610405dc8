"""Report subscriptions and the weekly email.

subscribe/unsubscribe: a person with reports keeps at most one subscription per report (their
own; nobody acts on another's). send_weekly_reports: every Monday (helpdesk/celery.py), each
subscription whose owner still has reports gets the report for the week before (Monday to
Sunday), computed as that person (their access, their filters), through notifications. A
subscription sent less than six days ago is skipped: running the job twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from notifications import mail

from . import access
from .catalog import REPORTS, ReportInfo
from .forms import ReportFilterForm
from .models import ReportSubscription

logger = logging.getLogger(__name__)

RESEND_AFTER = dt.timedelta(days=6)


def subscribe(*, actor: User, report: ReportInfo, query: str) -> ReportSubscription:
    """actor subscribes to report with the filters of query (dates aside); an existing
    subscription takes the new filters."""
    if not access.can_view_reports(actor):
        raise PermissionDenied
    subscription, _ = ReportSubscription.objects.update_or_create(
        user=actor, report=report.key, defaults={"query": query[:1000]}
    )
    return subscription


def unsubscribe(*, actor: User, report: ReportInfo) -> None:
    ReportSubscription.objects.filter(user=actor, report=report.key).delete()


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)


def send_weekly_reports(*, now: dt.datetime | None = None) -> int:
    """Email every due subscription its report for the week before; returns how many."""
    now = now or timezone.now()
    start, end = last_week(timezone.localdate(now))
    sent = 0
    due = ReportSubscription.objects.select_related("user").filter(user__is_active=True)
    for subscription in due.iterator():
        if subscription.last_sent_at and now - subscription.last_sent_at < RESEND_AFTER:
            continue
        if send_subscription(subscription, start=start, end=end, now=now):
            sent += 1
    return sent


@transaction.atomic
def send_subscription(subscription, *, start: dt.date, end: dt.date, now: dt.datetime) -> bool:
    user, info = subscription.user, REPORTS.get(subscription.report)
    if info is None or not access.can_view_reports(user):
        return False
    language = getattr(user, "language", "") or None
    with translation.override(language):
        data = QueryDict(subscription.query, mutable=True)
        data["start"], data["end"] = start.isoformat(), end.isoformat()
        form = ReportFilterForm(data, user=user, report=info)
        if not form.is_valid():
            # A filter that no longer exists (an organization gone): the report without it.
            form = ReportFilterForm(
                {"start": data["start"], "end": data["end"]}, user=user, report=info
            )
            form.is_valid()
        report = info.build(user, form.filters())
        url = reverse("reports:report", args=[info.key]) + "?" + form.query()
        mail.send(
            "report_weekly",
            to=user.email,
            language=language,
            context={
                "title": str(info.title),
                "start": start,
                "end": end,
                "report": report,
                "url": mail.absolute_url(url),
                "reports_url": mail.absolute_url(reverse("reports:index")),
            },
        )
    ReportSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
    return True
