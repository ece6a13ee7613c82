"""A ticket's timeline read for what happened in it: its rounds of handling, and the unanswered
calls of each 2-hour contact step.

A customer unhappy at the day 5–7 follow-up sends the form back to the department (source 003
"如客户不满意，则重新派发《客户投诉信息反馈单》"): the ticket's fields then hold the latest round only
(the re-dispatch time overwrites the first), so the printed form and the ticket page read each round's
dispatch, calls (answered or not: every attempt to reach the customer is on record), solution, result
and follow-up from the events that recorded them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ComplaintEvent, DeadlineKind

OUTCOMES = {"satisfied": _("满意"), "unsatisfied": _("不满意")}


@dataclass
class Step:
    at: dt.datetime
    note: str = ""


@dataclass
class Round:
    number: int
    dispatched: Step | None = None
    attempts: list[Step] = field(default_factory=list)  # unanswered calls (未接通), by call time
    contacts: list[Step] = field(default_factory=list)
    solution: Step | None = None
    result: Step | None = None
    follow_up: Step | None = None
    outcome: Any = ""  # the follow-up's outcome label

    @property
    def contact(self) -> Step | None:
        """The first call with the customer in this round."""
        return self.contacts[0] if self.contacts else None


ROUND_ACTIONS = ("dispatch", "contact_attempt", "contact", "propose", "resolve", "follow_up", "reopen")


def ticket_rounds(complaint: Complaint) -> list[Round]:
    """One entry per round, the first from the ticket's first dispatch, each later one from the
    follow-up that found the customer unhappy. One query, however many rounds and calls."""
    rounds = [Round(1)]
    events = ComplaintEvent.objects.filter(complaint=complaint, action__in=ROUND_ACTIONS).order_by(
        "created_at", "id"
    )
    for event in events.only("action", "note", "data", "created_at"):
        current = rounds[-1]
        step = Step(event.created_at, event.note)
        if event.action == "dispatch":
            # A transfer to another department re-dispatches within the round: the first counts.
            current.dispatched = current.dispatched or step
        elif event.action == "contact_attempt":
            # When the call was made, which may be before it was logged.
            current.attempts.append(Step(event.call_time, event.note))
        elif event.action == "contact":
            current.contacts.append(step)
        elif event.action == "propose":
            current.solution = step  # the last proposal is the one carried out
        elif event.action == "resolve":
            current.result = step
        elif event.action in ("follow_up", "reopen"):
            current.follow_up = step
            current.outcome = OUTCOMES.get((event.data or {}).get("outcome", ""), "")
            if event.action == "reopen":
                rounds.append(Round(current.number + 1, dispatched=Step(event.created_at)))
    for each in rounds:
        each.attempts.sort(key=lambda attempt: attempt.at)  # a call logged late is listed when made
    return rounds


def contact_attempts(events: list[Any], deadlines: list[Any]) -> dict[int, list[Any]]:
    """The unanswered calls (``contact_attempt`` events) by the 2-hour step's timer they were made
    in, by the time each call was made (as the printed form lists them): read from the history the ticket page has loaded, no query."""
    steps = {d.pk for d in deadlines if d.kind == DeadlineKind.FIRST_CONTACT}
    found: dict[int, list[Any]] = {}
    for event in events:
        step = event.data.get("deadline") if event.action == "contact_attempt" else None
        if isinstance(step, int) and step in steps:
            found.setdefault(step, []).append(event)
    for attempts in found.values():
        attempts.sort(key=lambda event: event.call_time)  # a call logged late is listed when made
    return found


def running_step_attempts(attempts: dict[int, list[Any]], deadlines: list[Any]) -> list[Any]:
    """The unanswered calls of the 2-hour step still running (the contact form says how many and
    when), from :func:`contact_attempts`; none when no contact step runs."""
    running = (d for d in reversed(deadlines) if d.kind == DeadlineKind.FIRST_CONTACT and d.is_open)
    return next((attempts.get(d.pk, []) for d in running), [])
