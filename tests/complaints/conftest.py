"""Fixtures of the complaint tests: the cast of a full workflow, tickets, and a helper that drives a
ticket through the real workflow services to any status. The world (stores, users, ``clock`` at
``T0``, clients) comes from tests/fixtures.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Status
from complaints.services import workflow
from csat.models import Department


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    """Uploaded agreements land in a temporary folder, never in the project's media/."""


@pytest.fixture
def people(agent: Any, ccm: Any, sales_mgr: Any, business_mgr: Any, gm: Any) -> dict[str, Any]:
    """The cast of a full workflow, keyed by role."""
    return {"agent": agent, "ccm": ccm, "sales_mgr": sales_mgr, "business_mgr": business_mgr, "gm": gm}


@pytest.fixture
def make_complaint(agent: Any, care: Department, customer: Any) -> Callable[..., Complaint]:
    """A ticket received by customer care (so registered at once), with overridable arguments."""

    def make(**kwargs: Any) -> Complaint:
        defaults: dict[str, Any] = {
            "actor": agent,
            "customer": customer,
            "content": "保养后发动机异响，要求说明原因。",
            "received_by_department": care,
            "category": "sales",
        }
        defaults.update(kwargs)
        return workflow.complaint_create(**defaults)

    return make


# The order of the workflow, and the action that moves a ticket one step along it.
PATH = [
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL,
    Status.RESOLVED,
    Status.CLOSED,
]


@pytest.fixture
def advance(people: dict[str, Any], sales: Department) -> Callable[..., Complaint]:
    """advance(ticket, Status.RESOLVED) drives a registered ticket to that status with the services.

    The path dispatches to sales and goes through a proposal with compensation (GM-approved on the
    way to resolved). Reaching closed travels 5 days on (the follow-up window), so use it under
    ``clock`` or another frozen time.
    """
    agent, mgr, gm = people["agent"], people["sales_mgr"], people["gm"]

    def step(ticket: Complaint, target: str, *, compensation: Decimal = Decimal("500.00")) -> Complaint:
        ticket.refresh_from_db()
        if ticket.status == Status.RECEIVED and target != Status.RECEIVED:
            ticket = workflow.complaint_register(complaint=ticket, actor=agent)
        if ticket.status == target:
            return ticket
        if ticket.status == Status.REGISTERED:
            ticket = workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
        if ticket.status == target:
            return ticket
        if ticket.status == Status.DISPATCHED:
            ticket = workflow.complaint_contact(
                complaint=ticket, actor=mgr, cause="漏检", expectation="道歉", note="客户说交车时没检查"
            )
        if ticket.status == target:
            return ticket
        if ticket.status == Status.IN_PROGRESS and ticket.approval != "approved":
            ticket = workflow.complaint_propose(
                complaint=ticket, actor=mgr, solution="免费复检并赠送保养", compensation_amount=compensation
            )
        if ticket.status == target:
            return ticket
        if ticket.status == Status.AWAITING_APPROVAL:
            ticket = workflow.complaint_approve(complaint=ticket, actor=gm, comment="同意")
        if ticket.status == target:
            return ticket
        if ticket.status == Status.IN_PROGRESS:
            ticket = workflow.complaint_resolve(complaint=ticket, actor=mgr, result="客户接受方案")
        if ticket.status == target:
            return ticket
        if ticket.status == Status.RESOLVED:
            with time_machine.travel(dt.timedelta(days=5, hours=1)):
                ticket = workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied")
        assert ticket.status == target, f"could not reach {target}, stuck at {ticket.status}"
        return ticket

    return step
