import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csat.domain.calendar import (
    OfficeHours,
    add_working_days,
    add_working_time,
    is_working_day,
    is_working_time,
    next_working_time,
    working_days_between,
)

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


# --- working days ------------------------------------------------------------------------------


def test_plain_week() -> None:
    assert is_working_day(dt.date(2026, 3, 6))  # Friday
    assert not is_working_day(dt.date(2026, 3, 7))  # Saturday
    assert not is_working_day(dt.date(2026, 3, 8))  # Sunday


def test_national_day_2026_and_adjusted_working_days() -> None:
    for day in range(1, 8):
        assert not is_working_day(dt.date(2026, 10, day)), day
    assert is_working_day(dt.date(2026, 10, 8))
    # 调休: Sunday 20 Sep and Saturday 10 Oct are working days.
    assert is_working_day(dt.date(2026, 9, 20))
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 11))


def test_spring_festival_2026() -> None:
    for day in range(15, 24):
        assert not is_working_day(dt.date(2026, 2, day)), day
    assert is_working_day(dt.date(2026, 2, 14))  # adjusted working Saturday
    assert is_working_day(dt.date(2026, 2, 28))  # adjusted working Saturday
    assert is_working_day(dt.date(2026, 2, 24))


def test_year_without_bundled_data_falls_back_to_weekends() -> None:
    assert is_working_day(dt.date(2027, 1, 4))  # a Monday; no data → working unless overridden
    assert not is_working_day(dt.date(2027, 1, 2))
    assert is_working_day(dt.date(1999, 6, 1))
    assert not is_working_day(dt.date(2099, 6, 6))  # Saturday


def test_overrides_win() -> None:
    overrides = {dt.date(2027, 1, 1): False, dt.date(2026, 10, 3): True, dt.date(2026, 3, 6): False}
    assert not is_working_day(dt.date(2027, 1, 1), overrides=overrides)
    assert is_working_day(dt.date(2026, 10, 3), overrides=overrides)
    assert not is_working_day(dt.date(2026, 3, 6), overrides=overrides)


def test_datetime_reduced_to_date() -> None:
    assert is_working_day(at(2026, 3, 6, 23, 59))
    with pytest.raises(ValueError):
        is_working_day("2026-03-06")  # type: ignore[arg-type]


def test_working_days_between() -> None:
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 9)) == 2  # 30 Sep→ 8, 9 Oct
    assert working_days_between(dt.date(2026, 3, 6), dt.date(2026, 3, 6)) == 0
    assert working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 6)) == 0


# --- working time ------------------------------------------------------------------------------


def test_office_hours() -> None:
    assert OfficeHours() == OfficeHours(dt.time(8, 30), dt.time(17, 30))
    assert OfficeHours.coerce(("09:00", "18:00")) == OfficeHours(dt.time(9), dt.time(18))
    with pytest.raises(ValueError):
        OfficeHours(dt.time(18), dt.time(9))


def test_is_working_time_half_open() -> None:
    assert not is_working_time(at(2026, 3, 6, 8, 29))
    assert is_working_time(at(2026, 3, 6, 8, 30))
    assert is_working_time(at(2026, 3, 6, 17, 29))
    assert not is_working_time(at(2026, 3, 6, 17, 30))
    assert not is_working_time(at(2026, 3, 7, 10))


def test_next_working_time() -> None:
    assert next_working_time(at(2026, 3, 6, 10)) == at(2026, 3, 6, 10)
    assert next_working_time(at(2026, 3, 6, 7)) == at(2026, 3, 6, 8, 30)
    assert next_working_time(at(2026, 3, 6, 18)) == at(2026, 3, 9, 8, 30)
    assert next_working_time(at(2026, 9, 30, 18)) == at(2026, 10, 8, 8, 30)


def test_naive_datetimes_rejected() -> None:
    naive = dt.datetime(2026, 3, 6, 10)  # noqa: DTZ001
    for call in (
        lambda: add_working_days(naive, 1),
        lambda: add_working_time(naive, dt.timedelta(minutes=30)),
        lambda: next_working_time(naive),
        lambda: is_working_time(naive),
    ):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


def test_add_working_time_over_weekend() -> None:
    assert add_working_time(at(2026, 3, 6, 17, 15), dt.timedelta(minutes=30)) == at(2026, 3, 9, 8, 45)
    assert add_working_time(at(2026, 3, 7, 11), dt.timedelta(minutes=30)) == at(2026, 3, 9, 9)
    assert add_working_time(at(2026, 3, 6, 6), dt.timedelta(hours=2)) == at(2026, 3, 6, 10, 30)


def test_add_working_time_ending_at_closing_stays_that_day() -> None:
    assert add_working_time(at(2026, 3, 9, 8, 30), dt.timedelta(hours=9)) == at(2026, 3, 9, 17, 30)
    assert add_working_time(at(2026, 3, 9, 8, 30), dt.timedelta(hours=9, minutes=1)) == at(2026, 3, 10, 8, 31)
    assert add_working_time(at(2026, 3, 9, 17, 30), dt.timedelta(0)) == at(2026, 3, 9, 17, 30)
    assert add_working_time(at(2026, 3, 9, 18), dt.timedelta(0)) == at(2026, 3, 10, 8, 30)


