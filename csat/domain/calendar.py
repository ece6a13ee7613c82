"""Working days and working time on the mainland-China calendar (DOMAIN §5).

Working days follow ``chinese_calendar`` including adjusted working weekends (调休) where its
bundled data reaches. For any other year (DOMAIN §9 "Working time after the package's data ends")
weekends are weekends and the statutory holidays are computed by rule with the maintained
``holidays`` package (the lunar dates come from it): New Year's Day 1 day, Spring Festival 4 days
(New Year's Eve to the 3rd day), Qingming 1, Labour Day May 1–2, Dragon Boat 1, Mid-Autumn 1,
National Day Oct 1–3. That year's adjusted working weekends are unknown until the State Council
publishes them: admins enter or import them as overrides (date → True for a working day, False for
a holiday), which win over both.

All datetimes must be timezone-aware. Arithmetic happens on the wall clock of ``tz`` when given
(pass the store's zone, e.g. ``ZoneInfo("Asia/Shanghai")``, for datetimes read back from the
database in UTC), else of the datetime's own tzinfo; results are in that zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import holidays as holidays_package

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "OfficeHours",
    "Overrides",
    "add_working_days",
    "add_working_time",
    "has_bundled_data",
    "is_working_day",
    "is_working_time",
    "next_working_time",
    "statutory_holidays",
    "working_days_between",
]

Overrides = Mapping[dt.date, bool]

# Guard against an override table that switches off every day: no real calendar has a year
# without a working day, so looking further means bad data, not a long holiday.
_MAX_DAYS_WITHOUT_WORK = 366


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """One daily span of office time, local wall clock; ``start`` < ``end``."""

    start: dt.time = dt.time(8, 30)
    end: dt.time = dt.time(17, 30)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("office hours are local wall-clock times; give naive times")
        if not self.start < self.end:
            raise ValueError(f"office hours must start before they end, got {self.start}–{self.end}")

    @classmethod
    def coerce(cls, value: OfficeHours | tuple[dt.time | str, dt.time | str] | None) -> OfficeHours:
        """Accept an OfficeHours, a (start, end) pair of times or "HH:MM" strings, or None (default)."""
        if value is None:
            return DEFAULT_OFFICE_HOURS
        if isinstance(value, OfficeHours):
            return value
        start, end = value
        return cls(
            dt.time.fromisoformat(start) if isinstance(start, str) else start,
            dt.time.fromisoformat(end) if isinstance(end, str) else end,
        )


DEFAULT_OFFICE_HOURS = OfficeHours()

OfficeHoursLike = OfficeHours | tuple[dt.time | str, dt.time | str] | None


# DOMAIN §9: the statutory holidays (全体公民放假的节日), by the names ``holidays.China`` gives
# them in English, with how many days the law grants. Anything else the package may list (days
# off "substituted" from an adjusted weekend it happens to know) is the admin's to enter.
STATUTORY_HOLIDAY_NAMES: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Chinese New Year's Eve": "春节（除夕）",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-Sweeping Day": "清明节",
    "Labor Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
}


@lru_cache(maxsize=256)
def has_bundled_data(year: int) -> bool:
    """Whether the bundled ``chinese_calendar`` data (official schedule incl. 调休) covers ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The statutory holidays of ``year`` computed by rule (DOMAIN §9), date → Chinese name.

    ``holidays.China`` without "observed" days: the lunar festivals fall where the package
    computes them; the Spring Festival runs from New Year's Eve to the 3rd day (law since 2025).
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year must be an int, got {year!r}")
    table = holidays_package.China(years=year, observed=False, language="en_US")
    result: dict[dt.date, str] = {}
    for day, names in sorted(table.items()):
        chinese = [STATUTORY_HOLIDAY_NAMES[n] for n in str(names).split("; ") if n in STATUTORY_HOLIDAY_NAMES]
        if chinese:
            result[day] = "、".join(dict.fromkeys(chinese))
    return result


@lru_cache(maxsize=4096)
def _official_working_day(day: dt.date) -> bool:
    if has_bundled_data(day.year):
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass
    # Beyond the bundled data: weekends stay weekends, statutory holidays are computed by rule.
    return day.weekday() < 5 and day not in statutory_holidays(day.year)


def is_working_day(day: dt.date, *, overrides: Overrides | None = None) -> bool:
    """Whether ``day`` is a working day: override, else the official calendar, else Mon–Fri
    without the statutory holidays computed for that year.

    A datetime is reduced to its (local) date.
    """
    if isinstance(day, dt.datetime):
        day = day.date()
    elif not isinstance(day, dt.date):
        raise ValueError(f"expected a date, got {day!r}")
    if overrides and day in overrides:
        return bool(overrides[day])
    return _official_working_day(day)


