"""Calendar months in the business time zone: parsing, bounds, neighbours, and the store filter.

The month rules are ``csat.domain.periods``; the zone is ``csat.business_time``. Re-exported here
for the report code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

from csat.business_time import business_tz, month_bounds
from csat.domain.periods import add_months, month_start, parse_month, previous_month

M = TypeVar("M", bound=Model)
# Record lists are read in chunks (server-side cursors on PostgreSQL): no cache of every row at once.
ROW_CHUNK = 2000

__all__ = [
    "add_months",
    "current_month",
    "format_local",
    "month_bounds",
    "month_start",
    "parse_month",
    "previous_month",
    "scoped",
]


def current_month(now: dt.datetime | None = None) -> dt.date:
    return month_start(timezone.localdate(now or timezone.now(), business_tz()))


def format_local(value: dt.datetime | None) -> str:
    """A stored instant as Beijing wall-clock text for the report ('' when missing)."""
    return timezone.localtime(value, business_tz()).strftime("%Y-%m-%d %H:%M") if value else ""


def scoped(queryset: QuerySet[M], store_ids: Sequence[int] | None, field: str = "store_id") -> QuerySet[M]:
    """Restrict to the report's stores; ``None`` is the whole group."""
    if store_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": list(store_ids)})
