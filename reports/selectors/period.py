"""Calendar months in the business time zone: parsing, bounds, neighbours, and the store filter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils import timezone

from csat import params

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


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def parse_month(raw: str) -> dt.date:
    """'2026-03' → date(2026, 3, 1); anything else → ValueError."""
    value = dt.datetime.strptime(raw.strip(), "%Y-%m").date()  # noqa: DTZ007 - a calendar month, no time
    if not 2000 <= value.year <= params.MAX_DATE.year:  # 9999-12 has no next month
        raise ValueError("month out of range")
    return value


def current_month(now: dt.datetime | None = None) -> dt.date:
    return month_start(timezone.localdate(now or timezone.now(), _tz()))


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return add_months(month_start(month), -1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) in the business time zone."""
    month = month_start(month)
    nxt = add_months(month, 1)
    tz = _tz()
    return (
        dt.datetime(month.year, month.month, 1, tzinfo=tz),
        dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz),
    )


def format_local(value: dt.datetime | None) -> str:
    """A stored instant as Beijing wall-clock text for the report ('' when missing)."""
    return timezone.localtime(value, _tz()).strftime("%Y-%m-%d %H:%M") if value else ""


def scoped(queryset: QuerySet[M], store_ids: Sequence[int] | None, field: str = "store_id") -> QuerySet[M]:
    """Restrict to the report's stores; ``None`` is the whole group."""
    if store_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": list(store_ids)})
