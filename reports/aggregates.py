"""SQL the reports need that Django lacks: a percentile (median, 90th percentile) and the
index of the period a moment falls in.

PostgreSQL has percentile_cont; SQLite (the embedded default) gets the same function,
registered on each new connection (reports.apps), computed inside the query by the database
engine with the same linear interpolation, so both backends answer the same figures.
PostgreSQL has width_bucket; other databases get the same answer from a CASE.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Aggregate, FloatField, Func, IntegerField


class Percentile(Aggregate):
    """percentile_cont(fraction) of expression over the group (NULLs ignored)."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"percentile_cont({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template=f"helpdesk_percentile(%(expressions)s, {self.fraction!r})",
            **extra_context,
        )


class PeriodIndex(Func):
    """The index of the period holding a moment, the periods given by their first moments
    and the end of the last (`bounds`, ascending): -1 before the first, len(bounds) - 1 from
    the end on.

    The same grouping as truncating the moment to its period in the current time zone when
    the bounds are the periods' local midnights, without the time zone arithmetic per row
    (a binary search on PostgreSQL): a third of the cost of a year of events."""

    output_field = IntegerField()

    def __init__(self, expression, bounds: list[dt.datetime], **extra):
        if not bounds:
            raise ValueError("at least one bound is needed")
        self.bounds = list(bounds)
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(width_bucket({sql}, %s::timestamptz[]) - 1)", (*params, self.bounds)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        whens, case_params = [], []
        for index, bound in enumerate(self.bounds):
            whens.append(f"WHEN {sql} < %s THEN {index - 1}")
            case_params += [*params, connection.ops.adapt_datetimefield_value(bound)]
        return (
            f"(CASE {' '.join(whens)} ELSE {len(self.bounds) - 1} END)",
            tuple(case_params),
        )


def interpolated(values: list[float], fraction: float) -> float | None:
    """percentile_cont of values (PostgreSQL's definition)."""
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


class _SqlitePercentile:
    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        self.fraction = float(fraction)
        if value is not None:
            self.values.append(float(value))

    def finalize(self):
        return interpolated(self.values, self.fraction)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite connections helpdesk_percentile()."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("helpdesk_percentile", 2, _SqlitePercentile)
