"""The ticket page where people work (issue #22): the department's next step first, the others below,
a flash saying what happened and who was told, the follow-up form closed until its window opens, a
sticky action bar on phones, and the handling guidance for the department manager (the training
deck's eight steps, forbidden phrases and 三变法; the procedure's principles; 三查一综合 for quality).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from complaints.guidance import FORBIDDEN_PHRASES, GUIDE_STEPS, QUALITY_CHECKS
from complaints.models import Complaint, Status

pytestmark = pytest.mark.django_db


def _html(client: Client, ticket: Complaint) -> str:
    response = client.get(f"/complaints/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_department_sees_contact_first_then_the_other_actions_and_a_phone_action_bar(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    html = _html(browser(people["sales_mgr"]), ticket)
    contact = html.index('data-testid="action-contact"')
    others = [html.index(f'data-testid="action-{a}"') for a in ("return", "assign")]
    assert contact < min(others)
    assert html.index("下一步") < contact < html.index("其他操作")
    bar = html.split('data-testid="action-bar"')[1].split("</nav>")[0]
    assert 'href="#action-contact"' in bar and "已联系客户" in bar
    assert 'id="action-contact"' in html

    # In progress the proposal comes first; after the GM's approval, resolving it does.
    working = advance(make_complaint(), Status.IN_PROGRESS)
    html = _html(browser(people["sales_mgr"]), working)
    assert html.index('data-testid="action-propose"') < html.index('data-testid="action-progress"')
    approved = advance(make_complaint(), Status.AWAITING_APPROVAL)
    advance(approved, Status.IN_PROGRESS)  # approve → back in progress with an approved solution
    approved.refresh_from_db()
    assert approved.approval == "approved"
    html = _html(browser(people["sales_mgr"]), approved)
    assert html.index('data-testid="action-resolve"') < html.index('data-testid="action-progress"')


def test_the_next_step_is_open_and_further_actions_are_folded_until_one_fails(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """The manager's ticket page: the next step (a solution) is an open form; the progress report,
    the outcome, the assignee and the responsible staff are each folded to their name. A further
    action sent back with an error comes back unfolded, its error in view."""
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    page = browser(people["sales_mgr"])
    html = page.get(f"/complaints/{ticket.pk}/").content.decode()
    assert re.search(
        r'<form [^>]*class="card card-body mb-3 border-primary"[^>]*data-testid="action-propose"', html
    )
    folded = re.findall(r'<details class="card mb-2 other-action" data-testid="other-(\w+)"( open)?>', html)
    assert {name for name, _open in folded} >= {"progress", "resolve", "assign"}
    assert all(not is_open for _name, is_open in folded), folded
    response = page.post(f"/complaints/{ticket.pk}/progress/", {"note": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'data-testid="other-progress" open>', html)
    assert not re.search(r'data-testid="other-resolve" open>', html)
    assert ticket.events.filter(action="progress").count() == 0


def test_no_action_no_bar(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    viewer: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.CLOSED)
    # A closed ticket has no next step; customer care may still add an internal note.
    html = _html(browser(people["agent"]), ticket)
    assert 'data-testid="action-bar"' not in html and "您当前没有可执行的操作" not in html
    assert re.findall(r'data-testid="other-(\w+)"', html) == ["note"]
    # Head office reads it and may do nothing.
    html = _html(browser(viewer), ticket)
    assert 'data-testid="action-bar"' not in html and "您当前没有可执行的操作" in html


def test_the_flash_says_the_gm_received_the_proposal_with_compensation(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """DOMAIN §9 "The GM's gate": compensation needs the GM's approval; the flash says the GM was told."""
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    client = browser(people["sales_mgr"])
    response = client.post(
        f"/complaints/{ticket.pk}/propose/",
        {"solution": "免费更换刹车片", "compensation_amount": "800"},
        follow=True,
    )
    html = response.content.decode()
    gm = people["gm"]
    name = gm.get_full_name() or gm.username
    assert f"方案已提交总经理审批，总经理（{name}）已收到通知。" in html
    # The next, unrelated page view carries no flash any more.
    assert "已收到通知" not in _html(client, ticket)


def test_the_flash_without_anyone_told_says_only_what_happened(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    response = browser(people["sales_mgr"]).post(
        f"/complaints/{ticket.pk}/progress/", {"note": "配件已订，周五到店"}, follow=True
    )
    html = response.content.decode()
    assert "进度报告已提交。" in html and "已收到通知" not in html


def test_follow_up_form_is_disabled_with_its_opening_date_until_day_5(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """DOMAIN §4/§9: the follow-up is on day 5–7 after the result; before, the form says when it opens."""
    ticket = advance(make_complaint(), Status.RESOLVED, compensation=Decimal("0"))
    window = ticket.deadlines.get(kind="follow_up")
    html = _html(browser(people["agent"]), ticket)
    form = html.split('data-testid="action-follow_up"')[1].split("</form>")[0]
    opens = window.opens_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"{opens:%Y-%m-%d %H:%M}" in form
    assert "<fieldset disabled>" in form
    with time_machine.travel(window.opens_at + dt.timedelta(minutes=1), tick=False):
        form = _html(browser(people["agent"]), ticket).split('data-testid="action-follow_up"')[1]
        form = form.split("</form>")[0]
        assert "<fieldset disabled>" not in form and 'data-testid="follow-up-opens"' not in form


def test_department_manager_sees_the_handling_guidance_and_quality_checks_for_quality_complaints(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """Training deck (five-dimension-satisfaction.zh.txt): the 8 steps, the forbidden phrases and the
    三变法 where the department manager works; 三查一综合 only for product-quality complaints."""
    general = advance(make_complaint(category="sales"), Status.DISPATCHED)
    html = _html(browser(people["sales_mgr"]), general)
    block = html.split('data-testid="handling-guidance"')[1].split("</section>")[0]
    for text in (*GUIDE_STEPS, *FORBIDDEN_PHRASES):
        assert str(text) in block
    assert "三变法" in block and "双赢" in block
    assert 'data-testid="quality-checks"' not in block

    quality = advance(make_complaint(category="repair"), Status.DISPATCHED)
    html = _html(browser(people["sales_mgr"]), quality)
    checks = html.split('data-testid="quality-checks"')[1].split("</ol>")[0]
    assert all(str(item) in checks for item in QUALITY_CHECKS)
    # The agent has the guidance on the call screen, not here.
    assert 'data-testid="handling-guidance"' not in _html(browser(people["agent"]), quality)


def test_english_guidance(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(category="repair"), Status.DISPATCHED)
    client = browser(people["sales_mgr"])
    html = client.get(f"/complaints/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    block = html.split('data-testid="handling-guidance"')[1].split("</section>")[0]
    assert not re.search(r"[\u4e00-\u9fff]", block), block
