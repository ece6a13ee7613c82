"""Prevention reads: the recurring signal (threshold and rolling window, per store and across the
group), the cause code recorded at resolution, store scoping of measures, and the effect figures
before/after verification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import CauseCode, Complaint
from prevention import selectors
from prevention import services as prevention
from prevention.models import MeasureStatus, PreventiveMeasure
from tests.fixtures import T0

pytestmark = pytest.mark.django_db

WINDOW = dt.timedelta(days=90)
MINUTE = dt.timedelta(minutes=1)


def pairs(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(store, category, cause, count) of each recurring row."""
    return [(r["store_id"], r["category"], r["cause_code_id"], r["count"]) for r in rows]


# --- the cause code, seeded and recorded at resolution -------------------------------------------


def test_cause_codes_are_seeded_for_every_category_that_recurs() -> None:
    seeded = set(CauseCode.objects.values_list("category", flat=True))
    assert {"repair", "parts", "staff", "sales", "finance", "other"} <= seeded
    repair = CauseCode.objects.get(code="repeat_repair_unfixed")
    assert repair.category == "repair" and repair.active and repair.label


def test_resolution_records_the_cause_code(
    clock: Any, recorded: Callable[..., Complaint], cause: CauseCode
) -> None:
    ticket = recorded(when=T0, cause=cause)
    ticket.refresh_from_db()
    assert ticket.cause_code == cause


# --- recurring per store: threshold and window boundaries ----------------------------------------


def test_two_in_the_window_is_not_recurring_the_third_is(
    clock: Any, recorded: Callable[..., Complaint], agent: Any, store: Any, cause: CauseCode
) -> None:
    recorded(when=T0 - dt.timedelta(days=80), cause=cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=cause)
    assert selectors.recurring_problems(user=agent) == []
    recorded(when=T0 - dt.timedelta(days=40), cause=cause)
    rows = selectors.recurring_problems(user=agent)
    assert pairs(rows) == [(store.pk, "repair", cause.pk, 3)]
    assert rows[0]["store__name"] == store.name and rows[0]["cause_code__label"] == cause.label


def test_the_third_just_outside_90_days_does_not_count_just_inside_does(
    clock: Any, recorded: Callable[..., Complaint], agent: Any, store: Any, cause: CauseCode
) -> None:
    recorded(when=T0 - dt.timedelta(days=10), cause=cause)
    recorded(when=T0 - dt.timedelta(days=20), cause=cause)
    recorded(when=T0 - WINDOW - MINUTE, cause=cause)
    assert selectors.recurring_problems(user=agent) == []
    recorded(when=T0 - WINDOW + MINUTE, cause=cause)
    assert pairs(selectors.recurring_problems(user=agent)) == [(store.pk, "repair", cause.pk, 3)]


def test_the_window_rolls_with_time(
    clock: Any, recorded: Callable[..., Complaint], agent: Any, cause: CauseCode
) -> None:
    for days in (5, 30, 60):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    assert len(selectors.recurring_problems(user=agent)) == 1
    # 31 days later the oldest one (60 days before T0) is 91 days old.
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        assert selectors.recurring_problems(user=agent) == []


def test_only_the_same_category_and_cause_add_up(
    clock: Any, recorded: Callable[..., Complaint], agent: Any, cause: CauseCode, other_cause: CauseCode
) -> None:
    recorded(when=T0 - dt.timedelta(days=3), cause=cause)
    recorded(when=T0 - dt.timedelta(days=2), cause=cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=other_cause)  # same category, another cause
    recorded(when=T0 - dt.timedelta(days=1), cause=cause, category="parts")  # same cause, another category
    recorded(when=T0 - dt.timedelta(hours=1), cause=None)  # no cause recorded
    assert selectors.recurring_problems(user=agent) == []


def test_threshold_and_window_come_from_settings(
    clock: Any, settings: Any, recorded: Callable[..., Complaint], agent: Any, store: Any, cause: CauseCode
) -> None:
    recorded(when=T0 - dt.timedelta(days=20), cause=cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=cause)
    settings.CSAT = {**settings.CSAT, "RECURRENCE_THRESHOLD": 2}
    assert pairs(selectors.recurring_problems(user=agent)) == [(store.pk, "repair", cause.pk, 2)]
    settings.CSAT = {**settings.CSAT, "RECURRENCE_WINDOW_DAYS": 10}
    assert selectors.recurring_problems(user=agent) == []


def test_recurrence_is_counted_per_store(
    clock: Any,
    recorded: Callable[..., Complaint],
    agent: Any,
    other_agent: Any,
    viewer: Any,
    store: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    for days in (1, 2):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    for days in (1, 2, 3):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause, store=other_store)
    # Two here and three there: only the other store has a recurring problem.
    assert selectors.recurring_problems(user=agent) == []
    assert pairs(selectors.recurring_problems(user=other_agent)) == [(other_store.pk, "repair", cause.pk, 3)]
    # Head office sees each store's own row; the two stores are never added together per store.
    assert pairs(selectors.recurring_problems(user=viewer)) == [(other_store.pk, "repair", cause.pk, 3)]
    recorded(when=T0 - dt.timedelta(days=3), cause=cause)
    assert sorted(pairs(selectors.recurring_problems(user=viewer))) == sorted(
        [(store.pk, "repair", cause.pk, 3), (other_store.pk, "repair", cause.pk, 3)]
    )


