"""Journey 4, customer care, in a real browser: the follow-up call on day 5 after resolution (time is
moved forward by the test; the live server runs in a thread of this process, so time_machine moves its
clock too) → unsatisfied → the ticket is re-dispatched → resolved again → day 5 again → satisfied →
已关闭; then the month's report is built from /reports/, its xlsx downloaded and opened.

Runs in every language × viewport variant of conftest.VARIANTS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.utils import timezone

from complaints.models import Complaint, DeadlineKind, Status
from complaints.services import deadlines, workflow
from tests.e2e.conftest import Variant, status_label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def resolve(ticket: Complaint, manager: Any, result: str) -> Complaint:
    """The sales manager's part, through the services: contact, a plain solution, resolve."""
    workflow.complaint_contact(complaint=ticket, actor=manager, note="已联系客户")
    workflow.complaint_propose(complaint=ticket, actor=manager, solution="免费补装脚垫和贴膜")
    return workflow.complaint_resolve(complaint=ticket, actor=manager, result=result)


def follow_up_window(ticket: Complaint) -> dt.datetime:
    window = deadlines.open_deadline(ticket, DeadlineKind.FOLLOW_UP)
    assert window is not None
    return window.opens_at


def record_follow_up(page: Any, outcome: str, note: str) -> None:
    form = page.get_by_test_id("action-follow_up")
    form.locator(f"input[name=outcome][value={outcome}]").check()
    form.locator("[name=note]").fill(note)
    form.locator("button[type=submit]").click()


def test_follow_up_reopens_then_closes_and_the_month_report_downloads(
    page: Any,
    shot: Any,
    sign_in: Any,
    resume_session: Any,
    variant: Variant,
    dealership: dict,
    dispatched_ticket: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    tr, lang = variant.tr, variant.lang
    manager = dealership["manager"]
    ticket = resolve(dispatched_ticket(), manager, "已补装脚垫和贴膜")
    assert ticket.status == Status.RESOLVED
    detail = page.base_url + f"/complaints/{ticket.pk}/"

    sign_in("kefu", shot=shot)
    page.goto(detail)
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.RESOLVED, lang))
    # Day 0: the follow-up form is closed and says when its window opens (day 5–7).
    window = f"{timezone.localtime(follow_up_window(ticket)):%Y-%m-%d %H:%M}"
    opens = page.get_by_test_id("follow-up-opens")
    expect(opens).to_contain_text(window)
    if lang == "zh-hans":
        expect(opens).to_contain_text("回访时间窗口将于")
    form = page.get_by_test_id("action-follow_up")
    expect(form.locator("input[name=outcome][value=satisfied]")).to_be_disabled()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.RESOLVED, lang))
    shot("02-too-early")

    with time_machine.travel(follow_up_window(ticket) + dt.timedelta(hours=1), tick=True) as traveller:
        # Day 5: the customer is still unhappy → the ticket goes back to the sales department.
        resume_session(dealership["care"])  # a new working day: yesterday's session has expired
        page.goto(detail)
        record_follow_up(page, "unsatisfied", "客户称贴膜有气泡，仍不满意")
        expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.DISPATCHED, lang))
        expect(page.get_by_test_id("timeline")).to_contain_text("客户称贴膜有气泡")
        shot("03-reopened")
        ticket.refresh_from_db()
        assert ticket.status == Status.DISPATCHED and ticket.reopen_count == 1

        # The manager resolves it again; day 5 of the new cycle.
        ticket = resolve(ticket, manager, "重新贴膜，客户现场验收")
        traveller.move_to(follow_up_window(ticket) + dt.timedelta(hours=1))

        resume_session(dealership["care"])
        page.goto(detail)
        expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.RESOLVED, lang))
        shot("04-resolved-again")
        record_follow_up(page, "satisfied", "客户对重新贴膜满意")
        expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.CLOSED, lang))
        expect(page.get_by_test_id("action-follow_up")).to_have_count(0)
        shot("05-closed")
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED and ticket.closed_at is not None

        # The month's report: build it from the dashboard, then download the xlsx.
        page.goto(page.base_url + "/reports/")
        shot("06-reports")
        # The five-dimension table fits its column at the desk (968 px in a 905 px box in English).
        dimensions = page.get_by_test_id("dimension-table")
        if variant.viewport == "1366x768":
            assert dimensions.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth + 1")
        page.get_by_test_id("build-report").click()
        version_row = page.locator("#versions tr[data-report]")
        expect(version_row).to_have_count(1)
        expect(version_row).to_contain_text("v1")
        shot("07-report-built")
        with page.expect_download() as info:
            version_row.get_by_role("link").click()
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)

    workbook = openpyxl.load_workbook(saved)
    summary_name = tr("汇总")  # the Summary sheet, in the language the report was built in
    assert workbook.sheetnames[0] == summary_name
    summary = workbook[summary_name]
    assert summary.max_row > 1 and summary.max_column > 1


def test_customer_care_transfers_a_dispatched_ticket_to_the_responsible_department(
    page: Any, shot: Any, sign_in: Any, variant: Variant, dealership: dict, dispatched_ticket: Any
) -> None:
    """Issue #18 (DOMAIN §9 "Who is responsible"): the after-sales problem was a part, not a sale —
    customer care moves the dispatched ticket to 配件部 on the ticket page, with a reason; a new
    2-hour callback step starts for the new department."""
    from playwright.sync_api import expect

    from csat.models import DepartmentKind

    parts = dealership["departments"][DepartmentKind.PARTS]
    ticket = dispatched_ticket("备件一直没到货，车停在店里一周了")
    sign_in("kefu", shot=shot)
    page.goto(page.base_url + f"/complaints/{ticket.pk}/")
    form = page.get_by_test_id("action-transfer")
    expect(form).to_be_hidden()  # a further action, folded to its name
    page.get_by_test_id("other-transfer").locator("summary", has_text=variant.tr("转派到其他部门")).click()
    expect(form).to_be_visible()
    form.locator("select[name=department]").select_option(str(parts.pk))
    form.locator("[name=reason]").fill("问题在配件到货，转配件部处理")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.DISPATCHED, variant.lang))
    expect(page.get_by_test_id("timeline")).to_contain_text("问题在配件到货")
    shot("08-transferred")
    ticket.refresh_from_db()
    assert ticket.department_id == parts.pk
    callbacks = ticket.deadlines.filter(kind=DeadlineKind.FIRST_CONTACT).order_by("sequence")
    assert [d.department_id for d in callbacks] == [dealership["sales"].pk, parts.pk]
    # The sales department's step stopped (not met, not breached); the parts department's runs.
    assert (callbacks[0].cancelled_at is not None, callbacks[1].cancelled_at, callbacks[1].met_at) == (
        True,
        None,
        None,
    )
