"""The 3-working-day progress report once the ticket is resolved: the running timer is no longer
needed and is cancelled, not met (a progress report and then a resolution showed two "进度报告"
rows, both 已完成 at the same minute, though one report was made). One already overdue stays a
missed report, charged once, in the timers table, the report's 处理时限 and the assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint, Deadline, DeadlineAlert, DeadlineKind, Status
from complaints.selectors import assessment_rows
from complaints.services import accountability, workflow
from complaints.services.deadlines import enforce_deadlines
from csat.models import Department
from reports import selectors as report_selectors
from tests.fixtures import T0

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _progress(ticket: Complaint) -> list[Deadline]:
    return list(
        Deadline.objects.filter(complaint=ticket, kind=DeadlineKind.PROGRESS_REPORT).order_by("sequence")
    )


def _report(ticket: Complaint) -> dict[str, Any]:
    rows = report_selectors.deadline_steps(month=MARCH, store_ids=[ticket.store_id])
    step = next(r for r in rows if r["key"] == DeadlineKind.PROGRESS_REPORT)
    return {k: step[k] for k in ("total", "met", "missed", "open")}


def _charged(department: Department) -> list[Any]:
    rows = assessment_rows(departments=Department.objects.filter(pk=department.pk), month=MARCH)
    return [e["points"] for e in rows[0]["events"] if e["kind"] == "missed_deadline"]


@pytest.fixture
def contacted(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Complaint:
    return advance(make_complaint(), Status.IN_PROGRESS)


def test_a_report_then_a_resolution_leaves_one_report_met_and_the_next_timer_cancelled(
    clock: Any, contacted: Complaint, people: dict[str, Any], sales: Department
) -> None:
    manager = people["sales_mgr"]
    clock.shift(dt.timedelta(hours=2))
    reported = T0 + dt.timedelta(hours=2)
    workflow.complaint_progress(complaint=contacted, actor=manager, note="配件周三到货")
    clock.shift(dt.timedelta(hours=1))
    resolved = T0 + dt.timedelta(hours=3)
    workflow.complaint_resolve(complaint=contacted, actor=manager, result="已更换配件")
    first, second = _progress(contacted)
    assert (first.met_at, first.cancelled_at) == (reported, None)
    # The timer the report started: no report was due or made; no longer needed.
    assert (second.met_at, second.cancelled_at, second.breached_at) == (None, resolved, None)
    contacted.refresh_from_db()
    assert contacted.next_due_kind == DeadlineKind.FOLLOW_UP  # the follow-up window is what is next
    # Counted once, met; the cancelled timer neither met nor missed.
    assert _report(contacted) == {"total": 1, "met": 1, "missed": 0, "open": 0}
    assert _charged(sales) == []


def test_a_resolution_within_the_first_3_working_days_needs_no_progress_report(
    clock: Any, contacted: Complaint, people: dict[str, Any]
) -> None:
    workflow.complaint_resolve(complaint=contacted, actor=people["sales_mgr"], result="当场解决")
    (timer,) = _progress(contacted)
    assert timer.met_at is None and timer.cancelled_at == T0 and timer.breached_at is None
    assert _report(contacted) == {"total": 0, "met": 0, "missed": 0, "open": 0}
    assert (
        report_selectors.open_past_three_days(
            month=MARCH, store_ids=[contacted.store_id], as_of=timer.due_at + dt.timedelta(days=1)
        )
        == []
    )


def test_an_overdue_report_stays_missed_and_is_charged_once(
    clock: Any, contacted: Complaint, people: dict[str, Any], sales: Department
) -> None:
    """Breached and recorded by the sweep before the resolution: the result reported back is the
    owed report, late (met, the breach stays); counted missed once, −2 once, and the ticket was
    open past its 3 working days."""
    (timer,) = _progress(contacted)
    swept = timer.due_at + dt.timedelta(minutes=1)
    clock.move_to(swept)
    enforce_deadlines(now=swept)
    clock.move_to(timer.due_at + dt.timedelta(hours=2))
    workflow.complaint_resolve(complaint=contacted, actor=people["sales_mgr"], result="已更换配件")
    (timer,) = _progress(contacted)
    assert timer.breached_at == swept and timer.met_at == timer.due_at + dt.timedelta(hours=2)
    assert timer.cancelled_at is None
    assert _report(contacted) == {"total": 1, "met": 0, "missed": 1, "open": 0}
    assert _charged(sales) == [-2]
    late = report_selectors.open_past_three_days(
        month=MARCH, store_ids=[contacted.store_id], as_of=timer.due_at + dt.timedelta(days=1)
    )
    assert [r["number"] for r in late] == [contacted.number]


def test_an_overdue_report_the_sweep_has_not_seen_yet_is_recorded_missed_at_the_resolution(
    clock: Any, contacted: Complaint, people: dict[str, Any], sales: Department
) -> None:
    (timer,) = _progress(contacted)
    clock.move_to(timer.due_at + dt.timedelta(seconds=30))  # beat has not swept yet
    workflow.complaint_resolve(complaint=contacted, actor=people["sales_mgr"], result="已更换配件")
    (timer,) = _progress(contacted)
    assert timer.breached_at is not None and timer.cancelled_at is None
    assert DeadlineAlert.objects.filter(deadline=timer, kind=DeadlineAlert.Kind.BREACH).count() == 1
    assert _report(contacted) == {"total": 1, "met": 0, "missed": 1, "open": 0}
    assert _charged(sales) == [-2]


def test_the_timers_table_shows_one_report_done_and_the_next_one_no_longer_needed(
    clock: Any, contacted: Complaint, people: dict[str, Any], browser: Callable[[Any], Client]
) -> None:
    manager = people["sales_mgr"]
    clock.shift(dt.timedelta(hours=2))
    workflow.complaint_progress(complaint=contacted, actor=manager, note="配件周三到货")
    clock.shift(dt.timedelta(hours=1))
    workflow.complaint_resolve(complaint=contacted, actor=manager, result="已更换配件")
    html = browser(manager).get(f"/complaints/{contacted.pk}/").content.decode()
    table = html.split('data-testid="deadlines"')[1].split("</table>")[0]
    rows = [r for r in table.split("</tr>") if "进度报告（每 3 个工作日）" in r]
    assert len(rows) == 2
    assert "已完成 03-11 12:00" in rows[0] and "已取消" not in rows[0]
    assert "已取消" in rows[1] and "已完成" not in rows[1]


def test_a_timer_stopped_after_its_breach_still_shows_the_breach(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    people: dict[str, Any],
    business: Department,
    browser: Callable[[Any], Client],
) -> None:
    """A 2-hour step breached, then transferred away: the row is stopped (已取消) and says the breach
    stays charged (超时), as a step met late does."""
    ticket = advance(make_complaint(), Status.DISPATCHED)
    step = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT)
    swept = step.due_at + dt.timedelta(minutes=1)
    clock.move_to(swept)
    enforce_deadlines(now=swept)
    accountability.complaint_transfer(
        complaint=ticket, actor=people["agent"], department=business, reason="属于维修问题"
    )
    html = browser(people["agent"]).get(f"/complaints/{ticket.pk}/").content.decode()
    table = html.split('data-testid="deadlines"')[1].split("</table>")[0]
    stopped = [r for r in table.split("</tr>") if "联系客户（2 小时）" in r and "已取消" in r]
    assert len(stopped) == 1 and '已取消 · <span class="text-danger">超时</span>' in stopped[0]
