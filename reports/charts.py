"""What the chart above a table draws, as JSON for static/js/reports.js: the labels (first
column) and one series per charted column. Pure: built from the table the page shows."""

from __future__ import annotations

from decimal import Decimal

from .selectors import Table


def _number(value):
    """Decimal hours as a JSON number Chart.js reads (not the string Django's encoder makes)."""
    return float(value) if isinstance(value, Decimal) else value


def chart_data(table: Table) -> dict | None:
    spec = table.chart
    if not spec or not table.rows:
        return None
    rows = table.rows[:-1] if spec.get("skip_last") else table.rows
    if spec.get("limit"):
        rows = rows[: spec["limit"]]
    if not any(row[index] for row in rows for index in spec["series"]):
        return None  # nothing to draw: the table says "0" plainly
    labels = table.chart_labels or [str(row[0]) for row in rows]
    return {
        "type": spec.get("type", "bar"),
        "horizontal": bool(spec.get("horizontal")),
        "max": spec.get("max"),
        "labels": labels[: len(rows)],
        "series": [
            {
                "label": str(table.columns[index].label),
                "data": [_number(row[index]) for row in rows],
            }
            for index in spec["series"]
        ],
    }
