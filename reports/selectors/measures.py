"""Preventive measures of the report month: counted by status and listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.utils import timezone

from prevention.models import MeasureStatus, PreventiveMeasure

from .period import ROW_CHUNK, month_bounds, scoped

__all__ = ["FINISHED", "measures"]


FINISHED = (MeasureStatus.DONE, MeasureStatus.VERIFIED, MeasureStatus.REJECTED)


def measures(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Preventive measures alive in the month (created by its end, not verified or rejected before
    it began): counted by status in SQL, and listed."""
    start, end = month_bounds(month)
    qs = (
        scoped(PreventiveMeasure.objects.filter(created_at__lt=end), store_ids)
        .exclude(status=MeasureStatus.VERIFIED, verified_at__lt=start)
        .exclude(status=MeasureStatus.REJECTED, decided_at__lt=start)
    )
    counts = {r["status"]: r["count"] for r in qs.values("status").annotate(count=Count("pk")).order_by()}
    today = timezone.localdate()
    items = [
        {
            "id": m.pk,
            "store": m.store.name,
            "category": m.category,
            "category_label": m.get_category_display(),
            "cause": m.cause.shown_label if m.cause else "",
            "problem": m.problem,
            "measure": m.measure,
            "department": m.owner_department.name,
            "due_date": m.due_date.isoformat(),
            "status": m.status,
            "status_label": m.get_status_display(),
            "overdue": m.status not in FINISHED and (m.overdue_at is not None or m.due_date < today),
        }
        for m in qs.select_related("store", "cause", "owner_department")
        .order_by("due_date", "pk")
        .iterator(chunk_size=ROW_CHUNK)
    ]
    return {
        "by_status": [
            {"key": key, "label": str(MeasureStatus(key).label), "count": counts.get(key, 0)}
            for key in MeasureStatus.values
        ],
        "items": items,
    }
