"""SQL aggregates the reports need that Django lacks: a percentile (median, 90th percentile).

PostgreSQL has percentile_cont; SQLite (the embedded default) gets the same function,
registered on each new connection (reports.apps), computed inside the query by the database
engine with the same linear interpolation, so both backends answer the same figures.
"""

from __future__ import annotations

import math

from django.db.models import Aggregate, FloatField


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
