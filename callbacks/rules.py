"""Pure rules of the callback work (DOMAIN §4): task transitions, the unreachable rule, quarters.

No Django import: the services ask these functions and do the writing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

__all__ = [
    "FAILED_DAYS_UNREACHABLE",
    "TASK_ACTIONS",
    "UNREACHABLE_SPAN_DAYS",
    "TaskTransitionError",
    "next_task_status",
    "quarter_key",
    "quarter_start",
    "unreachable_reason",
]

# After failed attempts on 3 different days, or failures spanning 5 consecutive days, the task is
# unreachable and a letter/on-site survey is suggested.
FAILED_DAYS_UNREACHABLE = 3
UNREACHABLE_SPAN_DAYS = 5

PENDING, IN_PROGRESS, DONE, UNREACHABLE, CANCELLED = (
    "pending",
    "in_progress",
    "done",
    "unreachable",
    "cancelled",
)

# action → (statuses it may start from, status it leads to)
TASK_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({PENDING, IN_PROGRESS}), IN_PROGRESS),
    "release": (frozenset({IN_PROGRESS}), PENDING),
    "retry_later": (frozenset({PENDING, IN_PROGRESS}), PENDING),  # a failed attempt or "call back later"
    "reach": (frozenset({PENDING, IN_PROGRESS}), IN_PROGRESS),  # reached: the survey follows
    "refuse": (frozenset({PENDING, IN_PROGRESS}), DONE),
    "survey": (frozenset({PENDING, IN_PROGRESS, UNREACHABLE}), DONE),
    "unreachable": (frozenset({PENDING, IN_PROGRESS}), UNREACHABLE),
    "expire": (frozenset({PENDING, IN_PROGRESS}), CANCELLED),
    "cancel": (frozenset({PENDING, IN_PROGRESS, UNREACHABLE}), CANCELLED),
    "assign": (frozenset({PENDING, IN_PROGRESS}), PENDING),
}


class TaskTransitionError(ValueError):
    """The task's current status does not allow this action."""


def next_task_status(status: str, action: str) -> str:
    try:
        sources, target = TASK_ACTIONS[action]
    except KeyError:
        raise TaskTransitionError(f"unknown action {action!r}") from None
    if status not in sources:
        raise TaskTransitionError(f"{action} is not allowed from {status}")
    return target


def unreachable_reason(failed_days: Iterable[dt.date]) -> str | None:
    """Why the customer counts as unreachable, from the local dates of the failed attempts since the
    last contact: ``"failed_on_3_days"``, ``"unreachable_5_days"`` or None (keep trying).

    "5 consecutive days unreachable": the failures since the last contact span 5 calendar days
    (the first and the latest failure are 4 days apart), however many days in between had calls.
    """
    days = sorted(set(failed_days))
    if len(days) >= FAILED_DAYS_UNREACHABLE:
        return "failed_on_3_days"
    if days and (days[-1] - days[0]).days + 1 >= UNREACHABLE_SPAN_DAYS:
        return "unreachable_5_days"
    return None


def quarter_key(day: dt.date) -> str:
    """``2026Q1`` for any date in January–March 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
