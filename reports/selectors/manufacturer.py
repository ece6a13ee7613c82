"""The manufacturer's quarterly score beside our satisfaction (issue #19; cs-survey-management §二.4:
"此满意度分数采用市场客服部调查的满意度，厂家考核分值(季度)作为我公司服务改进的参考").

A month's report shows the score of the quarter the month is in: a store's report its own score,
the group's report every store's score and their mean (the stores that have one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from callbacks.models import ManufacturerScore
from csat.models import Store

from .period import scoped

__all__ = ["manufacturer_score", "manufacturer_score_list", "quarter_label", "quarter_of"]


def quarter_of(month: dt.date) -> tuple[int, int]:
    """(year, quarter 1–4) of a calendar month."""
    return month.year, (month.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return _("%(year)s 年第 %(quarter)s 季度") % {"year": year, "quarter": quarter}


def manufacturer_score(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """The quarter's entered scores of the report's stores (one query)."""
    year, quarter = quarter_of(month)
    entered = list(
        scoped(ManufacturerScore.objects.filter(year=year, quarter=quarter), store_ids)
        .select_related("store")
        .order_by("store__code")
    )
    rows = [
        {
            "store_id": row.store_id,
            "code": row.store.code,
            "name": row.store.name,
            "score": float(row.score),
            "note": row.note,
        }
        for row in entered
    ]
    scores = [row.score for row in entered]
    mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP) if scores else None
    return {
        "year": year,
        "quarter": quarter,
        "label": quarter_label(year, quarter),
        # A store's own score; the group's: the mean of the stores that have one (0.1, half up).
        "score": float(mean) if mean is not None else None,
        "count": len(scores),
        "stores": rows,
    }


def manufacturer_score_list(*, stores: QuerySet[Store], limit: int = 40) -> list[ManufacturerScore]:
    """The entered scores of these stores, newest quarter first (the entry page's list)."""
    return list(
        ManufacturerScore.objects.filter(store__in=stores)
        .select_related("store", "entered_by")
        .order_by("-year", "-quarter", "store__code")[:limit]
    )
