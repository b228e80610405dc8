"""The project's settings with the report cache off (benchmarks/reports.py --uncached): every
request computes its report, so the benchmark measures the SQL, not a cache read."""

from helpdesk.settings import *  # noqa: F403

REPORTS_CACHE_SECONDS = 0
