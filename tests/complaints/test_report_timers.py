"""The monthly report and the department assessment read the same stored timers: a step met late is
a missed deadline in both (−2, DOMAIN §5; source 003 考核 "未在指定期间内完成工作的，每次扣2分"),
and a ticket the customer sent back is unresolved again for "超过 3 个工作日未解决" (DOMAIN §5
steps 6–7, §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Deadline, DeadlineAlert, DeadlineKind, Status
from complaints.selectors import assessment_rows
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from csat.models import Department
from reports import selectors as report_selectors
from tests.fixtures import T0

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _points(department: Department) -> list[tuple[str, Any]]:
    rows = assessment_rows(departments=Department.objects.filter(pk=department.pk), month=MARCH)
    return sorted((e["kind"], e["points"]) for e in rows[0]["events"])


def test_rule_a_step_met_late_before_the_sweep_saw_it_costs_2_points_as_the_report_counts_it(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    due = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT).due_at
    clock.move_to(due + dt.timedelta(minutes=20))  # beat was down: no sweep recorded the breach
    workflow.complaint_contact(complaint=ticket, actor=people["sales_mgr"], note="客户说交车时没检查")
    step = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT)
    assert step.met_at is not None and step.breached_at is not None
    assert DeadlineAlert.objects.get(deadline=step, kind=DeadlineAlert.Kind.BREACH).department == sales
    assert ("missed_deadline", -2) in _points(sales)
    steps = {r["key"]: r for r in report_selectors.deadline_steps(month=MARCH, store_ids=[ticket.store_id])}
    assert steps["first_contact"]["missed"] == 1
    # Met in time: nothing recorded.
    on_time = advance(make_complaint(), Status.IN_PROGRESS)
    assert not DeadlineAlert.objects.filter(deadline__complaint=on_time).exists()


def test_rule_a_reopened_ticket_is_open_past_3_working_days_again(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)  # resolved within its first 3 working days
    resolved_at = Complaint.objects.get(pk=ticket.pk).resolved_at
    with time_machine.travel(T0 + dt.timedelta(days=5, hours=1), tick=False):
        workflow.complaint_follow_up(
            complaint=ticket, actor=people["agent"], outcome="unsatisfied", note="没修好"
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.resolved_at == resolved_at  # kept
    progress = Deadline.objects.get(
        complaint=ticket, kind=DeadlineKind.PROGRESS_REPORT, cycle=1, cancelled_at__isnull=True
    )
    before = progress.due_at - dt.timedelta(minutes=1)
    after = progress.due_at + dt.timedelta(days=1)
    open_past = report_selectors.open_past_three_days
    assert open_past(month=MARCH, store_ids=[ticket.store_id], as_of=before) == []
    assert [r["number"] for r in open_past(month=MARCH, store_ids=[ticket.store_id], as_of=after)] == [
        ticket.number
    ]
    # Resolved again in time for its new timer: no longer listed.
    with time_machine.travel(progress.due_at - dt.timedelta(hours=1), tick=False):
        workflow.complaint_contact(complaint=ticket, actor=people["sales_mgr"], note="客户再次来电")
        workflow.complaint_resolve(complaint=ticket, actor=people["sales_mgr"], result="已更换零件")
    assert open_past(month=MARCH, store_ids=[ticket.store_id], as_of=after) == []


def test_rule_a_missed_step_counts_in_the_month_it_fell_due_in_both_report_and_assessment(
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    """The step fell due on 31 March; its breach was recorded on 1 April (the sweep of the month's
    last minutes, or a complaint back-filled into March). The report's 处理时限 counted it in March,
    the assessment charged the −2 to April: the two sheets of one report disagreed."""
    with time_machine.travel(dt.datetime(2026, 3, 31, 21, 0, tzinfo=T0.tzinfo), tick=False):
        ticket = advance(make_complaint(urgent=True), Status.DISPATCHED)
    step = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT)
    assert step.due_at.astimezone(T0.tzinfo).date() == dt.date(2026, 3, 31)
    april_first = dt.datetime(2026, 4, 1, 0, 1, tzinfo=T0.tzinfo)
    with time_machine.travel(april_first, tick=False):
        enforce_deadlines(now=april_first)
    breach = DeadlineAlert.objects.get(deadline=step, kind=DeadlineAlert.Kind.BREACH)
    assert breach.created_at.astimezone(T0.tzinfo).month == 4

    def charged(month: dt.date) -> list[Any]:
        rows = assessment_rows(departments=Department.objects.filter(pk=sales.pk), month=month)
        return [e["points"] for e in rows[0]["events"] if e["kind"] == "missed_deadline"]

    steps = {r["key"]: r for r in report_selectors.deadline_steps(month=MARCH, store_ids=[ticket.store_id])}
    assert steps["first_contact"]["missed"] == 1
    assert charged(MARCH) == [-2]
    assert charged(dt.date(2026, 4, 1)) == []