def test_across_the_group_counts_complaints_and_stores(
    clock: Any,
    recorded: Callable[..., Complaint],
    viewer: Any,
    agent: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    recorded(when=T0 - dt.timedelta(days=5), cause=cause)
    recorded(when=T0 - dt.timedelta(days=4), cause=cause)
    assert selectors.recurring_across_group(user=viewer) == []
    recorded(when=T0 - dt.timedelta(days=3), cause=cause, store=other_store)
    recorded(when=T0 - WINDOW - MINUTE, cause=cause, store=other_store)  # outside the window
    rows = selectors.recurring_across_group(user=viewer)
    assert [(r["category"], r["cause_code_id"], r["count"], r["stores"]) for r in rows] == [
        ("repair", cause.pk, 3, 2)
    ]
    # No single store reaches the threshold, and a store user never sees the other store's share.
    assert selectors.recurring_problems(user=viewer) == []
    assert selectors.recurring_across_group(user=agent) == []


def test_group_view_counts_one_store_once(
    clock: Any, recorded: Callable[..., Complaint], viewer: Any, cause: CauseCode
) -> None:
    for days in (1, 2, 3, 4):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    rows = selectors.recurring_across_group(user=viewer)
    assert [(r["count"], r["stores"]) for r in rows] == [(4, 1)]


def test_recurring_is_one_query(
    clock: Any,
    recorded: Callable[..., Complaint],
    viewer: Any,
    other_store: Any,
    cause: CauseCode,
    other_cause: CauseCode,
) -> None:
    for when in (1, 2, 3):
        recorded(when=T0 - dt.timedelta(days=when), cause=cause)
        recorded(when=T0 - dt.timedelta(days=when), cause=other_cause, store=other_store)
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.recurring_problems(user=viewer)
    assert len(rows) == 2
    assert len(queries) <= 2  # the profile lookup and the grouped count


# --- measure_list scoping -------------------------------------------------------------------------


def test_measure_list_is_scoped_to_the_store(
    clock: Any,
    drive: Callable[..., PreventiveMeasure],
    agent: Any,
    other_agent: Any,
    viewer: Any,
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    assert list(selectors.measure_list(user=agent)) == [measure]
    assert list(selectors.measure_list(user=other_agent)) == []
    assert list(selectors.measure_list(user=viewer)) == [measure]


# --- effect figures -------------------------------------------------------------------------------

# Moments relative to the verification V of the measure, and which are counted (same store,
# category and cause).
BEFORE = [dt.timedelta(days=-91), dt.timedelta(days=-60), dt.timedelta(days=-20), dt.timedelta(hours=-1)]
AFTER = [dt.timedelta(hours=1), dt.timedelta(days=30, hours=6), dt.timedelta(days=40)]


def _expected(offsets: list[dt.timedelta], window: dt.timedelta) -> tuple[int, int]:
    """Before: in [V - window, V); after: in [V, V + window) — computed here, not by the selector."""
    before = sum(1 for o in offsets if -window <= o < dt.timedelta(0))
    after = sum(1 for o in offsets if dt.timedelta(0) <= o < window)
    return before, after


@pytest.fixture
def verified_with_history(
    clock: Any,
    recorded: Callable[..., Complaint],
    drive: Callable[..., PreventiveMeasure],
    assessor: Any,
    other_store: Any,
    cause: CauseCode,
    other_cause: CauseCode,
) -> tuple[PreventiveMeasure, dt.datetime]:
    """A measure verified at V = T0 + 2 days, with complaints before and after it, and noise."""
    verified_at = T0 + dt.timedelta(days=2)
    for offset in BEFORE:
        recorded(when=verified_at + offset, cause=cause)
    recorded(when=verified_at - dt.timedelta(days=5), cause=other_cause)  # another cause
    recorded(when=verified_at - dt.timedelta(days=5), cause=cause, store=other_store)  # another store
    measure = drive(MeasureStatus.DONE)
    assert selectors.measure_effect(measure=measure) is None  # not verified yet
    with time_machine.travel(verified_at, tick=False):
        measure = prevention.measure_step(measure=measure, actor=assessor, action="verify")
    assert measure.verified_at == verified_at
    for offset in AFTER:
        recorded(when=verified_at + offset, cause=cause)
    recorded(when=verified_at + dt.timedelta(days=3), cause=cause, store=other_store)
    return measure, verified_at


@pytest.mark.parametrize("days_after", [30, 200])
def test_effect_counts_before_and_after_over_the_same_window(
    verified_with_history: tuple[PreventiveMeasure, dt.datetime], days_after: int
) -> None:
    measure, verified_at = verified_with_history
    window = min(dt.timedelta(days=days_after), WINDOW)
    with time_machine.travel(verified_at + dt.timedelta(days=days_after), tick=False):
        effect = selectors.measure_effect(measure=measure)
    before, after = _expected(BEFORE + AFTER, window)
    assert effect == {"days": window.days, "before": before, "after": after}
    # The figures of these two moments, spelled out: 30 days → 2 vs 1; 90 days → 3 vs 3.
    assert (before, after) == ((2, 1) if days_after == 30 else (3, 3))


def test_effect_without_a_cause_counts_the_whole_category(
    clock: Any,
    recorded: Callable[..., Complaint],
    drive: Callable[..., PreventiveMeasure],
    assessor: Any,
    cause: CauseCode,
    other_cause: CauseCode,
) -> None:
    recorded(when=T0 - dt.timedelta(days=3), cause=cause)
    recorded(when=T0 - dt.timedelta(days=2), cause=other_cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=cause, category="parts")
    measure = drive(MeasureStatus.DONE, cause=None)
    measure = prevention.measure_step(measure=measure, actor=assessor, action="verify")
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        assert selectors.measure_effect(measure=measure) == {"days": 10, "before": 2, "after": 0}
