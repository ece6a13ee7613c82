"""A ticket's rounds of handling, read from its timeline.

A customer unhappy at the day 5–7 follow-up sends the form back to the department (source 003
"如客户不满意，则重新派发《客户投诉信息反馈单》"): the ticket's fields then hold the latest round only
(the re-dispatch time overwrites the first), so the printed form and the ticket page read each round's
dispatch, call, solution, result and follow-up from the events that recorded them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ComplaintEvent

OUTCOMES = {"satisfied": _("满意"), "unsatisfied": _("不满意")}


@dataclass
class Step:
    at: dt.datetime
    note: str = ""


@dataclass
class Round:
    number: int
    dispatched: Step | None = None
    contacts: list[Step] = field(default_factory=list)
    solution: Step | None = None
    result: Step | None = None
    follow_up: Step | None = None
    outcome: Any = ""  # the follow-up's outcome label

    @property
    def contact(self) -> Step | None:
        """The first call with the customer in this round."""
        return self.contacts[0] if self.contacts else None


def ticket_rounds(complaint: Complaint) -> list[Round]:
    """One entry per round, the first from the ticket's first dispatch, each later one from the
    follow-up that found the customer unhappy."""
    rounds = [Round(1)]
    events = ComplaintEvent.objects.filter(
        complaint=complaint, action__in=("dispatch", "contact", "propose", "resolve", "follow_up", "reopen")
    ).order_by("created_at", "id")
    for event in events.only("action", "note", "data", "created_at"):
        current = rounds[-1]
        step = Step(event.created_at, event.note)
        if event.action == "dispatch":
            # A transfer to another department re-dispatches within the round: the first counts.
            current.dispatched = current.dispatched or step
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
    return rounds
