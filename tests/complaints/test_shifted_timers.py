"""DOMAIN §9 "Timers that were missing or shifted" (source: complaint-handling-procedure.zh.txt
§6 result same day, 3 working days progress; §7 follow-up on day 5–7): the progress report runs
from dispatch, the same-day result report is a deadline row with warning and breach, the follow-up
window reaches past a holiday. Office hours are the default 08:30–17:30.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Deadline, DeadlineAlert, DeadlineKind, Status
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from tests.fixtures import at

pytestmark = pytest.mark.django_db

PROGRESS, RESULT, FOLLOW_UP = DeadlineKind.PROGRESS_REPORT, DeadlineKind.RESULT_REPORT, DeadlineKind.FOLLOW_UP


def row(ticket: Complaint, kind: str) -> Deadline:
    return Deadline.objects.filter(complaint=ticket, kind=kind).order_by("-cycle", "-sequence").first()  # type: ignore[return-value]


@pytest.fixture
def dispatched(make_complaint: Callable[..., Complaint], agent: Any, sales: Any) -> Callable[..., Complaint]:
    def make(moment: dt.datetime, **kwargs: Any) -> Complaint:
        with time_machine.travel(moment, tick=False):
            ticket = make_complaint(**kwargs)
            return workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)

    return make


def test_progress_report_counts_3_working_days_from_dispatch_not_first_contact(
    dispatched: Callable[..., Complaint], sales_mgr: Any
) -> None:
    ticket = dispatched(at(2026, 3, 9, 10, 0))  # Monday
    assert row(ticket, PROGRESS).due_at == at(2026, 3, 12, 10, 0)  # before any contact
    with time_machine.travel(at(2026, 3, 9, 11, 30), tick=False):
        ticket = workflow.complaint_contact(complaint=ticket, actor=sales_mgr, note="客户说明情况")
    assert Deadline.objects.filter(complaint=ticket, kind=PROGRESS).count() == 1
    assert row(ticket, PROGRESS).due_at == at(2026, 3, 12, 10, 0)  # not 11:30: dispatch counts


def _propose(ticket: Complaint, actor: Any, moment: dt.datetime, **kwargs: Any) -> Complaint:
    with time_machine.travel(moment, tick=False):
        ticket = workflow.complaint_contact(complaint=ticket, actor=actor, note="客户说明情况")
        return workflow.complaint_propose(complaint=ticket, actor=actor, solution="免费检修", **kwargs)


def test_result_report_same_working_day_as_a_deadline_row_with_warning_and_breach(
    dispatched: Callable[..., Complaint], sales_mgr: Any
) -> None:
    ticket = _propose(
        dispatched(at(2026, 3, 11, 9, 0)), sales_mgr, at(2026, 3, 11, 10, 0), customer_accepted=True
    )
    result = row(ticket, RESULT)
    assert (result.opens_at, result.warn_at, result.due_at) == (
        at(2026, 3, 11, 10, 0),
        at(2026, 3, 11, 16, 30),
        at(2026, 3, 11, 17, 30),
    )
    assert result.department.kind == "sales"
    enforce_deadlines(now=at(2026, 3, 11, 16, 31))
    assert DeadlineAlert.objects.filter(deadline=result, kind="warning").exists()
    enforce_deadlines(now=at(2026, 3, 11, 17, 31))
    assert DeadlineAlert.objects.filter(deadline=result, kind="breach").exists()


def test_result_report_met_by_resolve(dispatched: Callable[..., Complaint], sales_mgr: Any) -> None:
    ticket = _propose(
        dispatched(at(2026, 3, 11, 9, 0)), sales_mgr, at(2026, 3, 11, 10, 0), customer_accepted=True
    )
    with time_machine.travel(at(2026, 3, 11, 16, 0), tick=False):
        ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="客户满意")
    assert row(ticket, RESULT).met_at == at(2026, 3, 11, 16, 0)
    assert row(ticket, RESULT).breached_at is None


def test_no_result_report_until_the_customer_accepts(
    dispatched: Callable[..., Complaint], sales_mgr: Any
) -> None:
    ticket = _propose(dispatched(at(2026, 3, 11, 9, 0)), sales_mgr, at(2026, 3, 11, 10, 0))
    assert row(ticket, RESULT) is None


def test_result_report_with_compensation_starts_at_the_gms_approval(
    dispatched: Callable[..., Complaint], sales_mgr: Any, gm: Any
) -> None:
    ticket = _propose(
        dispatched(at(2026, 3, 11, 9, 0)),
        sales_mgr,
        at(2026, 3, 11, 10, 0),
        customer_accepted=True,
        compensation_amount=300,
    )
    assert ticket.status == Status.AWAITING_APPROVAL
    assert row(ticket, RESULT) is None
    with time_machine.travel(at(2026, 3, 12, 9, 0), tick=False):
        ticket = workflow.complaint_approve(complaint=ticket, actor=gm)
    assert row(ticket, RESULT).due_at == at(2026, 3, 12, 17, 30)


def test_follow_up_after_a_holiday_resolution_is_not_breached(
    dispatched: Callable[..., Complaint], sales_mgr: Any, agent: Any
) -> None:
    # Resolved Mon 2025-09-29: days 5–7 (10-04…10-06) fall in the National Day holiday (10-01…10-08);
    # the window reaches to the end of Thu 2025-10-09, the first working day after it.
    ticket = _propose(dispatched(at(2025, 9, 29, 9, 0)), sales_mgr, at(2025, 9, 29, 10, 0))
    with time_machine.travel(at(2025, 9, 29, 15, 0), tick=False):
        ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="客户满意")
    assert row(ticket, FOLLOW_UP).due_at == at(2025, 10, 9, 17, 30)
    enforce_deadlines(now=at(2025, 10, 9, 9, 0))
    with time_machine.travel(at(2025, 10, 9, 10, 0), tick=False):
        ticket = workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied", note="满意")
    assert ticket.status == Status.CLOSED
    window = row(ticket, FOLLOW_UP)
    assert window.met_at == at(2025, 10, 9, 10, 0)
    assert window.breached_at is None
    assert not DeadlineAlert.objects.filter(deadline=window, kind="breach").exists()
