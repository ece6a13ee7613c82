"""Calendar periods: "YYYY-MM" months, month bounds in a time zone, month arithmetic, quarters.

Pure Python: the caller passes the time zone (``csat.business_time`` names the business one).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "MonthFormatError",
    "add_months",
    "month_bounds",
    "month_start",
    "parse_month",
    "previous_month",
    "quarter_key",
    "quarter_start",
]

# The first month any report or assessment may ask for; the last a date can hold.
MIN_YEAR = 2000
MAX_YEAR = 2999  # a month after the last one must still exist (9999-12 has none)
# ASCII digits only: "２０２６-１１" (full-width) is not a month. The month may drop its leading zero.
_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


class MonthFormatError(ValueError):
    """Not a calendar month written as YYYY-MM."""


def parse_month(raw: str) -> dt.date:
    """``"2026-03"`` (surrounding spaces allowed) → ``date(2026, 3, 1)``; anything else →
    :class:`MonthFormatError` (a ValueError), e.g. ``"9999-13"``, ``"2026-1x"``, ``"1999-12"``."""
    match = _MONTH.fullmatch(raw.strip())
    if match is None:
        raise MonthFormatError(f"month must be written as YYYY-MM, got {raw!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise MonthFormatError(f"month must be 01–12, got {raw!r}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise MonthFormatError(f"month out of range ({MIN_YEAR}–{MAX_YEAR}), got {raw!r}")
    return dt.date(year, month, 1)


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after (or before) ``month``'s."""
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return add_months(month_start(month), -1)


def month_bounds(month: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of ``month``, first instant of the next month) as wall-clock midnights in ``tz``."""
    first = month_start(month)
    nxt = add_months(first, 1)
    return (
        dt.datetime(first.year, first.month, 1, tzinfo=tz),
        dt.datetime(nxt.year, nxt.month, 1, tzinfo=tz),
    )


def quarter_key(day: dt.date) -> str:
    """``2026Q1`` for any date in January–March 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
