"""Pure rules of the callback work (no database): csat.domain and the survey items."""

from __future__ import annotations

import datetime as dt

import pytest

from callbacks.survey_items import items_for, validate_items
from csat.domain.periods import quarter_key, quarter_start
from csat.domain.transitions import TaskTransitionError, next_task_status, unreachable_reason


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        ([], None),
        ([1, 1, 1], None),
        ([1, 2], None),
        ([1, 2, 3], "failed_on_3_days"),
        ([1, 3, 9], "failed_on_3_days"),
        ([1, 4], None),
        ([1, 5], "unreachable_5_days"),
    ],
)
def test_unreachable_rule(days: list[int], reason: str | None) -> None:
    assert unreachable_reason([dt.date(2026, 3, d) for d in days]) == reason


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        ("pending", "claim", "in_progress"),
        ("in_progress", "release", "pending"),
        ("in_progress", "survey", "done"),
        ("unreachable", "survey", "done"),
        ("pending", "expire", "cancelled"),
    ],
)
def test_allowed_transitions(status: str, action: str, target: str) -> None:
    assert next_task_status(status, action) == target


@pytest.mark.parametrize(
    ("status", "action"), [("done", "claim"), ("cancelled", "survey"), ("unreachable", "claim")]
)
def test_forbidden_transitions(status: str, action: str) -> None:
    with pytest.raises(TaskTransitionError):
        next_task_status(status, action)


@pytest.mark.parametrize(
    ("day", "key", "start"),
    [
        (dt.date(2026, 1, 1), "2026Q1", dt.date(2026, 1, 1)),
        (dt.date(2026, 3, 31), "2026Q1", dt.date(2026, 1, 1)),
        (dt.date(2026, 4, 1), "2026Q2", dt.date(2026, 4, 1)),
        (dt.date(2026, 12, 31), "2026Q4", dt.date(2026, 10, 1)),
    ],
)
def test_quarters(day: dt.date, key: str, start: dt.date) -> None:
    assert quarter_key(day) == key and quarter_start(day) == start


def test_mandatory_items_follow_the_source() -> None:
    sales = {i.key for i in items_for("sales") if i.mandatory}
    after = {i.key for i in items_for("after_sales") if i.mandatory}
    assert sales == {
        "consultant_knowledge",
        "consultant_attitude",
        "consultant_follow_up",
        "vehicle_introduction",
        "delivery",
    }
    assert {"repair_quality", "running_since", "technique_mechanical", "technique_body_paint"} <= after
    assert {"handover_explained", "handover_advice", "handover_prices"} <= after
    assert not any(
        i.mandatory for i in items_for("after_sales") if i.key in ("environment", "on_time_delivery")
    )
    assert items_for("five_dimension") == ()


def test_validate_items() -> None:
    answers = {i.key: i.values[0] for i in items_for("sales") if i.mandatory}
    assert validate_items("sales", answers) == {}
    assert set(validate_items("sales", {**answers, "delivery": ""})) == {"delivery"}
    assert set(validate_items("sales", {**answers, "showroom": "wow"})) == {"showroom"}
