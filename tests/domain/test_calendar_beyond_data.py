"""DOMAIN §9 "Working time after the package's data ends": statutory holidays computed by rule.

Source: complaint-handling-procedure.zh.txt (working days of the mainland-China calendar) and the
State Council's 全国年节及纪念日放假办法 (as amended 2024): New Year 1 day, Spring Festival 4 days
(New Year's Eve to the 3rd day), Qingming 1, Labour Day 2 (May 1–2), Dragon Boat 1, Mid-Autumn 1,
National Day 3 (Oct 1–3). Adjusted working weekends (调休) come from an admin.
"""

import datetime as dt

import pytest

from csat.domain.calendar import has_bundled_data, is_working_day, statutory_holidays
from csat.domain.holiday_schedule import (
    ScheduleEntry,
    ScheduleError,
    parse_ics,
    parse_lines,
    parse_schedule,
    unconfirmed_year,
)

D = dt.date


def test_bundled_data_ends_with_2026() -> None:
    assert has_bundled_data(2026)
    assert not has_bundled_data(2027)


def test_2027_new_years_day_is_a_holiday_without_admin_entry() -> None:
    assert not is_working_day(D(2027, 1, 1))  # a Friday


def test_2027_spring_festival_is_new_years_eve_to_the_3rd_day() -> None:
    # 除夕 2027-02-05 (Fri) … 初三 2027-02-08 (Mon); the lunar dates come from the `holidays` package.
    for day in (5, 6, 7, 8):
        assert not is_working_day(D(2027, 2, day)), day
    assert is_working_day(D(2027, 2, 4))
    assert is_working_day(D(2027, 2, 9))  # no "observed" extra day: 调休 is the admin's to enter


def test_2027_national_day_is_oct_1_to_3() -> None:
    for day in (1, 2, 3):
        assert not is_working_day(D(2027, 10, day)), day
    assert is_working_day(D(2027, 10, 4))


def test_statutory_holidays_count_13_days_a_year_by_rule() -> None:
    for year in (2027, 2028, 2035):
        table = statutory_holidays(year)
        assert len(table) == 13 or year == 2028, year  # 2028: Mid-Autumn falls on 3 Oct (12 dates)
        assert D(year, 5, 1) in table and D(year, 5, 2) in table
        assert table[D(year, 1, 1)] == "元旦"
        assert sum(1 for name in table.values() if "春节" in name) == 4
    assert "中秋节" in statutory_holidays(2028)[D(2028, 10, 3)]


def test_admin_override_wins_over_computed_holiday() -> None:
    assert is_working_day(D(2027, 2, 8), overrides={D(2027, 2, 8): True})
    assert not is_working_day(D(2027, 2, 9), overrides={D(2027, 2, 9): False})


def test_parse_pasted_state_council_lines() -> None:
    text = "# 2027 春节\n2027-02-06 休 春节\n2027-02-13 班 春节调休\n2027/02/14,上班\n\n2027年2月9日 休\n"
    assert parse_lines(text) == [
        ScheduleEntry(D(2027, 2, 6), False, "春节"),
        ScheduleEntry(D(2027, 2, 9), False, ""),
        ScheduleEntry(D(2027, 2, 13), True, "春节调休"),
        ScheduleEntry(D(2027, 2, 14), True, ""),
    ]


def test_parse_csv_with_header() -> None:
    assert parse_schedule("date,type,note\n2027-09-26,班,国庆调休\n") == [
        ScheduleEntry(D(2027, 9, 26), True, "国庆调休")
    ]


def test_parse_rejects_unreadable_line_naming_it() -> None:
    with pytest.raises(ScheduleError) as err:
        parse_lines("2027-02-06 休\n2027-02-30 休\n")
    assert err.value.line == 2
    with pytest.raises(ScheduleError):
        parse_lines("2027-02-06 maybe\n")


def test_parse_refuses_a_day_given_as_both_holiday_and_working_day() -> None:
    """Pasted from two notices, one day both 休 and 班: the last line silently won; which was meant
    cannot be guessed, so both lines are named (DOMAIN §9: the admin confirms the year's 调休)."""
    with pytest.raises(ScheduleError) as err:
        parse_lines("2027-02-06 休\n2027-02-13 班\n2027-02-06 班 补班\n")
    assert (err.value.line, err.value.contradicts) == (3, 1)
    # The same day twice the same way is a repeat, not a contradiction: the last note is kept.
    assert parse_lines("2027-02-06 休\n2027-02-06 休 春节\n") == [ScheduleEntry(D(2027, 2, 6), False, "春节")]


def test_parse_ics_vevents() -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270205\r\nDTEND;VALUE=DATE:20270212\r\nSUMMARY:春节 放假\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270213\r\nSUMMARY:春节 补班\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    entries = parse_ics(ics)
    assert [e.date for e in entries if not e.is_working_day] == [D(2027, 2, d) for d in range(5, 12)]
    assert [e.date for e in entries if e.is_working_day] == [D(2027, 2, 13)]
    assert parse_schedule(ics) == entries


def test_next_year_is_unconfirmed_from_1_november() -> None:
    assert unconfirmed_year(D(2026, 10, 31), [2026]) is None
    assert unconfirmed_year(D(2026, 11, 1), [2026]) == 2027
    assert unconfirmed_year(D(2026, 12, 31), [2026]) == 2027
    assert unconfirmed_year(D(2026, 11, 1), [2026, 2027]) is None


def test_rule_the_warning_stays_after_new_years_day_until_the_year_is_confirmed() -> None:
    """DOMAIN §9 "Working time after the package's data ends": "From 1 November the next year's
    schedule is 'unconfirmed' until an admin confirms it" — not until 31 December."""
    assert unconfirmed_year(D(2027, 1, 1), [2026]) == 2027
    assert unconfirmed_year(D(2027, 6, 30), [2026]) == 2027
    assert unconfirmed_year(D(2027, 1, 1), [2026, 2027]) is None
    assert unconfirmed_year(D(2027, 11, 1), [2027]) == 2028
    # This year first: both unknown in November, the one the timers run on now is named.
    assert unconfirmed_year(D(2027, 11, 1), []) == 2027
