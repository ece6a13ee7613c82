"""Every figure of the monthly report, defined once and used by the xlsx, the dashboard and the API.

Each selector takes the month (its first day) and the report's store ids (``None`` = the whole
group) and aggregates in SQL: conditional counts, grouped queries and ``TruncMonth``, one pass per
section, so the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from csat.db import concurrent_reads, parallel_queries, replica_reads
from csat.models import Store

from .analysis import dimension_stats, feedback_lists, feedback_records, item_stats, reason_ranking
from .assessment import assessment, assessment_events, department_names
from .complaints import (
    COMPLAINTS_SHOWN,
    DRILL_SHOWN,
    complaint_drill,
    complaint_lists,
    complaint_rates,
    complaint_records,
    complaint_stats,
    deadline_steps,
    open_past_three_days,
    reopened,
)
from .manufacturer import manufacturer_score, manufacturer_score_list, quarter_label, quarter_of
from .measures import measures
from .period import add_months, current_month, format_local, month_bounds, parse_month, previous_month
from .publication import report_recipients, report_webhook_departments
from .surveys import (
    BREAKDOWNS,
    breakdown_titles,
    channel_counts,
    satisfaction,
    satisfaction_breakdowns,
    survey_counts,
)
from .trend import satisfaction_trend
from .versions import GROUP, latest_report, report_get, report_versions

__all__ = [
    "BREAKDOWNS",
    "GROUP",
    "SCHEMA",
    "add_months",
    "assessment",
    "assessment_events",
    "department_names",
    "breakdown_titles",
    "COMPLAINTS_SHOWN",
    "DRILL_SHOWN",
    "complaint_drill",
    "complaint_lists",
    "complaint_records",
    "complaint_rates",
    "complaint_stats",
    "current_month",
    "deadline_steps",
    "dimension_stats",
    "feedback_lists",
    "feedback_records",
    "item_stats",
    "latest_report",
    "manufacturer_score",
    "manufacturer_score_list",
    "measures",
    "month_bounds",
    "open_past_three_days",
    "parse_month",
    "previous_month",
    "quarter_label",
    "quarter_of",
    "reason_ranking",
    "reopened",
    "report_data",
    "report_get",
    "report_recipients",
    "report_webhook_departments",
    "report_versions",
    "satisfaction",
    "satisfaction_breakdowns",
    "satisfaction_trend",
    "scope_of",
    "survey_counts",
]

# 2: the manufacturer's quarterly score beside our satisfaction (issue #19).
# 3: the five-dimension survey's unrated count (``satisfaction.five_dimension.not_rated``).
# 4: complaints are kind ``complaint`` only (by severity, by department, the trend), the dissatisfied
# callbacks and grievances counted beside them (DOMAIN §9).
SCHEMA = 4


def scope_of(store: Store | None) -> str:
    """The report's scope key: the store's code, or GROUP for the whole dealer group."""
    return store.code if store is not None else GROUP


def report_data(
    *, month: dt.date, store: Store | None = None, as_of: dt.datetime | None = None
) -> dict[str, Any]:
    """The whole report as plain JSON-ready data (labels in the active language)."""
    # The figures are a month's aggregates: read from the replica when there is one (csat.db).
    with replica_reads(), parallel_queries():
        return _report_data(month=month.replace(day=1), store=store, as_of=as_of or timezone.now())


def _report_data(*, month: dt.date, store: Store | None, as_of: dt.datetime) -> dict[str, Any]:
    store_ids = [store.pk] if store is not None else None
    cfg = settings.CSAT
    # Independent aggregates, on two connections at once where that is safe (csat.db); the
    # longest first (the twelve-month trend reads a year of surveys).
    parts = concurrent_reads(
        {
            "trend": lambda: satisfaction_trend(month=month, store_ids=store_ids),
            "breakdowns": lambda: satisfaction_breakdowns(month=month, store_ids=store_ids),
            "complaints": lambda: _complaint_figures(month=month, store_ids=store_ids),
            "items": lambda: item_stats(month=month, store_ids=store_ids),
            "counts": lambda: survey_counts(month=month, store_ids=store_ids),
            "channels": lambda: channel_counts(month=month, store_ids=store_ids),
            "satisfaction": lambda: satisfaction(month=month, store_ids=store_ids),
            "assessment": lambda: assessment(month=month, store_ids=store_ids),
            "deadlines": lambda: deadline_steps(month=month, store_ids=store_ids),
            "lists": lambda: complaint_lists(month=month, store_ids=store_ids, as_of=as_of),
            "feedback": lambda: feedback_lists(month=month, store_ids=store_ids),
            "dimensions": lambda: dimension_stats(month=month, store_ids=store_ids),
            "reasons": lambda: reason_ranking(month=month, store_ids=store_ids),
            "measures": lambda: measures(month=month, store_ids=store_ids),
            "manufacturer": lambda: manufacturer_score(month=month, store_ids=store_ids),
        },
        session=parallel_queries,
    )
    stats, rates = parts["complaints"]
    return {
        "schema": SCHEMA,
        "month": f"{month:%Y-%m}",
        "previous_month": f"{previous_month(month):%Y-%m}",
        "scope": scope_of(store),
        "store": {"id": store.pk, "code": store.code, "name": store.name} if store else None,
        "as_of": format_local(as_of),
        "language": get_language() or settings.LANGUAGE_CODE,
        "targets": {
            "satisfaction": cfg["SATISFACTION_TARGET"],
            "reach_min": cfg["REACH_RATE_MIN"],
            "survey_min": cfg["SURVEY_RATE_MIN"],
            "service_per_mille": cfg["COMPLAINT_RATE_TARGET_SERVICE_PER_MILLE"],
            "sales_per_mille": cfg["COMPLAINT_RATE_TARGET_SALES_PER_MILLE"],
        },
        "surveys": {
            "counts": parts["counts"],
            "channels": parts["channels"],
            "satisfaction": parts["satisfaction"],
            "breakdowns": parts["breakdowns"],
        },
        # Beside our satisfaction, never in it: the manufacturer's score of the month's quarter.
        "manufacturer": parts["manufacturer"],
        "dimensions": parts["dimensions"],
        "reasons": parts["reasons"],
        "items": parts["items"],
        "feedback": parts["feedback"],
        "complaints": {
            **stats,
            "deadlines": parts["deadlines"],
            "rates": rates,
            "measures": parts["measures"],
            # The first records of each list with their counts; the xlsx streams every record.
            **parts["lists"],
        },
        "assessment": parts["assessment"],
        "trend": parts["trend"],
    }


def _complaint_figures(*, month: dt.date, store_ids: list[int] | None) -> tuple[dict[str, Any], Any]:
    """The month's complaint counts and the per-mille rates made from them."""
    stats = complaint_stats(month=month, store_ids=store_ids)
    return stats, complaint_rates(month=month, store_ids=store_ids, stats=stats)
