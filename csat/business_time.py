"""The business time zone (settings.TIME_ZONE, Asia/Shanghai by default) and months in it.

The one place that turns the setting into a zone; the rules themselves live in
``csat.domain.periods`` and take the zone as an argument.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from csat.domain import periods

__all__ = ["business_tz", "month_bounds"]


def business_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of ``month`` in the business time zone."""
    return periods.month_bounds(month, business_tz())
