import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from csat.domain.periods import (
    MonthFormatError,
    add_months,
    month_bounds,
    parse_month,
    previous_month,
    quarter_key,
    quarter_start,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("raw", "month"),
    [
        ("2026-03", dt.date(2026, 3, 1)),
        ("2026-3", dt.date(2026, 3, 1)),
        (" 2026-11 ", dt.date(2026, 11, 1)),
        ("2000-01", dt.date(2000, 1, 1)),
        ("2999-12", dt.date(2999, 12, 1)),
    ],
)
def test_parse_month(raw: str, month: dt.date) -> None:
    assert parse_month(raw) == month


@pytest.mark.parametrize(
    "raw",
    [
        "9999-13",
        "9999-12",
        "2026-00",
        "2026-1x",
        "２０２６-１１",
        "2026-١١",
        "1999-12",
        "2026/03",
        "2026-03-01",
        "26-03",
        "",
        "2026-003",
    ],
)
def test_parse_month_rejects(raw: str) -> None:
    with pytest.raises(MonthFormatError):
        parse_month(raw)


def test_month_format_error_is_a_value_error() -> None:
    assert issubclass(MonthFormatError, ValueError)


def test_month_bounds_across_the_year_end_in_shanghai() -> None:
    start, end = month_bounds(dt.date(2026, 12, 15), SH)
    assert start == dt.datetime(2026, 12, 1, tzinfo=SH)
    assert end == dt.datetime(2027, 1, 1, tzinfo=SH)
    # Midnight in Beijing is 16:00 UTC the day before.
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)


def test_month_bounds_follow_the_zone() -> None:
    start, end = month_bounds(dt.date(2026, 2, 1), dt.UTC)
    assert (start, end) == (dt.datetime(2026, 2, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, tzinfo=dt.UTC))


def test_month_arithmetic() -> None:
    assert add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert previous_month(dt.date(2026, 1, 31)) == dt.date(2025, 12, 1)


def test_quarters() -> None:
    assert quarter_key(dt.date(2026, 12, 31)) == "2026Q4"
    assert quarter_start(dt.date(2026, 5, 20)) == dt.date(2026, 4, 1)
