"""The printed 《客户投诉信息反馈单》 of a reopened ticket shows every round, and every round its
unanswered calls (未接通).

Source 003 (complaint-handling-procedure) 4.: "如客户不满意，则重新派发《客户投诉信息反馈单》" — the
form goes back to the department, and the ticket's fields then hold the last round only: the
re-dispatch overwrote the first dispatch time (it printed after the first call with the customer),
and 回访结果 printed the ticket's status ("已派单") instead of what the customer said at the follow-up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint, Status
from complaints.services import steps, workflow
from tests.fixtures import T0

pytestmark = pytest.mark.django_db


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|tr)>', html, re.S)
    assert match, testid
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def test_one_round_prints_the_follow_up_result_not_the_status(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    assert _text(html, "print-follow-up") == "尚未回访"
    assert _text(html, "print-dispatched") == "2026-03-11 10:00"
    clock.move_to(T0 + dt.timedelta(days=5, hours=1))
    workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied", note="客户认可")
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()  # a new day, a new sign-in
    assert _text(html, "print-follow-up") == "2026-03-16 11:00 满意 客户认可"
    assert "print-round-1" not in html


def test_a_reopened_ticket_prints_each_round(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)
    mgr = people["sales_mgr"]
    clock.move_to(T0 + dt.timedelta(days=5, hours=1))
    workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="unsatisfied", note="异响仍在")
    clock.move_to(T0 + dt.timedelta(days=5, hours=2))
    workflow.complaint_contact(
        complaint=ticket, actor=mgr, cause="部件松动", expectation="彻底修好", note="客户说高速仍有异响"
    )
    workflow.complaint_resolve(complaint=ticket, actor=mgr, result="更换支架后试车无异响")
    clock.move_to(T0 + dt.timedelta(days=11))
    workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.reopen_count == 1

    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    # The first dispatch, not the re-dispatch that overwrote the field.
    assert _text(html, "print-dispatched") == "2026-03-11 10:00"
    first, second = html.split('data-testid="print-round-1"')[1].split('data-testid="print-round-2"')
    assert "客户说交车时没检查" in first and "免费复检并赠送保养" in first and "客户接受方案" in first
    assert "2026-03-16 11:00 不满意 异响仍在" in re.sub(r"<[^>]+>|\s+", " ", first)
    second_text = re.sub(r"<[^>]+>|\s+", " ", second)
    assert "派单：2026-03-16 11:00" in second_text
    assert "客户说高速仍有异响" in second_text and "更换支架后试车无异响" in second_text
    assert "2026-03-22 10:00 满意" in second_text
    assert "已派单" not in html and "已关闭" not in second_text


def _attempts(html: str, testid: str) -> list[str]:
    """The unanswered calls listed in cell ``testid``, each as its text."""
    cell = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</td>', html, re.S)
    assert cell, testid
    return [
        re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", cell[1], re.S)
    ]


def test_the_form_lists_every_unanswered_call_in_the_order_made(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """Source 003 wants every attempt to reach the customer on record: the form printed only the
    call that got through (首次联系客户). A call logged late is listed when it was made."""
    ticket = advance(make_complaint(), Status.DISPATCHED)
    mgr = people["sales_mgr"]
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    assert 'data-testid="print-attempts"' not in html  # none made: no empty line on the form
    clock.move_to(T0 + dt.timedelta(minutes=20))
    steps.complaint_contact_attempt(complaint=ticket, actor=mgr, note="关机")
    clock.move_to(T0 + dt.timedelta(minutes=50))
    steps.complaint_contact_attempt(complaint=ticket, actor=mgr, note="无人接听")
    # Logged now, made at 10:05: it comes first.
    steps.complaint_contact_attempt(complaint=ticket, actor=mgr, called_at=T0 + dt.timedelta(minutes=5))
    clock.move_to(T0 + dt.timedelta(hours=1))
    workflow.complaint_contact(complaint=ticket, actor=mgr, note="客户说周末有空")
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    assert _attempts(html, "print-attempts") == [
        "2026-03-11 10:05",
        "2026-03-11 10:20 关机",
        "2026-03-11 10:50 无人接听",
    ]
    assert _text(html, "print-first-contact") == "2026-03-11 11:00"


def test_a_reopened_ticket_prints_each_rounds_unanswered_calls_in_its_round(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    mgr = people["sales_mgr"]
    clock.move_to(T0 + dt.timedelta(minutes=10))
    steps.complaint_contact_attempt(complaint=ticket, actor=mgr, note="占线")
    ticket = advance(ticket, Status.RESOLVED)
    clock.move_to(T0 + dt.timedelta(days=5, hours=1))
    workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="unsatisfied", note="异响仍在")
    clock.move_to(T0 + dt.timedelta(days=5, hours=1, minutes=30))
    steps.complaint_contact_attempt(complaint=ticket, actor=mgr, note="客户在开会")
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    assert _attempts(html, "print-round-1-attempts") == ["2026-03-11 10:10 占线"]
    assert _attempts(html, "print-round-2-attempts") == ["2026-03-16 11:30 客户在开会"]
    assert 'data-testid="print-attempts"' not in html  # the rounds list them, not the one-round line
    # The round's heading spans its lines, the unanswered calls' too.
    assert re.search(r'data-testid="print-round-2"><th rowspan="5">', html)
