"""The twelve months up to the report month: satisfaction vs target and complaints received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from callbacks.models import Survey
from complaints.models import Complaint, Kind
from csat.business_time import business_tz

from .period import add_months, month_bounds, scoped
from .surveys import HUNDRED_POINT_TYPES, target

__all__ = ["satisfaction_trend"]


def _key(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, business_tz()) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def satisfaction_trend(
    *, month: dt.date, store_ids: Sequence[int] | None, months: int = 12
) -> list[dict[str, Any]]:
    """One row per month, oldest first; two grouped queries (TruncMonth), whatever the volume."""
    first = add_months(month, -(months - 1))
    start, _ = month_bounds(first)
    _, end = month_bounds(month)
    tz = business_tz()
    surveys: dict[str, Mapping[str, Any]] = {
        _key(r["m"]): r
        for r in scoped(
            Survey.objects.filter(
                surveyed_at__gte=start,
                surveyed_at__lt=end,
                score_used__isnull=False,
                type__in=HUNDRED_POINT_TYPES,
            ),
            store_ids,
        )
        .annotate(m=TruncMonth("surveyed_at", tzinfo=tz))
        .values("m")
        .annotate(average=Avg("score_used"), rated=Count("pk"))
        .order_by()
    }
    complaints = {
        _key(r["m"]): r["count"]
        # Complaints only (DOMAIN §9), as the month's 投诉总数 this trend is the previous month of.
        for r in scoped(
            Complaint.objects.filter(received_at__gte=start, received_at__lt=end, kind=Kind.COMPLAINT),
            store_ids,
        )
        .annotate(m=TruncMonth("received_at", tzinfo=tz))
        .values("m")
        .annotate(count=Count("pk"))
        .order_by()
    }
    goal = target()
    rows = []
    for i in range(months):
        key = _key(add_months(first, i))
        survey: Mapping[str, Any] = surveys.get(key) or {}
        average = survey.get("average")
        rows.append(
            {
                "month": key,
                "average": average,
                "rated": survey.get("rated", 0),
                "complaints": complaints.get(key, 0),
                "target": goal,
                "short": average is not None and average < goal,
            }
        )
    return rows
