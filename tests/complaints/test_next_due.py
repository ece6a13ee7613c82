"""A ticket's next deadline is stored on the ticket (the board ranks by it with an index): it must
equal the soonest open deadline after every step of the workflow, a reopening, and a calendar change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from complaints import selectors
from complaints.models import Complaint, Deadline, Status
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from csat import services as csat_services
from tests.fixtures import at

pytestmark = pytest.mark.django_db


def _soonest(ticket: Complaint) -> tuple[dt.datetime | None, str]:
    open_ = Deadline.objects.filter(complaint=ticket, met_at=None, cancelled_at=None).order_by("due_at", "id")
    first = open_.first()
    return (first.due_at, first.kind) if first else (None, "")


def _stored(ticket: Complaint) -> tuple[dt.datetime | None, str]:
    fresh = Complaint.objects.get(pk=ticket.pk)
    return fresh.next_due_at, fresh.next_due_kind


def test_every_step_keeps_the_stored_next_deadline(
    clock: Any, make_complaint: Callable[..., Complaint], people: dict[str, Any], sales: Any
) -> None:
    agent, mgr, gm = people["agent"], people["sales_mgr"], people["gm"]
    seen: list[str] = []

    def check(ticket: Complaint) -> Complaint:
        assert _stored(ticket) == _soonest(ticket), ticket.status
        # The copy the service returned is current too (a later save must not write back a stale value).
        assert (ticket.next_due_at, ticket.next_due_kind) == _soonest(ticket), ticket.status
        seen.append(ticket.next_due_kind)
        return ticket

    ticket = check(make_complaint())
    ticket = check(workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales))
    ticket = check(
        workflow.complaint_contact(
            complaint=ticket, actor=mgr, cause="漏检", expectation="道歉", note="客户说明"
        )
    )
    ticket = check(workflow.complaint_progress(complaint=ticket, actor=mgr, note="配件已订"))
    ticket = check(
        workflow.complaint_propose(complaint=ticket, actor=mgr, solution="赠送保养", compensation_amount=300)
    )
    ticket = check(workflow.complaint_approve(complaint=ticket, actor=gm, comment="同意"))
    ticket = check(workflow.complaint_resolve(complaint=ticket, actor=mgr, result="客户接受方案"))
    with time_machine.travel(dt.timedelta(days=5, hours=1)):
        ticket = check(workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="unsatisfied"))
        assert ticket.status == Status.DISPATCHED and ticket.reopen_count == 1
        ticket = check(
            workflow.complaint_contact(
                complaint=ticket, actor=mgr, cause="复检", expectation="更换", note="客户说明"
            )
        )
        ticket = check(workflow.complaint_resolve(complaint=ticket, actor=mgr, result="已更换"))
    with time_machine.travel(dt.timedelta(days=11)):
        ticket = check(workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied"))
    assert ticket.status == Status.CLOSED
    # The test walked through every kind of timer, and a closed ticket has none left.
    assert {"dispatch", "first_contact", "progress_report", "follow_up"} <= set(seen)
    assert _stored(ticket) == (None, "")


def test_a_breach_keeps_the_deadline_as_next_until_it_is_met(
    clock: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint()
    due = ticket.next_due_at
    enforce_deadlines(now=due + dt.timedelta(minutes=5))
    assert _stored(ticket) == _soonest(ticket) == (due, "dispatch")


def test_a_calendar_change_moves_the_stored_next_deadline(make_complaint: Callable[..., Complaint]) -> None:
    with time_machine.travel(at(2026, 3, 13, 17, 15), tick=False):  # Friday, after hours
        ticket = make_complaint()
    before = _stored(ticket)
    assert before[0] == at(2026, 3, 16, 8, 45)  # dispatch: Monday morning
    csat_services.calendar_override_set(date=dt.date(2026, 3, 16), is_working_day=False, note="门店停电")
    assert _stored(ticket) == _soonest(ticket) == (at(2026, 3, 17, 8, 45), "dispatch")


def _numbers(html: str, testid: str) -> list[str]:
    start = html.index(f'data-testid="{testid}"')
    group = html[start : html.index("</tbody>", start)]  # one group of rows of the queue's table
    return re.findall(r'href="/complaints/\d+/">([^<]+)</a>', group)


def test_the_managers_queue_shows_the_most_urgent_rows_of_each_section_and_links_to_all(
    monkeypatch: pytest.MonkeyPatch,
    clock: Any,
    sales_mgr: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    monkeypatch.setattr(selectors, "QUEUE_ROWS", 2)
    clock.move_to(at(2026, 3, 11, 17, 0))
    late = [advance(make_complaint(urgent=True), Status.DISPATCHED) for _ in range(3)]  # due 19:00
    on_time = [advance(make_complaint(), Status.DISPATCHED) for _ in range(3)]  # due tomorrow 10:00
    working = advance(make_complaint(), Status.IN_PROGRESS)
    clock.move_to(at(2026, 3, 11, 19, 1))
    enforce_deadlines()
    client = Client()
    client.force_login(sales_mgr)
    html = client.get("/complaints/").content.decode()

    # Each ticket in one group: the overdue new dispatches under "overdue" only.
    assert re.search(r'data-testid="count-new">3<', html)
    assert re.search(r'data-testid="count-breached">3<', html)
    assert re.search(r'data-testid="count-open">1<', html)
    assert _numbers(html, "queue-new") == [t.number for t in on_time[:2]]
    assert _numbers(html, "queue-breached") == [t.number for t in late[:2]]
    assert _numbers(html, "queue-open") == [working.number]
    assert 'href="/complaints/list/?status=dispatched&amp;breached=0" data-testid="more-new"' in html
    assert 'href="/complaints/list/?breached=1" data-testid="more-breached"' in html
    assert 'data-testid="more-open"' not in html  # one ticket, all shown

    # The new dispatches' list: exactly that group's tickets (not overdue), and its count.
    listed = client.get("/complaints/list/?status=dispatched&breached=0").content.decode()
    assert sorted(_numbers(listed, "ticket-list")) == sorted(t.number for t in on_time)
    assert re.search(r'data-testid="list-count">3<', listed)

    # The breached list has every breached ticket and nothing else, in every page.
    listed = client.get("/complaints/list/?breached=1").content.decode()
    assert sorted(_numbers(listed, "ticket-list")) == sorted(t.number for t in late)
    assert all(t.number not in listed for t in on_time)
    assert re.search(r'data-testid="list-count">3<', listed)
