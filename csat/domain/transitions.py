"""Allowed state changes (DOMAIN §4 callback tasks, §5 complaint workflow and measures, §6 crisis phases).

The transition services lock the row, ask this module whether the change is allowed, then write
the event row. :class:`TransitionError` (a ValueError) maps to HTTP 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

__all__ = [
    "ACTIONS",
    "FAILED_DAYS_UNREACHABLE",
    "UNREACHABLE_SPAN_DAYS",
    "AWAITING_APPROVAL",
    "CLOSED",
    "DISPATCHED",
    "IN_PROGRESS",
    "RECEIVED",
    "REGISTERED",
    "REOPEN_STATUS",
    "RESOLVED",
    "ACTION_TRANSITIONS",
    "CLOSED_STATUSES",
    "COMPLAINT_STATUSES",
    "CRISIS_PHASES",
    "CRISIS_PHASE_TRANSITIONS",
    "FOLLOW_UP_OUTCOMES",
    "OPEN_STATUSES",
    "TASK_ACTIONS",
    "TASK_CANCELLED",
    "TASK_DONE",
    "TASK_IN_PROGRESS",
    "TASK_PENDING",
    "TASK_UNREACHABLE",
    "TASK_OPEN_STATUSES",
    "TASK_STATUSES",
    "TaskTransitionError",
    "next_task_status",
    "unreachable_reason",
    "Transition",
    "TransitionError",
    "allowed_actions",
    "check_transition",
    "MEASURE_TRANSITIONS",
    "next_measure_status",
    "next_phase",
    "next_status",
]


class TransitionError(ValueError):
    """An action or state change the current state does not allow."""


RECEIVED = "received"
REGISTERED = "registered"
DISPATCHED = "dispatched"
IN_PROGRESS = "in_progress"
AWAITING_APPROVAL = "awaiting_approval"
RESOLVED = "resolved"
CLOSED = "closed"

COMPLAINT_STATUSES: tuple[str, ...] = (
    RECEIVED,
    REGISTERED,
    DISPATCHED,
    IN_PROGRESS,
    AWAITING_APPROVAL,
    RESOLVED,
    CLOSED,
)
CLOSED_STATUSES: frozenset[str] = frozenset({CLOSED})
OPEN_STATUSES: frozenset[str] = frozenset(COMPLAINT_STATUSES) - CLOSED_STATUSES

ACTIONS: tuple[str, ...] = (
    "register",
    "dispatch",
    "contact",
    "contact_attempt",
    "progress",
    "propose",
    "approve",
    "reject",
    "resolve",
    "follow_up",
    "escalate",
    "transfer",
    "return",
    "assign",
    "responsible",
    "accountability",
    "penalty_request",
    "penalty_decide",
    "acknowledge",
    "note",
)
FOLLOW_UP_OUTCOMES: tuple[str, ...] = ("satisfied", "unsatisfied")


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[str]
    # None: the status stays as it is (progress report, escalation).
    target: str | None


# The default target of each action; propose and follow_up branch in next_status:
# - propose without compensation stays in_progress (the manager may carry it out directly);
# - follow_up "unsatisfied" re-dispatches the form (reopened, history kept).
ACTION_TRANSITIONS: dict[str, Transition] = {
    "register": Transition(frozenset({RECEIVED}), REGISTERED),
    # From received too: off hours a duty leader dispatches directly (DOMAIN §9), registering it.
    "dispatch": Transition(frozenset({RECEIVED, REGISTERED}), DISPATCHED),
    "contact": Transition(frozenset({DISPATCHED}), IN_PROGRESS),
    # A call the customer did not answer, within the 2-hour step: recorded, the step stays open
    # (only a call record of what the customer said is contact, DOMAIN §9).
    "contact_attempt": Transition(frozenset({DISPATCHED}), None),
    # A progress report is owed while open, including while the GM has a proposal on the desk.
    "progress": Transition(frozenset({IN_PROGRESS, AWAITING_APPROVAL}), None),
    "propose": Transition(frozenset({IN_PROGRESS}), AWAITING_APPROVAL),
    "approve": Transition(frozenset({AWAITING_APPROVAL}), IN_PROGRESS),
    "reject": Transition(frozenset({AWAITING_APPROVAL}), IN_PROGRESS),
    # Whether a compensation was approved is the caller's check (it knows the proposal).
    "resolve": Transition(frozenset({IN_PROGRESS}), RESOLVED),
    "follow_up": Transition(frozenset({RESOLVED}), CLOSED),
    "escalate": Transition(OPEN_STATUSES, None),
    # DOMAIN §9 "Who is responsible" (issue #18). Customer care moves a dispatched ticket to another
    # department: a new 2-hour callback step starts for it.
    "transfer": Transition(frozenset({DISPATCHED, IN_PROGRESS}), DISPATCHED),
    # The department gives it back to customer care within its 2-hour step (before the call).
    "return": Transition(frozenset({DISPATCHED}), REGISTERED),
    # The department manager names who works it, and the directly responsible staff and measure.
    "assign": Transition(frozenset({DISPATCHED, IN_PROGRESS, AWAITING_APPROVAL, RESOLVED}), None),
    "responsible": Transition(frozenset({IN_PROGRESS, AWAITING_APPROVAL, RESOLVED, CLOSED}), None),
    # The GM's internal accountability of a major complaint (the caller checks it is major).
    "accountability": Transition(frozenset({IN_PROGRESS, AWAITING_APPROVAL, RESOLVED, CLOSED}), None),
    # A neglected dissatisfied callback or grievance: customer care's manager asks, the GM decides.
    "penalty_request": Transition(
        frozenset({DISPATCHED, IN_PROGRESS, AWAITING_APPROVAL, RESOLVED, CLOSED}), None
    ),
    "penalty_decide": Transition(
        frozenset({DISPATCHED, IN_PROGRESS, AWAITING_APPROVAL, RESOLVED, CLOSED}), None
    ),
    # DOMAIN §9 "The GM's gate": the GM marks a major complaint's proposed measures read (已阅);
    # the caller checks it is major, has a proposal and is not yet marked.
    "acknowledge": Transition(frozenset({IN_PROGRESS, AWAITING_APPROVAL, RESOLVED, CLOSED}), None),
    # An internal note on the ticket's history, in any status (a help desk's internal comment).
    "note": Transition(frozenset(COMPLAINT_STATUSES), None),
}
REOPEN_STATUS = DISPATCHED


def _check_status(status: str) -> None:
    if status not in COMPLAINT_STATUSES:
        raise ValueError(
            f"unknown complaint status {status!r}; expected one of {', '.join(COMPLAINT_STATUSES)}"
        )


def allowed_actions(status: str) -> list[str]:
    """The actions allowed in ``status``, in workflow order."""
    _check_status(status)
    return [action for action, t in ACTION_TRANSITIONS.items() if status in t.sources]


def next_status(
    current: str,
    action: str,
    *,
    outcome: str | None = None,
    with_compensation: bool = False,
) -> str:
    """The status after ``action``; TransitionError when ``current`` does not allow it.

    ``outcome`` (satisfied/unsatisfied) is required for follow_up and refused elsewhere;
    ``with_compensation`` only matters for propose.
    """
    _check_status(current)
    transition = ACTION_TRANSITIONS.get(action)
    if transition is None:
        raise ValueError(f"unknown complaint action {action!r}; expected one of {', '.join(ACTIONS)}")
    if action == "follow_up":
        if outcome not in FOLLOW_UP_OUTCOMES:
            raise ValueError(f"follow_up needs an outcome of satisfied or unsatisfied, got {outcome!r}")
    elif outcome is not None:
        raise ValueError(f"only follow_up takes an outcome, not {action}")
    if current not in transition.sources:
        allowed = ", ".join(allowed_actions(current)) or "none"
        raise TransitionError(f"cannot {action} a complaint that is {current}; allowed here: {allowed}")

    if action == "propose" and not with_compensation:
        return IN_PROGRESS
    if action == "follow_up" and outcome == "unsatisfied":
        return REOPEN_STATUS
    return transition.target if transition.target is not None else current


# --- Generic state tables -----------------------------------------------------------------

CRISIS_PHASES: tuple[str, ...] = ("latent", "outbreak", "aftermath", "recovery")

# 潜伏期 → 爆发期 → 后遗症期 → 善后期; a crisis defused while latent goes straight to recovery.
CRISIS_PHASE_TRANSITIONS: dict[str, frozenset[str]] = {
    "latent": frozenset({"outbreak", "recovery"}),
    "outbreak": frozenset({"aftermath"}),
    "aftermath": frozenset({"recovery"}),
    "recovery": frozenset(),
}


# Preventive measures (DOMAIN §5 Prevention): action → (allowed sources, target).
MEASURE_TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({"draft", "rejected"}), "awaiting_approval"),
    "approve": Transition(frozenset({"awaiting_approval"}), "approved"),
    "reject": Transition(frozenset({"awaiting_approval"}), "rejected"),
    "start": Transition(frozenset({"approved"}), "in_progress"),
    "complete": Transition(frozenset({"in_progress"}), "done"),
    "verify": Transition(frozenset({"done"}), "verified"),
}


def next_measure_status(current: str, action: str) -> str:
    """The status of a preventive measure after ``action``; TransitionError when not allowed."""
    transition = MEASURE_TRANSITIONS.get(action)
    if transition is None:
        raise ValueError(
            f"unknown measure action {action!r}; expected one of {', '.join(MEASURE_TRANSITIONS)}"
        )
    if current not in transition.sources:
        raise TransitionError(f"cannot {action} a measure that is {current}")
    assert transition.target is not None
    return transition.target


def check_transition(table: Mapping[str, Set[str]], current: str, target: str, *, what: str = "state") -> str:
    """Validate ``current → target`` against a table state → allowed targets; returns ``target``.

    Unknown states → ValueError; a known but forbidden change → TransitionError.
    """
    if current not in table:
        raise ValueError(f"unknown {what} {current!r}; expected one of {', '.join(table)}")
    if target not in table:
        raise ValueError(f"unknown {what} {target!r}; expected one of {', '.join(table)}")
    if target not in table[current]:
        allowed = ", ".join(s for s in table if s in table[current]) or "none"
        raise TransitionError(f"cannot move {what} from {current} to {target}; allowed: {allowed}")
    return target


def next_phase(current: str, target: str) -> str:
    """Validate a crisis phase change; returns ``target``."""
    return check_transition(CRISIS_PHASE_TRANSITIONS, current, target, what="crisis phase")


# --- Callback tasks (DOMAIN §4) -----------------------------------------------------------

TASK_PENDING, TASK_IN_PROGRESS, TASK_DONE, TASK_UNREACHABLE, TASK_CANCELLED = (
    "pending",
    "in_progress",
    "done",
    "unreachable",
    "cancelled",
)
TASK_STATUSES: tuple[str, ...] = (TASK_PENDING, TASK_IN_PROGRESS, TASK_DONE, TASK_UNREACHABLE, TASK_CANCELLED)
# Still to be worked by customer care (the queue, expiry, "one open task per source").
TASK_OPEN_STATUSES: tuple[str, ...] = (TASK_PENDING, TASK_IN_PROGRESS)

# action → (statuses it may start from, status it leads to)
TASK_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_IN_PROGRESS),
    "release": (frozenset({TASK_IN_PROGRESS}), TASK_PENDING),
    # a failed attempt or "call back later"
    "retry_later": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_PENDING),
    "reach": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_IN_PROGRESS),  # reached: the survey follows
    "refuse": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_DONE),
    "survey": (frozenset({TASK_PENDING, TASK_IN_PROGRESS, TASK_UNREACHABLE}), TASK_DONE),
    "unreachable": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_UNREACHABLE),
    "expire": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_CANCELLED),
    "cancel": (frozenset({TASK_PENDING, TASK_IN_PROGRESS, TASK_UNREACHABLE}), TASK_CANCELLED),
    "assign": (frozenset({TASK_PENDING, TASK_IN_PROGRESS}), TASK_PENDING),
}


class TaskTransitionError(ValueError):
    """The callback task's current status does not allow this action."""


def next_task_status(status: str, action: str) -> str:
    try:
        sources, target = TASK_ACTIONS[action]
    except KeyError:
        raise TaskTransitionError(f"unknown action {action!r}") from None
    if status not in sources:
        raise TaskTransitionError(f"{action} is not allowed from {status}")
    return target


# The unreachable rule: after failed attempts on 3 different days, or failures spanning 5
# consecutive days, the task is unreachable and a letter/on-site survey is suggested.
FAILED_DAYS_UNREACHABLE = 3
UNREACHABLE_SPAN_DAYS = 5


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
