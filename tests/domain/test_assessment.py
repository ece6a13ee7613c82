import pytest

from csat.domain.assessment import (
    GENERAL_COMPLAINT,
    MAJOR_COMPLAINT,
    MISSED_DEADLINE,
    AssessmentEvent,
    complaint_event_kind,
    department_total,
    points_for,
    totals_by_department,
)


def test_default_points() -> None:
    assert points_for(MISSED_DEADLINE) == -2
    assert points_for(GENERAL_COMPLAINT) == -1
    assert points_for(MAJOR_COMPLAINT) == -5


def test_table_override_and_unknown() -> None:
    assert points_for("missed_deadline", table={"missed_deadline": -3}) == -3
    with pytest.raises(ValueError, match="unknown assessment event"):
        points_for("late_lunch")
    with pytest.raises(ValueError):
        points_for("general_complaint", table={"missed_deadline": -3})


def test_complaint_event_kind() -> None:
    assert complaint_event_kind("general") == GENERAL_COMPLAINT
    assert complaint_event_kind("major") == MAJOR_COMPLAINT
    with pytest.raises(ValueError):
        complaint_event_kind("minor")


def test_department_total() -> None:
    assert department_total([]) == 0
    assert (
        department_total(["missed_deadline", "missed_deadline", "general_complaint", "major_complaint"])
        == -10
    )
    adjusted = AssessmentEvent(kind=MAJOR_COMPLAINT, points=-2, reason="customer's own fault, partly")
    assert department_total([adjusted, "general_complaint"]) == -3


def test_adjustment_needs_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        AssessmentEvent(kind=MISSED_DEADLINE, points=0)
    with pytest.raises(ValueError, match="unknown"):
        department_total([AssessmentEvent(kind="other", points=-1, reason="x")])


def test_totals_by_department() -> None:
    events = [
        AssessmentEvent(kind=MISSED_DEADLINE, department="service"),
        AssessmentEvent(kind=MAJOR_COMPLAINT, department="sales"),
        AssessmentEvent(kind=GENERAL_COMPLAINT, department="service"),
    ]
    assert totals_by_department(events) == {"service": -3, "sales": -5}
