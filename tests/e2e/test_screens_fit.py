"""Screens a manager opens on a phone as often as at the desk: what matters is in view without
scrolling a table sideways, in both languages (conftest.DESK_AND_PHONE)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DESK_AND_PHONE, Variant, assert_page_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=DESK_AND_PHONE, ids=str)
def variant(request: Any) -> Variant:
    return request.param  # type: ignore[no-any-return]


def assert_in_view(part: Any, variant: Variant, what: str) -> None:
    """``part`` ends inside the screen and inside every box around it that would scroll sideways."""
    cut = part.evaluate(
        """e => { const r = e.getBoundingClientRect();
             if (r.right > innerWidth + 1) return "the screen";
             for (let b = e.parentElement; b; b = b.parentElement) {
               if (b.scrollWidth > b.clientWidth + 1 && getComputedStyle(b).overflowX !== "visible")
                 return b.className + " (" + b.scrollWidth + " px in " + b.clientWidth + ")"; }
             return ""; }"""
    )
    assert not cut, f"{what} is cut by {cut} at {variant}"


def test_a_tickets_deadlines_show_their_state_in_view(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The ticket's deadlines: each step's state (done, time left, overdue) in view and, on a phone,
    on the step's first line. It was a column beside the step broken into five lines, or out of
    sight in a table scrolled sideways (617 px in a 366 px box with the demo's tickets in English)."""
    from playwright.sync_api import expect

    ticket = dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(page.base_url + f"/complaints/{ticket.pk}/")
    rows = page.get_by_test_id("deadlines").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3  # hand-over, dispatch, contact the customer
    for i in range(rows.count()):
        state = rows.nth(i).locator("td.col-state")
        expect(state).not_to_be_empty()
        assert_in_view(state, variant, f"the state of deadline {i + 1}")
        step, department = rows.nth(i).locator("td.col-step"), rows.nth(i).locator("td.col-department")
        # the step and its state come first: on a phone, the department and due time under them
        assert state.bounding_box()["y"] < department.bounding_box()["y"] + 1 or variant.viewport != "390x844"
        assert step.bounding_box()["y"] <= department.bounding_box()["y"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_the_department_assessment_fits_the_screen_with_each_total_by_its_department(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The monthly department assessment: the page fits a phone (it was 543 px wide at 390 in
    English), each department's total on its line, the tickets behind a deduction and the
    manager's dispute field in view."""
    ticket = dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(page.base_url + "/complaints/assessment/")
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]
    row = page.get_by_test_id("assessment").locator("tbody tr", has_text=str(dealership["sales"].name))
    department, total = row.locator("td.col-department"), row.locator("td.col-total")
    assert (
        total.inner_text().strip().endswith("-1")
    )  # one general complaint, −1 (DOMAIN §5, department assessment)
    assert abs(total.bounding_box()["y"] - department.bounding_box()["y"]) < 4, "the total left its line"
    link = row.get_by_role("link", name=ticket.number)
    assert_in_view(link, variant, "the ticket behind the deduction")
    form = row.get_by_test_id("dispute-form")
    assert_in_view(form.get_by_role("button"), variant, "the dispute button")
    assert form.get_by_role("textbox").bounding_box()["width"] >= 120
    button = form.get_by_role("button")  # one line: "申/诉" broke in two at the desk and on a phone
    line = button.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert button.bounding_box()["height"] < 1.6 * line + 12, f"the dispute button wraps at {variant}"


def test_a_penalty_request_awaiting_the_gm_reads_whole(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The GM's approvals on a phone: a penalty request shows the ticket, then its reason as a line
    of its own and who asked (five squeezed columns; the header "Requested by" was cut)."""
    from complaints.models import Kind
    from complaints.services.accountability import complaint_penalty_request

    grievance = dispatched_ticket(content="回访时客户说销售顾问态度冷淡", kind=Kind.GRIEVANCE)
    complaint_penalty_request(
        complaint=grievance,
        actor=dealership["care"],
        reason="回访不满意后三个工作日未联系客户，客户再次来电投诉，申请对责任部门考核。",
    )
    sign_in("zongjingli")
    page.goto(page.base_url + "/complaints/approvals/")
    queue = page.get_by_test_id("penalty-queue")
    row = queue.locator("tbody tr", has_text=grievance.number)
    for part in (
        row.get_by_role("link", name=grievance.number),
        row.locator("td.col-reason"),
        row.locator("td.col-by"),
    ):
        assert_in_view(part, variant, part.inner_text())
    assert "王芳" in row.locator("td.col-by").inner_text()
    if variant.viewport == "390x844":  # the reason reads as a line of its own, not a squeezed column
        reason, card = row.locator("td.col-reason").bounding_box(), row.bounding_box()
        assert reason["width"] >= 0.8 * card["width"], (reason, card)
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_a_further_action_opens_from_its_name_or_a_link_to_it(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The ticket page's further actions are folded to their names under the next step; a link to
    one (#action-assign) opens it, and so does its name."""
    from playwright.sync_api import expect

    ticket = dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(page.base_url + f"/complaints/{ticket.pk}/")
    expect(page.get_by_test_id("action-contact")).to_be_visible()  # the next step, open
    assign = page.get_by_test_id("action-assign")
    expect(assign).to_be_hidden()
    page.goto(page.base_url + f"/complaints/{ticket.pk}/#action-assign")
    expect(assign.locator("[name=user]")).to_be_visible()
    page.goto(page.base_url + f"/complaints/{ticket.pk}/")
    expect(assign).to_be_hidden()
    page.get_by_test_id("other-assign").locator("summary").click()
    expect(assign.locator("[name=user]")).to_be_visible()


def test_the_customer_pages_tickets_surveys_and_callbacks_show_their_state_in_view(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The customer page on a phone: each ticket's status, each survey's score and grade, each
    callback's state in view (they were columns out of sight in tables scrolled sideways)."""
    import datetime as dt

    from django.utils import timezone

    from callbacks import services
    from callbacks.models import CallbackTask
    from callbacks.services import SurveyInput
    from tests.callbacks.test_services_surveys import SALES_ITEMS
    from tests.factories import SalesDeliveryFactory

    dispatched_ticket()
    SalesDeliveryFactory(vehicle=dealership["vehicle"], delivered_at=timezone.now() - dt.timedelta(days=4))
    services.callback_tasks_generate()
    task = CallbackTask.objects.get(customer=dealership["customer"])
    services.survey_submit(
        actor=dealership["care"], data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=task
    )
    sign_in("kefu")
    page.goto(page.base_url + f"/customers/{dealership['customer'].pk}/")
    for testid, what in (
        ("customer-complaint-row", "the ticket's status"),
        ("customer-survey-row", "the survey's grade"),
        ("customer-callback-row", "the callback's state"),
    ):
        row = page.get_by_test_id(testid).first
        assert_in_view(row.locator("td.col-end").last, variant, what)
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_the_change_history_shows_each_change_in_view(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The audit log on a phone: when, who and what first, then the changes at full width (a table
    scrolled sideways hid them)."""
    dispatched_ticket()
    sign_in("kefu")
    page.goto(page.base_url + "/audit/")
    row = page.get_by_test_id("history-row").first
    changes = row.locator("td.col-changes")
    assert_in_view(changes, variant, "the changes")
    if variant.viewport == "390x844":
        assert changes.bounding_box()["width"] >= 0.8 * row.bounding_box()["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_on_a_phone_buttons_show_no_keyboard_hints(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any]
) -> None:
    """The callback page's "back to queue" shows its key (q) at the desk only: on a phone the hint
    pushed the words onto two lines."""
    import datetime as dt

    from django.utils import timezone

    from callbacks import services
    from callbacks.models import CallbackTask
    from tests.factories import SalesDeliveryFactory

    SalesDeliveryFactory(vehicle=dealership["vehicle"], delivered_at=timezone.now() - dt.timedelta(days=4))
    services.callback_tasks_generate()
    task = CallbackTask.objects.get(customer=dealership["customer"])
    sign_in("kefu")
    page.goto(page.base_url + f"/callbacks/{task.pk}/")
    back = page.locator("a[data-shortcut=q]")
    hint = back.locator("kbd")
    if variant.viewport == "390x844":
        assert not hint.is_visible()
        line = back.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert back.bounding_box()["height"] < 2 * line + 4, "the button's words wrap"
    else:
        assert hint.is_visible()


# How many lines each "name: __________" of a paragraph spans, read from the laid-out text (whatever
# elements hold it).
SIGNATURE_LINES_JS = r"""(p) => {
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT), nodes = [];
  let total = 0;
  while (walker.nextNode()) { nodes.push([walker.currentNode, total]); total += walker.currentNode.length; }
  const at = (offset, end) => {
    for (const [node, from] of nodes)
      if (end ? offset <= from + node.length : offset < from + node.length) return [node, offset - from];
  };
  const text = nodes.map(([node]) => node.data).join(""), lines = [];
  let from = 0;
  for (const part of text.split("__________").slice(0, -1)) {
    const range = document.createRange();
    range.setStart(...at(from + part.length - part.trimStart().length, false));
    range.setEnd(...at(from + part.length + 10, true));
    lines.push(new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size);
    from += part.length + 10;
  }
  return lines;
}"""


def test_the_printed_feedback_form_fits_a_phone_and_keeps_its_four_columns_on_paper(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The printed 客户投诉信息反馈单 opened on a phone: it was 444 px wide at 390 (the form scrolled
    sideways); now each label sits over or beside its value. Printed (A4), the four-column form
    is as before: two label/value pairs on a line."""
    from complaints.services import steps

    ticket = dispatched_ticket()
    steps.complaint_contact_attempt(
        complaint=ticket, actor=dealership["manager"], note="客户手机关机，稍后再拨"
    )
    sign_in("kefu")
    page.goto(page.base_url + f"/complaints/{ticket.pk}/print/")
    form = page.get_by_test_id("print-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]
    name = form.locator("tr").first.locator("th, td")
    for i in range(name.count()):
        assert_in_view(name.nth(i), variant, f"cell {i + 1} of the first line")
    attempts = page.get_by_test_id("print-attempts")
    assert "客户手机关机，稍后再拨" in attempts.inner_text()
    assert_page_in(page, variant)  # its labels (未接通 too) in English
    assert_in_view(attempts, variant, "the unanswered calls")

    def first_line_tops() -> list[float]:
        return [name.nth(i).bounding_box()["y"] for i in range(name.count())]

    # Each signature's name and its blank on one line (a phone broke "部门经理签字" from its blank).
    lines = (
        page.get_by_test_id("print-form")
        .locator("xpath=following-sibling::p[1]")
        .evaluate(SIGNATURE_LINES_JS)
    )
    assert len(lines) == 3 and set(lines) == {1}, lines
    tops = first_line_tops()
    if variant.viewport == "390x844":  # the phone number's pair under the name's
        assert tops[0] == tops[1] and tops[2] > tops[0] + 10, tops
    else:
        assert len(set(tops)) == 1, tops
    # On paper (A4 at 96 dpi, whatever the screen it was printed from): the four columns, one line.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    assert len(set(first_line_tops())) == 1, first_line_tops()
    page.set_viewport_size(variant.size)
    assert len(set(first_line_tops())) == 1, "printed from a phone, the form keeps its four columns"
