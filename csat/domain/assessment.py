"""Department assessment points (DOMAIN §5, complaint-handling-procedure §考核).

Each missed deadline −2, each general complaint −1, each major complaint −5. The assessor may
adjust an event's points, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "ADJUSTMENT_POINTS_LIMIT",
    "GENERAL_COMPLAINT",
    "MAJOR_COMPLAINT",
    "MISSED_DEADLINE",
    "PENALTY_POINTS_MAX",
    "PENALTY_POINTS_MIN",
    "POINTS",
    "AssessmentEvent",
    "adjustment_in_bounds",
    "complaint_event_kind",
    "department_total",
    "penalty_in_bounds",
    "points_for",
    "totals_by_department",
]

MISSED_DEADLINE = "missed_deadline"
GENERAL_COMPLAINT = "general_complaint"
MAJOR_COMPLAINT = "major_complaint"

POINTS: dict[str, int] = {
    MISSED_DEADLINE: -2,
    GENERAL_COMPLAINT: -1,
    MAJOR_COMPLAINT: -5,
}

# The points a person types (Decision: the sources give no limit, so a typo or a hostile request
# could move a department's month by thousands of points).
# A penalty the GM approves on a neglected dissatisfied callback or grievance (DOMAIN §9) defaults
# to −1 and such a ticket is "not a complaint": it costs at least the smallest deduction (−1, a
# general complaint, DOMAIN §5) — an approval of 0 would be a rejection — and at most twice a major
# complaint (−5), so a ticket that is not a complaint never weighs more than two that are.
PENALTY_POINTS_MIN = -10
PENALTY_POINTS_MAX = -1
# The admin assessor's adjustment of a department's month (DOMAIN §5, "adjustable by the assessor
# with a reason") corrects its −1/−2/−5 events or cancels a disputed one: never 0 (it would change
# nothing) and never beyond a whole 100-point score either way.
ADJUSTMENT_POINTS_LIMIT = 100


def penalty_in_bounds(points: Decimal | int) -> bool:
    """An approved penalty's points: PENALTY_POINTS_MIN ≤ points ≤ PENALTY_POINTS_MAX."""
    return Decimal(points).is_finite() and PENALTY_POINTS_MIN <= points <= PENALTY_POINTS_MAX


def adjustment_in_bounds(points: Decimal | int) -> bool:
    """An adjustment's points: non-zero, within ±ADJUSTMENT_POINTS_LIMIT."""
    return (
        Decimal(points).is_finite()
        and points != 0
        and -ADJUSTMENT_POINTS_LIMIT <= points <= ADJUSTMENT_POINTS_LIMIT
    )


def points_for(event_kind: str, *, table: Mapping[str, int] | None = None) -> int:
    """Points for one event kind; ``table`` (e.g. from settings) replaces the defaults."""
    points = POINTS if table is None else table
    try:
        return points[event_kind]
    except KeyError:
        raise ValueError(
            f"unknown assessment event {event_kind!r}; expected one of {', '.join(points)}"
        ) from None


def complaint_event_kind(severity: str) -> str:
    """Map a complaint's severity (``general`` / ``major``) to its assessment event kind."""
    kinds = {"general": GENERAL_COMPLAINT, "major": MAJOR_COMPLAINT}
    try:
        return kinds[severity]
    except KeyError:
        raise ValueError(f"unknown complaint severity {severity!r}; expected general or major") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class AssessmentEvent:
    """One deduction; ``points`` set means the assessor adjusted it, which needs a ``reason``."""

    kind: str
    department: str | int | None = None
    points: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.points is not None:
            if isinstance(self.points, bool) or not isinstance(self.points, int):
                raise ValueError(f"adjusted points must be an integer, got {self.points!r}")
            if not self.reason.strip():
                raise ValueError("an adjusted assessment needs a reason")


def _event_points(event: str | AssessmentEvent, table: Mapping[str, int] | None) -> int:
    if isinstance(event, str):
        return points_for(event, table=table)
    if event.points is not None:
        # Still validate the kind: an adjusted unknown event is a data error too.
        points_for(event.kind, table=table)
        return event.points
    return points_for(event.kind, table=table)


def department_total(
    events: Iterable[str | AssessmentEvent], *, table: Mapping[str, int] | None = None
) -> int:
    """Sum of the points of ``events`` (kinds or AssessmentEvent); 0 for none."""
    return sum(_event_points(e, table) for e in events)


def totals_by_department(
    events: Iterable[AssessmentEvent], *, table: Mapping[str, int] | None = None
) -> dict[str | int | None, int]:
    """Points per ``event.department``, in first-seen order."""
    totals: dict[str | int | None, int] = {}
    for event in events:
        totals[event.department] = totals.get(event.department, 0) + _event_points(event, table)
    return totals
