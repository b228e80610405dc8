"""The reports offered: key (in the URL), title, what it answers, which filters it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import selectors


@dataclass(frozen=True)
class ReportInfo:
    key: str
    title: object
    description: object
    build: Callable
    groups: tuple[str, ...] = ()
    uses_period: bool = False
    ticket_filters: bool = True  # the type, priority, level and agent filters apply
    cdc_filters: bool = False  # the change request's kind and agent filters apply


REPORTS = {
    info.key: info
    for info in (
        ReportInfo(
            "volume",
            _("Volume"),
            _(
                "Tickets created and resolved per day, week or month, by type, channel, "
                "priority, component, support level or client."
            ),
            selectors.volume,
            groups=("type", "channel", "priority", "component", "level", "organization"),
            uses_period=True,
        ),
        ReportInfo(
            "requesters",
            _("Requests per user"),
            _("The number of requests each person submitted."),
            selectors.requesters,
        ),
        ReportInfo(
            "speed",
            _("Response and resolution times"),
            _(
                "First response and resolution in business hours (median, average, 90th "
                "percentile) per client, agent, priority or type."
            ),
            selectors.speed,
            groups=("organization", "agent", "priority", "type", "level"),
        ),
        ReportInfo(
            "clients",
            _("Resolution time per client"),
            _("The average resolution time of each client's tickets, in business hours."),
            selectors.client_resolution,
        ),
        ReportInfo(
            "sla",
            _("SLA compliance"),
            _("First response and resolution targets met and breached, per priority or client."),
            selectors.sla,
            groups=("priority", "organization", "type", "agent"),
        ),
        ReportInfo(
            "quality",
            _("Reopenings and escalations"),
            _("How often resolved tickets come back, and escalations per level."),
            selectors.quality,
            uses_period=True,
        ),
        ReportInfo(
            "backlog",
            _("Backlog"),
            _("Open tickets over time, by status and by age."),
            selectors.backlog,
            uses_period=True,
        ),
        ReportInfo(
            "cdc",
            _("Change requests"),
            _("Change requests per step and the time spent in each step."),
            selectors.change_requests,
            ticket_filters=False,
            cdc_filters=True,
        ),
        ReportInfo(
            "time",
            _("Time spent"),
            _("Hours per consultant, per client and per month, billable and not."),
            selectors.time_spent,
        ),
        ReportInfo(
            "knowledge",
            _("Knowledge base"),
            _("Page views and “solved my problem” marks per wiki page."),
            selectors.knowledge_base,
            ticket_filters=False,
        ),
    )
}


def get_report_or_404(key: str) -> ReportInfo:
    try:
        return REPORTS[key]
    except KeyError:
        raise Http404 from None
