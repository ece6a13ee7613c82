"""Department assessment points (DOMAIN §5, complaint-handling-procedure §考核).

Each missed deadline −2, each general complaint −1, each major complaint −5. The assessor may
adjust an event's points, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "GENERAL_COMPLAINT",
    "MAJOR_COMPLAINT",
    "MISSED_DEADLINE",
    "POINTS",
    "AssessmentEvent",
    "complaint_event_kind",
    "department_total",
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