def test_add_working_time_over_national_day() -> None:
    # Wed 30 Sep 17:00 + 2 h → 30 min on 30 Sep, then 1.5 h on Thu 8 Oct.
    assert add_working_time(at(2026, 9, 30, 17), dt.timedelta(hours=2)) == at(2026, 10, 8, 10)


def test_add_working_time_uses_adjusted_working_saturday() -> None:
    # Fri 9 Oct 17:20 + 30 min: Saturday 10 Oct is a working day.
    assert add_working_time(at(2026, 10, 9, 17, 20), dt.timedelta(minutes=30)) == at(2026, 10, 10, 8, 50)


def test_add_working_time_custom_hours_and_overrides() -> None:
    hours = OfficeHours(dt.time(9), dt.time(18))
    assert add_working_time(at(2026, 3, 6, 17, 45), dt.timedelta(minutes=30), office_hours=hours) == at(
        2026, 3, 9, 9, 15
    )
    overrides = {dt.date(2026, 3, 7): True}
    assert add_working_time(at(2026, 3, 6, 17, 15), dt.timedelta(minutes=30), overrides=overrides) == at(
        2026, 3, 7, 8, 45
    )
    assert add_working_time(
        at(2026, 3, 6, 17, 15), dt.timedelta(minutes=30), office_hours=("08:00", "17:00")
    ) == at(2026, 3, 9, 8, 30)


def test_add_working_time_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_time(at(2026, 3, 6, 10), dt.timedelta(minutes=-1))


def test_utc_input_with_local_zone() -> None:
    utc = dt.datetime(2026, 3, 6, 9, 15, tzinfo=dt.UTC)  # 17:15 in Shanghai
    assert add_working_time(utc, dt.timedelta(minutes=30), tz=SH) == at(2026, 3, 9, 8, 45)
    assert add_working_days(utc, 1, tz=SH) == at(2026, 3, 9, 17, 15)


# --- working days arithmetic -------------------------------------------------------------------


def test_add_working_days_same_clock_time() -> None:
    assert add_working_days(at(2026, 3, 5, 10), 3) == at(2026, 3, 10, 10)
    assert add_working_days(at(2026, 3, 5, 10), 0) == at(2026, 3, 5, 10)


def test_add_working_days_from_non_working_day_starts_next_morning() -> None:
    assert add_working_days(at(2026, 3, 7, 10), 3) == at(2026, 3, 12, 8, 30)
    assert add_working_days(at(2026, 3, 7, 10), 0) == at(2026, 3, 9, 8, 30)


def test_add_working_days_over_national_day() -> None:
    assert add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 8, 10)
    assert add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 10, 10)  # adjusted Saturday


def test_year_boundary_2026_2027() -> None:
    # Wed 30 Dec 2026 + 3 → Thu 31 Dec, (Fri 1 Jan 2027: New Year's Day by rule), Mon 4, Tue 5 Jan.
    assert add_working_days(at(2026, 12, 30, 10), 3) == at(2027, 1, 5, 10)
    holiday = {dt.date(2027, 1, 1): False}
    assert add_working_days(at(2026, 12, 30, 10), 3, overrides=holiday) == at(2027, 1, 5, 10)
    assert add_working_time(at(2026, 12, 31, 17), dt.timedelta(hours=1), overrides=holiday) == at(
        2027, 1, 4, 9
    )


def test_add_working_days_validation() -> None:
    with pytest.raises(ValueError):
        add_working_days(at(2026, 3, 5, 10), -1)
    with pytest.raises(ValueError):
        add_working_days(at(2026, 3, 5, 10), 1.5)  # type: ignore[arg-type]


def test_overrides_closing_every_day_fail_loudly() -> None:
    start = dt.date(2030, 1, 1)
    closed = {start + dt.timedelta(days=i): False for i in range(400)}
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(at(2030, 1, 1, 10), 1, overrides=closed)


# --- properties ----------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(SH),
)
deltas = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=60))


@settings(database=None, deadline=None, max_examples=200)
@given(moments, st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_on_working_day(start: dt.datetime, n: int) -> None:
    result = add_working_days(start, n)
    assert is_working_day(result.date())
    assert result >= start
    # From a non-working day the count starts on the next working day, which then counts too.
    expected = n if is_working_day(start) else n + 1
    assert working_days_between(start.date(), result.date()) == expected


@settings(database=None, deadline=None, max_examples=200)
@given(moments, deltas)
def test_add_working_time_lands_in_office_hours_and_is_monotonic(
    start: dt.datetime, delta: dt.timedelta
) -> None:
    result = add_working_time(start, delta)
    assert result >= start
    assert is_working_day(result.date())
    hours = OfficeHours()
    assert hours.start <= result.time() <= hours.end
    assert add_working_time(start, delta + dt.timedelta(minutes=1)) > result


@settings(database=None, deadline=None, max_examples=200)
@given(moments)
def test_zero_delta_never_goes_back(start: dt.datetime) -> None:
    assert add_working_time(start, dt.timedelta(0)) >= start


@settings(database=None, deadline=None, max_examples=300)
@given(moments, deltas, deltas)
def test_add_working_time_is_additive_from_working_time(
    start: dt.datetime, a: dt.timedelta, b: dt.timedelta
) -> None:
    start = next_working_time(start)
    assert is_working_time(start)
    assert add_working_time(add_working_time(start, a), b) == add_working_time(start, a + b)
