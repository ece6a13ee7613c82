import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csat.domain.deadlines import (
    DEADLINE_KINDS,
    DeadlineSpec,
    compute_deadline,
    dispatch_deadline,
    first_contact_deadline,
    follow_up_window,
    handoff_deadline,
    is_breached,
    progress_report_deadline,
    uses_wall_clock,
)

SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def test_kinds() -> None:
    assert DEADLINE_KINDS == (
        "handoff",
        "dispatch",
        "first_contact",
        "progress_report",
        "result_report",
        "follow_up",
    )


def test_wall_clock_rule() -> None:
    assert uses_wall_clock(urgent=True, major=False)
    assert uses_wall_clock(urgent=False, major=True)
    assert not uses_wall_clock(urgent=False, major=False)


def test_handoff_general_in_working_time() -> None:
    spec = handoff_deadline(at(2026, 3, 6, 17, 15), urgent=False, major=False)
    assert spec == DeadlineSpec(
        "handoff", at(2026, 3, 6, 17, 15), at(2026, 3, 9, 8, 45), at(2026, 3, 9, 8, 30)
    )


@pytest.mark.parametrize(("urgent", "major"), [(True, False), (False, True), (True, True)])
def test_handoff_urgent_or_major_on_wall_clock(urgent: bool, major: bool) -> None:
    spec = handoff_deadline(at(2026, 3, 10, 16, 0), urgent=urgent, major=major)
    assert spec.due_at == at(2026, 3, 10, 16, 30)
    assert spec.warn_at == at(2026, 3, 10, 16, 15)
    assert spec.opens_at == at(2026, 3, 10, 16, 0)
    # Started inside working time, the clock runs past closing time.
    assert handoff_deadline(at(2026, 3, 13, 17, 15), urgent=urgent, major=major).due_at == at(
        2026, 3, 13, 17, 45
    )


@pytest.mark.parametrize(("urgent", "major"), [(True, False), (False, True)])
def test_off_hours_handoff_and_registration_due_30_min_after_working_time_resumes(
    urgent: bool, major: bool
) -> None:
    # DOMAIN §9 "Off hours" (source: 非工作时间 … 次日补填反馈单): no handoff breach in the night.
    spec = handoff_deadline(at(2026, 10, 3, 22, 0), urgent=urgent, major=major)  # National Day holiday
    assert spec.opens_at == at(2026, 10, 3, 22, 0)
    assert spec.due_at == at(2026, 10, 8, 9, 0)
    assert spec.warn_at == at(2026, 10, 8, 8, 45)
    assert dispatch_deadline(at(2026, 3, 10, 22, 0), urgent=urgent, major=major).due_at == at(
        2026, 3, 11, 9, 0
    )
    # The 2-hour callback is not deferred: it runs on the clock from the (leader's) dispatch.
    assert first_contact_deadline(at(2026, 3, 14, 22, 0), urgent=urgent, major=major).due_at == at(
        2026, 3, 15, 0, 0
    )


def test_dispatch_and_first_contact() -> None:
    reg = at(2026, 3, 9, 10)
    assert dispatch_deadline(reg, urgent=False, major=False).due_at == at(2026, 3, 9, 10, 30)
    fc = first_contact_deadline(at(2026, 3, 9, 16, 30), urgent=False, major=False)
    assert fc.kind == "first_contact"
    assert fc.due_at == at(2026, 3, 10, 9, 30)  # 1 h on Monday, 1 h on Tuesday
    assert fc.warn_at == at(2026, 3, 10, 9, 15)
    fc_major = first_contact_deadline(at(2026, 3, 9, 16, 30), urgent=False, major=True)
    assert fc_major.due_at == at(2026, 3, 9, 18, 30)


def test_saturday_general_complaint_starts_monday() -> None:
    spec = compute_deadline("handoff", at(2026, 3, 7, 11), urgent=False, major=False)
    assert spec.due_at == at(2026, 3, 9, 9, 0)
    assert spec.warn_at == at(2026, 3, 9, 8, 45)


def test_warning_never_before_opening() -> None:
    spec = handoff_deadline(at(2026, 3, 9, 10), urgent=True, major=False, duration=dt.timedelta(minutes=10))
    assert spec.warn_at == spec.opens_at


def test_durations_can_be_overridden() -> None:
    spec = first_contact_deadline(
        at(2026, 3, 9, 10), urgent=True, major=False, duration=dt.timedelta(hours=1), warning=dt.timedelta(0)
    )
    assert spec.due_at == spec.warn_at == at(2026, 3, 9, 11)
    with pytest.raises(ValueError):
        handoff_deadline(at(2026, 3, 9, 10), urgent=True, major=False, duration=dt.timedelta(0))


def test_progress_report_counts_working_days_even_for_major() -> None:
    spec = progress_report_deadline(at(2026, 9, 29, 14))
    # Tue 29 Sep → Wed 30 Sep, Thu 8 Oct, Fri 9 Oct.
    assert spec.due_at == at(2026, 10, 9, 14)
    assert spec.warn_at == at(2026, 10, 8, 14)
    assert spec.opens_at == at(2026, 9, 29, 14)
    same = compute_deadline("progress_report", at(2026, 9, 29, 14), urgent=True, major=True)
    assert same == spec


