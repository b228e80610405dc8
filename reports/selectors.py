"""The reports: each a function (user, filters) -> Report, every figure computed in SQL.

Every report starts from reports.access (report_tickets, report_change_requests), narrows by
the filters, and asks the database for aggregates: GROUP BY on a dimension, the index of the
period a moment falls in (reports.aggregates.PeriodIndex: width_bucket on PostgreSQL, a CASE
elsewhere) for periods, conditional counts (COUNT ... FILTER) for the backlog at each period's
end, and percentiles (reports.aggregates.Percentile). Nothing loops over tickets in Python:
the rows returned are groups and periods, bounded by GROUP_LIMIT and MAX_BUCKETS, so the
number of queries and the work after them do not grow with the tickets.

Durations are business time by the business calendar (tickets.sla), stored on the ticket when
the first response and the resolution happen (Ticket.first_response_seconds,
resolution_seconds); reports show them in hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from billing import pricing
from billing import services as billing_services
from billing.models import Contract
from cdc.models import HistoryEntry
from cdc.workflow import State
from tickets.models import Event, Status, Ticket

from . import access
from .aggregates import Percentile, PeriodIndex

# Groups shown at most in a grouped table (the biggest first).
GROUP_LIMIT = 200
# Requesters listed at most (the most active first).
REQUESTER_LIMIT = 200
# Periods at most on a time axis: a finer period over a long range is made coarser.
MAX_BUCKETS = 120
HOUR = 3600


@dataclass
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    organization: object | None = None
    agent: object | None = None
    type: object | None = None
    priority: object | None = None
    level: int | None = None
    kind: str = ""  # a change request's kind (the CDC report)
    group: str = ""
    period: str = "auto"

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the range (exclusive end)."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, hours, hours_exact (Decimal, 2 places), days, percent


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list]
    # How the chart above the table reads it: {"type": "bar"|"line", "series": [column
    # indexes], "horizontal": bool}; the first column gives the labels. None: no chart.
    chart: dict | None = None
    note: str = ""
    # Shorter labels for the chart's axis than the first column (periods: "8 déc.").
    chart_labels: list[str] | None = None


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    computed_at: dt.datetime | None = None  # set by reports.caching


# --- dimensions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    label: object  # lazy text
    fields: tuple[str, ...]
    staff_only: bool = False

    def name(self, row: dict) -> str:
        key = self.fields[0]
        value = row.get(key)
        if key == "channel":
            return str(Ticket.Channel(value).label) if value in Ticket.Channel.values else "—"
        if key == "support_level":
            return str(Ticket.Level(value).label) if value in Ticket.Level.values else "—"
        if value is None:
            return str(NONE_LABELS.get(key, _("None")))
        if len(self.fields) == 3 and self.fields[1].endswith("__name_fr"):
            english = row.get(self.fields[2])
            return english if _english() and english else row.get(self.fields[1])
        if key in ("assignees__id", "requester_id"):
            full = f"{row.get(self.fields[1]) or ''} {row.get(self.fields[2]) or ''}".strip()
            return full or row.get(self.fields[3]) or "—"
        return str(row.get(self.fields[1]) or "—")


def _english() -> bool:
    return (get_language() or "fr")[:2] == "en"


NONE_LABELS = {
    "organization_id": gettext_lazy("No organization (unidentified)"),
    "assignees__id": gettext_lazy("Unassigned"),
    "type_id": gettext_lazy("No type"),
    "priority_id": gettext_lazy("No priority"),
    "component_id": gettext_lazy("No component"),
    "requester_id": gettext_lazy("Unidentified sender"),
}

DIMENSIONS = {
    "organization": Dimension(gettext_lazy("Client"), ("organization_id", "organization__name")),
    "agent": Dimension(
        gettext_lazy("Agent"),
        ("assignees__id", "assignees__first_name", "assignees__last_name", "assignees__email"),
        staff_only=True,
    ),
    "priority": Dimension(
        gettext_lazy("Priority"), ("priority_id", "priority__name_fr", "priority__name_en")
    ),
    "type": Dimension(gettext_lazy("Type"), ("type_id", "type__name_fr", "type__name_en")),
    "component": Dimension(
        gettext_lazy("Component"), ("component_id", "component__name_fr", "component__name_en")
    ),
    "channel": Dimension(gettext_lazy("Channel"), ("channel",)),
    "level": Dimension(gettext_lazy("Support level"), ("support_level",)),
}


def dimension_choices(keys, user) -> list[tuple[str, str]]:
    return [
        (key, DIMENSIONS[key].label)
        for key in keys
        if not DIMENSIONS[key].staff_only or access.sees_agents(user)
    ]


# --- periods ------------------------------------------------------------------------------

PERIODS = ("day", "week", "month")


def _floor(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _next(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day + dt.timedelta(days=7)
    if period == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


def buckets(filters: Filters) -> tuple[str, list[dt.date]]:
    """The period used and the first day of each period touching the range (at most
    MAX_BUCKETS: a finer period asked for a long range becomes coarser)."""
    days = (filters.end - filters.start).days + 1
    period = filters.period
    if period not in PERIODS:
        period = "day" if days <= 45 else "week" if days <= 366 else "month"
    for candidate in PERIODS[PERIODS.index(period) :]:
        firsts, day = [], _floor(filters.start, candidate)
        while day <= filters.end and len(firsts) <= MAX_BUCKETS:
            firsts.append(day)
            day = _next(day, candidate)
        if len(firsts) <= MAX_BUCKETS:
            return candidate, firsts
    return "month", firsts[:MAX_BUCKETS]


def bucket_label(day: dt.date, period: str) -> str:
    if period == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    if period == "week":
        return _("Week of %(date)s") % {"date": formats.date_format(day, "SHORT_DATE_FORMAT")}
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def short_labels(firsts: list[dt.date], period: str) -> list[str]:
    return [formats.date_format(day, "M Y" if period == "month" else "j M") for day in firsts]


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period_index(moment: str, firsts: list[dt.date], until: dt.datetime) -> PeriodIndex:
    """The index of the period of `moment` among firsts (the periods' first days): -1 before
    the first period, len(firsts) from `until` on (the end of the last period as the report
    counts it). The same grouping as truncating `moment` to its period in the current time
    zone, at a third of the cost (reports.aggregates.PeriodIndex); the groups are the report's
    periods plus one before and one after, however many years the tickets span."""
    return PeriodIndex(moment, [*(_midnight(day) for day in firsts), until])


def _per_bucket(
    qs: QuerySet, moment: str, period: str, firsts: list[dt.date], **aggregates
) -> dict[dt.date, dict]:
    """{first day of the period: aggregates} for the rows of qs (in the range), by their
    `moment` field."""
    index = _period_index(moment, firsts, _midnight(_next(firsts[-1], period)))
    rows = qs.annotate(bucket=index).values("bucket").annotate(**aggregates).order_by()
    return {firsts[row["bucket"]]: row for row in rows if 0 <= row["bucket"] < len(firsts)}


# --- the base rows ------------------------------------------------------------------------


def tickets(user, filters: Filters) -> QuerySet[Ticket]:
    """user's report tickets narrowed by the filters (not by dates: each report knows which
    moment, creation or resolution, its range applies to)."""
    qs = access.report_tickets(user)
    if filters.organization is not None:
        qs = qs.filter(organization_id=filters.organization.pk)
    if filters.type is not None:
        qs = qs.filter(type_id=filters.type.pk)
    if filters.priority is not None:
        qs = qs.filter(priority_id=filters.priority.pk)
    if filters.level is not None:
        qs = qs.filter(support_level=filters.level)
    if filters.agent is not None and access.sees_agents(user):
        qs = qs.filter(assignees=filters.agent)
    return qs


def _in_range(moment: str, filters: Filters) -> Q:
    return Q(**{f"{moment}__gte": filters.start_at, f"{moment}__lt": filters.end_at})


def _hours(seconds) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _grouped(qs: QuerySet, group: str, order: str, **aggregates) -> list[tuple[str, dict]]:
    dimension = DIMENSIONS[group]
    rows = qs.values(*dimension.fields).annotate(**aggregates).order_by(order)[:GROUP_LIMIT]
    return [(dimension.name(row), row) for row in rows]


# --- volume -------------------------------------------------------------------------------


def volume(user, filters: Filters) -> Report:
    """Tickets created and resolved per period; both by a dimension (type by default)."""
    period, firsts = buckets(filters)
    base = tickets(user, filters)
    created = _per_bucket(
        base.filter(_in_range("created_at", filters)), "created_at", period, firsts, n=Count("id")
    )
    resolved = _per_bucket(
        base.filter(_in_range("resolved_at", filters)), "resolved_at", period, firsts, n=Count("id")
    )
    rows = [
        [
            bucket_label(day, period),
            created.get(day, {}).get("n", 0),
            resolved.get(day, {}).get("n", 0),
        ]
        for day in firsts
    ]
    rows.append([_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)])
    report = Report()
    report.tables.append(
        Table(
            _("Tickets created and resolved"),
            [
                Column(_("Period")),
                Column(pgettext("report column", "Created"), "int"),
                Column(pgettext("report column", "Resolved"), "int"),
            ],
            rows,
            chart={"type": "bar", "series": [1, 2], "skip_last": True},
            chart_labels=short_labels(firsts, period),
        )
    )
    group = filters.group or "type"
    dimension = DIMENSIONS[group]
    created_by = dict(
        _grouped(base.filter(_in_range("created_at", filters)), group, "-n", n=Count("id"))
    )
    resolved_by = dict(
        _grouped(base.filter(_in_range("resolved_at", filters)), group, "-n", n=Count("id"))
    )
    names = list(dict.fromkeys([*created_by, *resolved_by]))
    by_rows = [
        [name, created_by.get(name, {}).get("n", 0), resolved_by.get(name, {}).get("n", 0)]
        for name in names
    ]
    by_rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    report.tables.append(
        Table(
            _("By %(dimension)s") % {"dimension": str(dimension.label).lower()},
            [
                Column(str(dimension.label)),
                Column(pgettext("report column", "Created"), "int"),
                Column(pgettext("report column", "Resolved"), "int"),
            ],
            by_rows,
            chart={"type": "bar", "series": [1, 2], "horizontal": True, "limit": 15},
        )
    )
    return report


# --- requests per user (seed 004) -----------------------------------------------------------


def requesters(user, filters: Filters) -> Report:
    """Requests submitted per person over the range, the most active first."""
    rows = (
        tickets(user, filters)
        .filter(_in_range("created_at", filters))
        .values(
            "requester_id",
            "requester__first_name",
            "requester__last_name",
            "requester__email",
            "organization__name",
        )
        .annotate(n=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
        .order_by("-n", "requester__last_name", "requester_id")[: REQUESTER_LIMIT + 1]
    )
    rows = list(rows)
    report = Report()
    if len(rows) > REQUESTER_LIMIT:
        rows = rows[:REQUESTER_LIMIT]
        report.notes.append(
            _("Only the %(count)s most active requesters are listed.") % {"count": REQUESTER_LIMIT}
        )
    person = Dimension(
        "", ("requester_id", "requester__first_name", "requester__last_name", "requester__email")
    )
    table_rows = [
        [person.name(r), r["organization__name"] or "—", r["n"], r["resolved"]] for r in rows
    ]
    report.tables.append(
        Table(
            _("Requests submitted per user"),
            [
                Column(_("Requester")),
                Column(_("Organization")),
                Column(_("Requests"), "int"),
                Column(_("Resolved since"), "int"),
            ],
            table_rows,
            chart={"type": "bar", "series": [2], "horizontal": True, "limit": 15},
        )
    )
    return report


# --- speed --------------------------------------------------------------------------------


def _speed_aggregates(field_name: str) -> dict:
    return {
        "n": Count("id"),
        "avg": Avg(field_name),
        "median": Percentile(field_name, 0.5),
        "p90": Percentile(field_name, 0.9),
    }


def _speed_row(row: dict | None) -> list:
    row = row or {}
    return [
        row.get("n", 0),
        _hours(row.get("median")),
        _hours(row.get("avg")),
        _hours(row.get("p90")),
    ]


def speed(user, filters: Filters, *, only_resolution: bool = False) -> Report:
    """First response (tickets first answered in the range) and resolution (tickets resolved
    in the range) in business hours: median, average, 90th percentile, per group."""
    group = filters.group or "organization"
    dimension = DIMENSIONS[group]
    base = tickets(user, filters)
    answered = base.filter(
        _in_range("first_response_at", filters), first_response_seconds__isnull=False
    )
    resolved = base.filter(_in_range("resolved_at", filters), resolution_seconds__isnull=False)
    res_by = dict(_grouped(resolved, group, "-n", **_speed_aggregates("resolution_seconds")))
    res_all = resolved.aggregate(**_speed_aggregates("resolution_seconds"))
    res_columns = [
        Column(pgettext("report column", "Resolved"), "int"),
        Column(_("Median resolution (h)"), "hours"),
        Column(_("Average resolution (h)"), "hours"),
        Column(_("90th percentile resolution (h)"), "hours"),
    ]
    report = Report()
    report.notes.append(
        _(
            "Times are in business hours of the business calendar (working days and hours, "
            "public holidays excepted)."
        )
    )
    if only_resolution:
        names = list(res_by)
        rows = [[name, *_speed_row(res_by.get(name))] for name in names]
        rows.append([_("All"), *_speed_row(res_all)])
        report.tables.append(
            Table(
                _("Resolution time per client"),
                [Column(str(dimension.label)), *res_columns],
                rows,
                chart={
                    "type": "bar",
                    "series": [2, 1],
                    "horizontal": True,
                    "limit": 15,
                    "skip_last": True,
                },
            )
        )
        return report
    first_by = dict(_grouped(answered, group, "-n", **_speed_aggregates("first_response_seconds")))
    first_all = answered.aggregate(**_speed_aggregates("first_response_seconds"))
    names = list(dict.fromkeys([*res_by, *first_by]))
    rows = [
        [name, *_speed_row(first_by.get(name)), *_speed_row(res_by.get(name))] for name in names
    ]
    rows.append([_("All"), *_speed_row(first_all), *_speed_row(res_all)])
    report.tables.append(
        Table(
            _("First response and resolution by %(dimension)s")
            % {"dimension": str(dimension.label).lower()},
            [
                Column(str(dimension.label)),
                Column(_("Answered"), "int"),
                Column(_("Median first response (h)"), "hours"),
                Column(_("Average first response (h)"), "hours"),
                Column(_("90th percentile first response (h)"), "hours"),
                *res_columns,
            ],
            rows,
            chart={
                "type": "bar",
                "series": [2, 6],
                "horizontal": True,
                "limit": 15,
                "skip_last": True,
            },
        )
    )
    return report


def client_resolution(user, filters: Filters) -> Report:
    """Seed 004: the average resolution time per client."""
    filters.group = "organization"
    return speed(user, filters, only_resolution=True)


# --- SLA ----------------------------------------------------------------------------------


def sla(user, filters: Filters) -> Report:
    """Targets met and breached per group: resolution (tickets resolved in the range with a
    due date) and first response (tickets first answered in the range with a due date)."""
    group = filters.group or "priority"
    dimension = DIMENSIONS[group]
    base = tickets(user, filters)
    resolved = base.filter(_in_range("resolved_at", filters), resolution_due_at__isnull=False)
    answered = base.filter(
        _in_range("first_response_at", filters), first_response_due_at__isnull=False
    )
    res_agg = {
        "n": Count("id"),
        "met": Count("id", filter=Q(resolved_at__lte=F("resolution_due_at"))),
    }
    first_agg = {
        "n": Count("id"),
        "met": Count("id", filter=Q(first_response_at__lte=F("first_response_due_at"))),
    }
    res_by = dict(_grouped(resolved, group, "-n", **res_agg))
    first_by = dict(_grouped(answered, group, "-n", **first_agg))

    def cells(row):
        row = row or {"n": 0, "met": 0}
        return [row["n"], row["met"], row["n"] - row["met"], _percent(row["met"], row["n"])]

    names = list(dict.fromkeys([*res_by, *first_by]))
    rows = [[name, *cells(res_by.get(name)), *cells(first_by.get(name))] for name in names]
    rows.append(
        [_("All"), *cells(resolved.aggregate(**res_agg)), *cells(answered.aggregate(**first_agg))]
    )
    report = Report()
    report.notes.append(
        _(
            "Due dates come from the priority's targets in business hours, pushed back while "
            "the ticket waited on the client."
        )
    )
    report.tables.append(
        Table(
            _("SLA compliance by %(dimension)s") % {"dimension": str(dimension.label).lower()},
            [
                Column(str(dimension.label)),
                Column(_("Resolved with a target"), "int"),
                Column(_("Resolved in time"), "int"),
                Column(_("Resolution breaches"), "int"),
                Column(_("Resolution compliance (%)"), "percent"),
                Column(_("Answered with a target"), "int"),
                Column(_("Answered in time"), "int"),
                Column(_("First response breaches"), "int"),
                Column(_("First response compliance (%)"), "percent"),
            ],
            rows,
            chart={
                "type": "bar",
                "series": [4, 8],
                "horizontal": True,
                "limit": 15,
                "max": 100,
                "skip_last": True,
            },
        )
    )
    return report


# --- reopenings and escalations -------------------------------------------------------------


def quality(user, filters: Filters) -> Report:
    """Per period: resolutions, reopenings (and their rate) and escalations; escalations per
    level reached."""
    period, firsts = buckets(filters)
    base = tickets(user, filters)
    events = Event.objects.filter(ticket__in=base.values("pk")).filter(
        _in_range("action_at", filters)
    )
    if not access.sees_agents(user):
        # Escalations are internal events: a client administrator's report has none.
        events = events.filter(is_internal=False)
    resolved = _per_bucket(
        base.filter(_in_range("resolved_at", filters)), "resolved_at", period, firsts, n=Count("id")
    )
    reopened = _per_bucket(
        events.filter(kind=Event.Kind.REOPEN), "action_at", period, firsts, n=Count("id")
    )
    escalated = _per_bucket(
        events.filter(kind=Event.Kind.ESCALATION), "action_at", period, firsts, n=Count("id")
    )
    rows = []
    for day in firsts:
        done = resolved.get(day, {}).get("n", 0)
        again = reopened.get(day, {}).get("n", 0)
        rows.append(
            [
                bucket_label(day, period),
                done,
                again,
                _percent(again, done),
                escalated.get(day, {}).get("n", 0),
            ]
        )
    done, again = sum(r[1] for r in rows), sum(r[2] for r in rows)
    rows.append([_("Total"), done, again, _percent(again, done), sum(r[4] for r in rows)])
    report = Report()
    report.tables.append(
        Table(
            _("Reopenings and escalations"),
            [
                Column(_("Period")),
                Column(pgettext("report column", "Resolved"), "int"),
                Column(pgettext("report column", "Reopened"), "int"),
                Column(_("Reopen rate (%)"), "percent"),
                Column(_("Escalations"), "int"),
            ],
            rows,
            chart={"type": "line", "series": [2, 4], "skip_last": True},
            chart_labels=short_labels(firsts, period),
        )
    )
    levels = (
        events.filter(kind=Event.Kind.ESCALATION)
        .values("data__new")
        .annotate(n=Count("id"))
        .order_by("data__new")
    )
    level_rows = []
    for row in levels:
        level = row["data__new"]
        label = str(Ticket.Level(level).label) if level in Ticket.Level.values else "—"
        level_rows.append([label, row["n"]])
    report.tables.append(
        Table(
            _("Escalations per level reached"),
            [Column(_("Support level")), Column(_("Escalations"), "int")],
            level_rows,
            chart={"type": "bar", "series": [1]},
        )
    )
    return report


# --- backlog ------------------------------------------------------------------------------

AGES = (
    (gettext_lazy("Less than a day"), 0, 1),
    (gettext_lazy("1 to 3 days"), 1, 3),
    (gettext_lazy("3 to 7 days"), 3, 7),
    (gettext_lazy("1 to 4 weeks"), 7, 30),
    (gettext_lazy("1 to 3 months"), 30, 90),
    (gettext_lazy("More than 3 months"), 90, None),
)


def _open_q() -> Q:
    return Q(resolved_at__isnull=True, closed_at__isnull=True)


# The categories of the backlog over time: the statuses of a ticket not resolved yet.
BACKLOG_CATEGORIES = [
    (value, label)
    for value, label in Status.Category.choices
    if value in ("new", "open", "waiting_client", "waiting_third_party")
]


def _changes_to_undo(
    base: QuerySet, period: str, firsts: list[dt.date], category_of: dict
) -> list[dict[str, int]]:
    """[{category: tickets}] to add to the current categories of the tickets created by the
    end of each period to read their categories then (see _categories_at_period_ends), from
    one GROUP BY query on the status changes and reopenings of the range.

    The changes are read from the report's tickets (a join, not a semi-join on every ticket),
    on the partial index of those events (tickets.Event event_report_status_idx)."""
    size = len(firsts)
    beyond = _midnight(_next(firsts[-1], period))
    # One integer per (opened, moved, old, new) group: PostgreSQL overestimates the groups of
    # four keys and sorts the ~100,000 changes of a year in parallel workers; one key it hashes
    # in one process (benchmarks/README.md: ~10% more backlogs per second at concurrency 4).
    statuses = max(category_of, default=0) + 1
    periods = size + 2

    def status(key: str):
        return Coalesce(Cast(KeyTextTransform(key, "events__data"), BigIntegerField()), 0)

    group = (
        (
            (Cast(_period_index("created_at", firsts, beyond), BigIntegerField()) + 1) * periods
            + _period_index("events__action_at", firsts, beyond)
            + 1
        )
        * statuses
        + status("old")
    ) * statuses + status("new")
    changes = (
        base.filter(
            events__kind__in=[Event.Kind.STATUS, Event.Kind.REOPEN],
            events__action_at__gte=_midnight(firsts[0]),
        )
        .annotate(group=group)
        .values("group")
        .annotate(n=Count("*"))
        .order_by()
    )
    # A change made in period k to a ticket opened in period j is undone at the ends of
    # periods max(j, 0) to k - 1: kept as differences (added at the first, taken back after
    # the last), summed period by period below.
    differences = [{} for _i in range(size + 1)]
    for row in changes:
        rest, new = divmod(row["group"], statuses)
        rest, old = divmod(rest, statuses)
        opened, moved = divmod(rest, periods)
        low, high = max(opened - 1, 0), min(moved - 1, size)
        if low >= high:
            continue
        for category, n in ((category_of.get(old), row["n"]), (category_of.get(new), -row["n"])):
            differences[low][category] = differences[low].get(category, 0) + n
            differences[high][category] = differences[high].get(category, 0) - n
    undo, running = [], {}
    for i in range(size):
        for category, n in differences[i].items():
            running[category] = running.get(category, 0) + n
        undo.append(dict(running))
    return undo


def _categories_at_period_ends(
    created: list[dict[str, int]], undo: list[dict[str, int]]
) -> list[dict[str, int]]:
    """[{category: tickets}] at the end of each period.

    A ticket created before the end e of a period is in the category of its status at e: its
    current category, undone by its status changes and reopenings after e (each moved it from the
    "old" status to the "new" one, both kept in the event's data). So, with T[j][c] the
    tickets created in period j now in category c (created[j + 1], created[0] before the
    range) and the changes undone at the end of period i (undo[i], _changes_to_undo): count[c]
    = sum over j <= i of T[j][c] + undo[i][c]. The rows read are (period, status) and
    (period, period, status, status) groups, never tickets.
    """
    result, running = [], dict(created[0])
    for i in range(len(undo)):
        for category, n in created[i + 1].items():
            running[category] = running.get(category, 0) + n
        result.append(
            {c: running.get(c, 0) + undo[i].get(c, 0) for c in set(running) | set(undo[i])}
        )
    return result


def backlog(user, filters: Filters, *, now: dt.datetime | None = None) -> Report:
    """Open tickets at the end of each period (created before, not yet resolved then), and the
    open tickets now by status category and by age.

    Four queries whatever the range: the tickets by period of creation and status (with the
    open ones counted by age), the tickets by period of resolution, the statuses, and the
    status changes of the range (_changes_to_undo)."""
    now = now or timezone.now()
    period, firsts = buckets(filters)
    size = len(firsts)
    base = tickets(user, filters)
    category_of = dict(Status.objects.values_list("pk", "category"))
    open_q = _open_q()
    ages = {
        f"a{i}": Count(
            "id",
            filter=open_q
            & Q(created_at__lte=now - dt.timedelta(days=low))
            & (Q() if high is None else Q(created_at__gt=now - dt.timedelta(days=high))),
        )
        for i, (_label, low, high) in enumerate(AGES)
    }
    # One pass over the tickets: created per period (the range's, one before, one after the
    # range's end) and status, with those open now and their ages.
    by_creation = (
        base.annotate(bucket=_period_index("created_at", firsts, filters.end_at))
        .values("bucket", "status_id")
        .annotate(n=Count("id"), open=Count("id", filter=open_q), **ages)
        .order_by()
    )
    # created[j + 1][c]: created in period j (-1: before the range) now in category c.
    created = [{} for _i in range(size + 2)]
    open_by_category, age_counts = {}, [0] * len(AGES)
    shown = {value for value, _label in BACKLOG_CATEGORIES}
    for row in by_creation:
        category = category_of.get(row["status_id"])
        j = row["bucket"]
        if j < size:  # created before the range's end
            cell = created[j + 1]
            cell[category] = cell.get(category, 0) + row["n"]
        if row["open"]:
            open_by_category[category] = open_by_category.get(category, 0) + row["open"]
        for i in range(len(AGES)):
            age_counts[i] += row[f"a{i}"]
    resolved = [0] * (size + 1)  # resolved[j + 1]: resolved in period j (-1: before)
    for row in (
        base.filter(resolved_at__lt=filters.end_at)
        .annotate(bucket=_period_index("resolved_at", firsts, filters.end_at))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
    ):
        resolved[row["bucket"] + 1] += row["n"]
    # Open at a moment e = created before e - resolved before e (a ticket is resolved after it
    # is created): counts before the first period, then a running sum over the periods.
    running = sum(created[0].values()) - resolved[0]
    rows = []
    for i, day in enumerate(firsts):
        running += sum(created[i + 1].values()) - resolved[i + 1]
        rows.append([bucket_label(day, period), running])
    report = Report()
    report.notes.append(_("A ticket counts as open from its creation until it is resolved."))
    report.tables.append(
        Table(
            _("Open tickets at the end of each period"),
            [Column(_("Period")), Column(_("Open tickets"), "int")],
            rows,
            chart={"type": "line", "series": [1]},
            chart_labels=short_labels(firsts, period),
        )
    )
    # Only the categories shown are needed: a ticket now resolved enters them through the
    # changes undone.
    shown_created = [{c: n for c, n in cell.items() if c in shown} for cell in created[: size + 1]]
    per_category = _categories_at_period_ends(
        shown_created, _changes_to_undo(base, period, firsts, category_of)
    )
    report.tables.append(
        Table(
            _("Tickets at the end of each period, by status category"),
            [Column(_("Period"))]
            + [Column(str(label), "int") for _value, label in BACKLOG_CATEGORIES],
            [
                [bucket_label(day, period)]
                + [per_category[i].get(value, 0) for value, _label in BACKLOG_CATEGORIES]
                for i, day in enumerate(firsts)
            ],
            chart={"type": "line", "series": list(range(1, len(BACKLOG_CATEGORIES) + 1))},
            chart_labels=short_labels(firsts, period),
            note=_(
                "A ticket's category at the end of a period is the one of its status then, "
                "read from its status changes."
            ),
        )
    )
    category_rows = [
        [str(label), open_by_category.get(value, 0)]
        for value, label in Status.Category.choices
        if value in open_by_category
        or value in ("new", "open", "waiting_client", "waiting_third_party")
    ]
    report.tables.append(
        Table(
            _("Open tickets now by status"),
            [Column(_("Status")), Column(_("Open tickets"), "int")],
            category_rows,
            chart={"type": "bar", "series": [1]},
        )
    )
    report.tables.append(
        Table(
            _("Age of the open tickets"),
            [Column(_("Age")), Column(_("Open tickets"), "int")],
            [[str(label), age_counts[i]] for i, (label, _low, _high) in enumerate(AGES)],
            chart={"type": "bar", "series": [1]},
        )
    )
    return report


# --- change requests ------------------------------------------------------------------------


def change_requests(user, filters: Filters, *, now: dt.datetime | None = None) -> Report:
    """Requests opened in the range by their step now; the time spent in each step (steps
    entered in the range; a step not left yet counts until now), in days."""
    now = now or timezone.now()
    crs = access.report_change_requests(user)
    if filters.organization is not None:
        crs = crs.filter(organization_id=filters.organization.pk)
    if filters.kind:
        crs = crs.filter(kind=filters.kind)
    if filters.agent is not None:
        # The requests the agent worked on (any step they acted in).
        acted = HistoryEntry.objects.filter(
            change_request_id=OuterRef("pk"), actor_id=filters.agent.pk
        )
        crs = crs.filter(Exists(acted))
    per_state = {
        row["state"]: row["n"]
        for row in crs.filter(_in_range("created_at", filters))
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    }
    report = Report()
    report.notes.append(
        _(
            "Change requests are filtered by client, kind of request and, for the support "
            "team, by the agent who acted on them."
        )
    )
    report.tables.append(
        Table(
            _("Change requests opened in the range, by current step"),
            [Column(_("Step")), Column(_("Requests"), "int")],
            [[str(label), per_state.get(value, 0)] for value, label in State.choices],
            chart={"type": "bar", "series": [1]},
        )
    )
    leaving = HistoryEntry.objects.filter(
        change_request_id=OuterRef("change_request_id"),
        pk__gt=OuterRef("pk"),
        from_state=OuterRef("to_state"),
    ).exclude(to_state=OuterRef("to_state"))
    entered = (
        HistoryEntry.objects.filter(change_request__in=crs.values("pk"))
        .filter(_in_range("created_at", filters))
        .filter(Q(action="create") | ~Q(from_state=F("to_state")))
        .annotate(left_at=Subquery(leaving.order_by("pk").values("created_at")[:1]))
        .annotate(
            spent=ExpressionWrapper(
                Coalesce(F("left_at"), Value(now)) - F("created_at"), output_field=DurationField()
            )
        )
    )
    spent = {
        row["to_state"]: row
        for row in entered.values("to_state")
        .annotate(
            n=Count("id"), avg=Avg("spent"), current=Count("id", filter=Q(left_at__isnull=True))
        )
        .order_by()
    }

    def days(value) -> float | None:
        if value is None:
            return None
        if isinstance(value, dt.timedelta):
            return round(value.total_seconds() / 86400, 2)
        return round(float(value) / 86400e6, 2)  # microseconds (SQLite)

    rows = [
        [str(label), spent[value]["n"], spent[value]["current"], days(spent[value]["avg"])]
        for value, label in State.choices
        if value in spent
    ]
    report.tables.append(
        Table(
            _("Time spent in each step"),
            [
                Column(_("Step")),
                Column(_("Times entered"), "int"),
                Column(_("Still there"), "int"),
                Column(_("Average days in the step"), "days"),
            ],
            rows,
            chart={"type": "bar", "series": [3], "horizontal": True},
        )
    )
    return report


# --- time ---------------------------------------------------------------------------------


def _decimal_hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _contract_rounding(entries: QuerySet, day: dt.date) -> dict[int, tuple[int, bool]]:
    """{organization id: (rounding unit in minutes, per ticket?)} by the contract each
    organization of entries has on day (no contract: no rounding). One query per organization:
    a client administrator's report has one."""
    rounding = {}
    org_ids = entries.values_list("ticket__organization_id", flat=True).distinct().order_by()
    for org_id in org_ids:
        contract = billing_services.contract_for(org_id, day)
        if contract is None:
            rounding[org_id] = (0, False)
        else:
            per_ticket = contract.rounding_scope == Contract.RoundingScope.TICKET
            rounding[org_id] = (contract.rounding_minutes, per_ticket)
    return rounding


def _client_billable(entries: QuerySet, filters: Filters) -> tuple[dict, dict]:
    """Billable minutes rounded as each client's contract says, per month and per
    organization: ({month: minutes}, {(organization id, name): minutes}).

    Per-entry rounding is applied to each entry in SQL (billing.services.rounded_minutes);
    per-ticket rounding to each ticket's minutes of the month (the rows are (month, ticket)
    groups of one client's tickets, summed in the database)."""
    rounding = _contract_rounding(entries, filters.end)
    per_entry = Case(
        *[
            When(ticket__organization_id=org_id, then=billing_services.rounded_minutes(unit))
            for org_id, (unit, per_ticket) in rounding.items()
            if unit and not per_ticket
        ],
        default=F("minutes"),
    )
    month = TruncMonth("work_date", output_field=DateField())
    rows = (
        entries.filter(billable=True)
        .annotate(month=month)
        .values("month", "ticket_id", "ticket__organization_id", "ticket__organization__name")
        .annotate(raw=Sum("minutes"), per_entry=Sum(per_entry))
        .order_by()
    )
    per_month: dict = {}
    per_org: dict = {}
    for row in rows:
        unit, per_ticket = rounding.get(row["ticket__organization_id"], (0, False))
        minutes = pricing.round_up(row["raw"], unit) if per_ticket else row["per_entry"]
        per_month[row["month"]] = per_month.get(row["month"], 0) + minutes
        org = (row["ticket__organization_id"], row["ticket__organization__name"])
        per_org[org] = per_org.get(org, 0) + minutes
    return per_month, per_org


def time_spent(user, filters: Filters) -> Report:
    """Hours logged in the range (by the entry's work date) per month, per consultant and per
    client, billable and not. Client administrators count their organization's billable
    entries only (billing.access), rounded as their contract says, with no consultant
    breakdown and no comment."""
    details = access.sees_time_details(user)
    ticket_qs = tickets(user, replace(filters, agent=None))
    entries = access.report_time_entries(user).filter(
        ticket__in=ticket_qs.values("pk"),
        work_date__gte=filters.start,
        work_date__lte=filters.end,
    )
    if filters.agent is not None and details:
        entries = entries.filter(user_id=filters.agent.pk)
    firsts, day = [], _floor(filters.start, "month")
    while day <= filters.end and len(firsts) < MAX_BUCKETS:
        firsts.append(day)
        day = _next(day, "month")
    if not details:
        return _client_time(entries, filters, firsts)
    sums = {
        # Not named after the model's field "billable": the second filter would read the first.
        "billable_minutes": Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
        "other_minutes": Coalesce(Sum("minutes", filter=Q(billable=False)), 0),
    }

    def figures(row) -> list:
        billable = _decimal_hours(row["billable_minutes"])
        other = _decimal_hours(row["other_minutes"])
        return [billable, other, billable + other]

    columns = [
        Column(_("Billable hours"), "hours_exact"),
        Column(_("Non-billable hours"), "hours_exact"),
        Column(_("Total hours"), "hours_exact"),
    ]
    report = Report()
    month = TruncMonth("work_date", output_field=DateField())
    per_month = {
        row["month"]: row
        for row in entries.annotate(month=month).values("month").annotate(**sums).order_by()
    }
    empty = {"billable_minutes": 0, "other_minutes": 0}
    report.tables.append(
        Table(
            _("Hours per month"),
            [Column(_("Month")), *columns],
            [
                [bucket_label(first, "month"), *figures(per_month.get(first, empty))]
                for first in firsts
            ],
            chart={"type": "bar", "series": [1, 2]},
            chart_labels=short_labels(firsts, "month"),
        )
    )
    groups = [
        ("consultant", _("Hours per consultant"), _("Consultant")),
        ("organization", _("Hours per client"), _("Client")),
    ]
    for group, title, label in groups:
        if group == "consultant":
            fields = ("user_id", "user__first_name", "user__last_name", "user__email")
        else:
            fields = ("ticket__organization_id", "ticket__organization__name")
        rows = (
            entries.values(*fields)
            .annotate(**sums, total=Sum("minutes"))
            .order_by("-total", fields[0])[:GROUP_LIMIT]
        )
        table_rows = []
        for row in rows:
            if group == "consultant":
                name = (
                    f"{row['user__first_name']} {row['user__last_name']}".strip()
                    or row["user__email"]
                )
            else:
                name = row["ticket__organization__name"] or "—"
            table_rows.append([name, *figures(row)])
        report.tables.append(
            Table(
                title,
                [Column(label), *columns],
                table_rows,
                chart={"type": "bar", "series": [1, 2], "horizontal": True},
            )
        )
    return report


def _client_time(entries: QuerySet, filters: Filters, firsts: list[dt.date]) -> Report:
    """The time report of a client administrator: billable hours only, rounded as the
    contract says (never the raw or non-billable minutes)."""
    per_month, per_org = _client_billable(entries, filters)
    column = Column(_("Billable hours"), "hours_exact")
    report = Report()
    report.notes.append(_("Billable time only, rounded as your contract says."))
    report.tables.append(
        Table(
            _("Hours per month"),
            [Column(_("Month")), column],
            [
                [bucket_label(first, "month"), _decimal_hours(per_month.get(first, 0))]
                for first in firsts
            ],
            chart={"type": "bar", "series": [1]},
            chart_labels=short_labels(firsts, "month"),
        )
    )
    ordered = sorted(per_org.items(), key=lambda item: (-item[1], item[0][0]))[:GROUP_LIMIT]
    report.tables.append(
        Table(
            _("Hours per client"),
            [Column(_("Client")), column],
            [[name or "—", _decimal_hours(minutes)] for (_pk, name), minutes in ordered],
            chart={"type": "bar", "series": [1], "horizontal": True},
        )
    )
    return report


# --- knowledge base -----------------------------------------------------------------------

KNOWLEDGE_LIMIT = 100


def knowledge_base(user, filters: Filters) -> Report:
    """The wiki pages user may read with their views (counted since the page was written: the
    wiki keeps one counter, not a log) and the "solved my problem" marks given in the range,
    the most read first. Pages are counted for the support team only (wiki.access)."""
    pages = access.report_wiki_pages(user)
    if filters.organization is not None:
        pages = pages.filter(organization_id=filters.organization.pk)
    in_range = Q(
        helpful_marks__created_at__gte=filters.start_at,
        helpful_marks__created_at__lt=filters.end_at,
    )
    rows = (
        pages.values("pk", "title", "space__name")
        .annotate(
            helpful=Count("helpful_marks", filter=in_range),
            from_suggestion=Count(
                "helpful_marks", filter=in_range & Q(helpful_marks__from_suggestion=True)
            ),
        )
        .annotate(views=F("view_count"), helpful_ever=F("helpful_count"))
        .order_by("-view_count", "-helpful", "title", "pk")[:KNOWLEDGE_LIMIT]
    )
    report = Report()
    report.notes.append(
        _(
            "Views are counted since each page was written; “solved my problem” marks are "
            "those given in the range."
        )
    )
    report.tables.append(
        Table(
            _("Most read pages"),
            [
                Column(_("Page")),
                Column(_("Space")),
                Column(_("Views"), "int"),
                Column(_("Solved a problem in the range"), "int"),
                Column(_("Of which from ticket suggestions"), "int"),
                Column(_("Solved a problem, ever"), "int"),
            ],
            [
                [
                    row["title"],
                    row["space__name"],
                    row["views"],
                    row["helpful"],
                    row["from_suggestion"],
                    row["helpful_ever"],
                ]
                for row in rows
            ],
            chart={"type": "bar", "series": [2, 3], "horizontal": True, "limit": 20},
        )
    )
    return report