def _aware(value: dt.datetime, name: str = "datetime") -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value


def _local(value: dt.datetime, tz: dt.tzinfo | None, name: str) -> dt.datetime:
    value = _aware(value, name)
    return value.astimezone(tz) if tz is not None else value


def _at(day: dt.date, clock: dt.time, tz: dt.tzinfo | None) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=tz)


def _next_working_day(day: dt.date, overrides: Overrides | None) -> dt.date:
    """The first working day strictly after ``day``."""
    for _ in range(_MAX_DAYS_WITHOUT_WORK):
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides=overrides):
            return day
    raise ValueError(f"no working day within {_MAX_DAYS_WITHOUT_WORK} days after {day}; check the overrides")


def is_working_time(
    moment: dt.datetime,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
) -> bool:
    """Whether ``moment`` is inside office hours [start, end) of a working day."""
    moment = _local(moment, tz, "moment")
    hours = OfficeHours.coerce(office_hours)
    if not is_working_day(moment.date(), overrides=overrides):
        return False
    return hours.start <= moment.time() < hours.end


def next_working_time(
    moment: dt.datetime,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """``moment`` itself when it is working time, else the start of the next office span."""
    moment = _local(moment, tz, "moment")
    hours = OfficeHours.coerce(office_hours)
    day = moment.date()
    if is_working_day(day, overrides=overrides):
        if moment.time() < hours.start:
            return _at(day, hours.start, moment.tzinfo)
        if moment.time() < hours.end:
            return moment
    return _at(_next_working_day(day, overrides), hours.start, moment.tzinfo)


def add_working_days(
    start: dt.datetime,
    n: int,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """``n`` working days later at the same local clock time.

    When ``start`` falls on a non-working day, counting begins at the start of office hours of
    the next working day (a complaint received on Saturday is "received" Monday 08:30), so
    Saturday 10:00 + 3 → Thursday 08:30. ``n == 0`` returns that normalised start.
    """
    start = _local(start, tz, "start")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer number of working days, got {n!r}")
    if not is_working_day(start.date(), overrides=overrides):
        hours = OfficeHours.coerce(office_hours)
        start = _at(_next_working_day(start.date(), overrides), hours.start, start.tzinfo)
    day = start.date()
    for _ in range(n):
        day = _next_working_day(day, overrides)
    return _at(day, start.time(), start.tzinfo)


def add_working_time(
    start: dt.datetime,
    delta: dt.timedelta,
    *,
    office_hours: OfficeHoursLike = None,
    overrides: Overrides | None = None,
    tz: dt.tzinfo | None = None,
) -> dt.datetime:
    """Add ``delta`` of office time: only minutes inside office hours of working days count.

    Time outside office hours is skipped, so Friday 17:15 + 30 min → Monday 08:45 (without
    adjusted working days or holidays). A delta that ends exactly at closing time stays on that
    day (Monday 08:30 + 9 h → Monday 17:30), which keeps ``add(add(t, a), b) == add(t, a + b)``.
    A zero delta returns ``start`` inside office hours (closing instant included), else the next
    working time.
    """
    start = _local(start, tz, "start")
    if not isinstance(delta, dt.timedelta):
        raise ValueError(f"delta must be a timedelta, got {delta!r}")
    if delta < dt.timedelta(0):
        raise ValueError(f"delta must not be negative, got {delta}")
    hours = OfficeHours.coerce(office_hours)
    zone = start.tzinfo
    cursor = start
    day = start.date()
    remaining = delta
    while True:
        if is_working_day(day, overrides=overrides) and cursor.time() <= hours.end:
            day_start, day_end = _at(day, hours.start, zone), _at(day, hours.end, zone)
            cursor = max(cursor, day_start)
            # Same tzinfo on both sides: Python subtracts wall-clock times, as intended.
            available = day_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        day = _next_working_day(day, overrides)
        cursor = _at(day, hours.start, zone)


def working_days_between(start: dt.date, end: dt.date, *, overrides: Overrides | None = None) -> int:
    """Number of working days in (start, end]; 0 when ``end`` is not after ``start``.

    E.g. "open for more than 3 working days" ⇔ ``working_days_between(opened, today) > 3``.
    """
    if isinstance(start, dt.datetime):
        start = start.date()
    if isinstance(end, dt.datetime):
        end = end.date()
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides=overrides):
            count += 1
    return count