def test_progress_report_custom_days_and_validation() -> None:
    spec = progress_report_deadline(at(2026, 3, 9, 10), working_days=1)
    assert spec.due_at == at(2026, 3, 10, 10)
    assert spec.warn_at == at(2026, 3, 9, 10)
    with pytest.raises(ValueError):
        progress_report_deadline(at(2026, 3, 9, 10), working_days=0)


def test_follow_up_window_calendar_days() -> None:
    spec = follow_up_window(at(2026, 9, 30, 16, 45))
    assert spec.kind == "follow_up"
    assert spec.opens_at == at(2026, 10, 5)
    assert spec.warn_at == spec.opens_at
    # Days 5–7 (10-05…10-07) are all National Day holidays: DOMAIN §9 extends the window to the end
    # of the first working day after it, Thu 10-08.
    assert spec.due_at == at(2026, 10, 8, 17, 30)
    assert compute_deadline("follow_up", at(2026, 9, 30, 16, 45), urgent=False, major=False) == spec


def test_follow_up_window_uses_local_date_of_utc_input() -> None:
    # 30 Sep 20:00 UTC is already 1 Oct in Shanghai.
    spec = follow_up_window(dt.datetime(2026, 9, 30, 20, tzinfo=dt.UTC), tz=SH)
    assert spec.opens_at == at(2026, 10, 6)


def test_follow_up_window_validation() -> None:
    with pytest.raises(ValueError):
        follow_up_window(at(2026, 9, 30), opens_day=7, closes_day=5)


def test_unknown_kind_and_naive() -> None:
    with pytest.raises(ValueError, match="unknown deadline kind"):
        compute_deadline("callback", at(2026, 3, 9, 10), urgent=False, major=False)
    with pytest.raises(ValueError, match="timezone-aware"):
        handoff_deadline(dt.datetime(2026, 3, 9, 10), urgent=True, major=False)  # noqa: DTZ001


def test_year_without_calendar_data() -> None:
    # 2027-01-01 is New Year's Day computed by rule (DOMAIN §9): Thu 31, Mon 4, Tue 5.
    spec = compute_deadline("progress_report", at(2026, 12, 30, 10), urgent=False, major=False)
    assert spec.due_at == at(2027, 1, 5, 10)


def test_is_breached() -> None:
    due = at(2026, 3, 9, 10)
    assert not is_breached(due, now=at(2026, 3, 9, 10))
    assert is_breached(due, now=at(2026, 3, 9, 10, 1))
    assert not is_breached(due, now=at(2026, 3, 9, 12), met_at=at(2026, 3, 9, 9, 59))
    assert is_breached(due, now=at(2026, 3, 9, 9), met_at=at(2026, 3, 9, 10, 1))


@settings(database=None, deadline=None, max_examples=200)
@given(
    st.datetimes(
        min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(SH),
    ),
    st.sampled_from(DEADLINE_KINDS),
    st.booleans(),
    st.booleans(),
)
def test_every_deadline_is_ordered(start: dt.datetime, kind: str, urgent: bool, major: bool) -> None:
    spec = compute_deadline(kind, start, urgent=urgent, major=major)
    assert spec.kind == kind
    assert spec.opens_at <= spec.warn_at <= spec.due_at
    assert spec.due_at > start


# --- DOMAIN §9 "Timers that were missing or shifted" (complaint-handling-procedure.zh.txt §6–§7) ---


def test_result_report_due_end_of_the_working_day_the_customer_accepted() -> None:
    # Source §6: 客户满意 → 当天 report back; DOMAIN §9: by the end of that working day.
    from csat.domain.deadlines import result_report_deadline

    spec = result_report_deadline(at(2026, 3, 11, 10, 0))  # Wednesday
    assert (spec.opens_at, spec.warn_at, spec.due_at) == (
        at(2026, 3, 11, 10, 0),
        at(2026, 3, 11, 16, 30),
        at(2026, 3, 11, 17, 30),
    )
    assert compute_deadline("result_report", at(2026, 3, 11, 10), urgent=True, major=True) == spec


def test_result_report_accepted_after_hours_or_on_a_holiday_runs_to_the_next_working_day() -> None:
    from csat.domain.deadlines import result_report_deadline

    assert result_report_deadline(at(2026, 3, 11, 19, 0)).due_at == at(2026, 3, 12, 17, 30)
    assert result_report_deadline(at(2026, 3, 14, 11, 0)).due_at == at(2026, 3, 16, 17, 30)  # Saturday
    assert result_report_deadline(at(2026, 10, 2, 11, 0)).due_at == at(2026, 10, 8, 17, 30)  # National Day


def test_follow_up_window_over_a_holiday_reaches_the_first_working_day_after_it() -> None:
    # DOMAIN §9: resolved Mon 2025-09-29 → days 5–7 are 10-04…10-06, all National Day holidays
    # (10-01…10-08); the window reaches to the end of Thu 2025-10-09, the first working day after it.
    spec = follow_up_window(at(2025, 9, 29, 15, 0))
    assert spec.opens_at == at(2025, 10, 4, 0, 0)
    assert spec.due_at == at(2025, 10, 9, 17, 30)
    assert not is_breached(spec.due_at, now=at(2025, 10, 9, 17, 0), met_at=at(2025, 10, 9, 10, 0))


def test_follow_up_window_with_a_working_day_stays_calendar_days() -> None:
    spec = follow_up_window(at(2026, 3, 9, 15, 0))  # Monday → Sat 14 … Mon 16 (Monday works)
    assert spec.due_at == dt.datetime.combine(dt.date(2026, 3, 16), dt.time.max, tzinfo=SH)
