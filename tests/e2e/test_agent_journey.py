"""Journey 1, the agent, in a real browser: sign in → the dashboard's figures → the work queue → the
customer card → a call attempt → the after-sales… here the sales survey, filled in with the keyboard
only (Tab, Shift+Tab, Space, arrows, Enter), a score of 60, level "一般" answers and a remark → the
dissatisfied ticket for the sales department → the dashboard's figures have changed.

Runs in every language × viewport variant of conftest.VARIANTS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from callbacks import services
from callbacks.models import CallbackTask, Survey, TaskStatus
from complaints.models import Complaint, Kind
from csat.models import DepartmentKind, Role
from tests.e2e.conftest import Variant, open_nav
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The sales survey's items in page order, each with the position of the answer in its radio group
# (满意 0, 一般 1, 不满意 2; 是 0, 否 1).
SALES_ANSWERS = {
    "item_consultant_knowledge": 0,
    "item_consultant_attitude": 1,
    "item_consultant_follow_up": 1,
    "item_vehicle_introduction": 0,
    "item_delivery": 2,
}
REMARK = "交车时很仓促，保养事项没讲清楚"

# The focused control: its name, position, whether it is a radio, and whether a focus ring shows
# (Bootstrap draws it as a box-shadow, the browser's default as an outline).
FOCUSED_JS = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {name: el.name || "", type: el.type || "", tag: el.tagName, top: box.top + scrollY,
          bottom: box.bottom + scrollY, left: box.left + scrollX, ring: outline || style.boxShadow !== "none"};
}"""

# The form's keyboard stops in document order: every enabled, visible control, a radio group once.
STOPS_JS = """form => {
  const seen = new Set(), stops = [];
  for (const el of form.elements) {
    const box = el.getBoundingClientRect();
    if (el.type === "hidden" || el.disabled || el.tabIndex < 0 || !box.width || !box.height) continue;
    const key = el.type === "radio" ? "radio:" + el.name : el.name + ":" + el.id;
    if (!seen.has(key)) { seen.add(key); stops.push(el.name || el.tagName); }
  }
  return stops;
}"""


@pytest.fixture
def journey_data() -> dict[str, Any]:
    store = StoreFactory(code="SZ01", name="深圳福田店")
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    agent = StaffFactory(username="agent", name="李小燕", role=Role.AGENT, store=store)
    customer = CustomerFactory(store=store, name="陈伟")
    vehicle = VehicleFactory(customer=customer, store=store, plate="粤B12345", model="CX-5")
    SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - dt.timedelta(days=4))
    services.callback_tasks_generate()  # what beat runs hourly: the delivery becomes a task due now
    return {"agent": agent, "customer": customer, "task": CallbackTask.objects.get(customer=customer)}


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(FOCUSED_JS)  # type: ignore[no-any-return]


def tab(page: Any, stops: list[dict[str, Any]]) -> dict[str, Any]:
    """Tab to the next control; it must show a focus ring. Records the stop."""
    page.keyboard.press("Tab")
    now = focused(page)
    assert now["ring"], f"no visible focus ring on {now}"
    stops.append(now)
    return now


def fill_survey_by_keyboard(page: Any, variant: Variant) -> list[dict[str, Any]]:
    """The survey form with the keyboard only; returns the focus stops from the channel to submit."""
    from playwright.sync_api import expect

    form = page.get_by_test_id("survey-form")
    form.locator("[name=channel]").focus()  # where the agent lands after the call is connected
    stops = [focused(page)]
    assert stops[0]["name"] == "channel" and stops[0]["ring"]

    assert tab(page, stops)["name"] == "score"
    page.keyboard.type("60")
    assert tab(page, stops)["name"] == "level"
    assert tab(page, stops)["name"] == "level_value"

    # The radio groups, one Tab stop each: Tab enters a group on its first radio, Space picks it, an
    # arrow moves on and picks the next one; optional groups are passed over. Shift+Tab goes back a
    # group and Tab returns to the same radio.
    now = tab(page, stops)
    while now["type"] == "radio":
        name = now["name"]
        answer = SALES_ANSWERS.get(name)
        if answer is not None:
            if answer == 0:
                page.keyboard.press("Space")
            for _ in range(answer):
                page.keyboard.press("ArrowRight")
            expect(form.locator(f"input[name={name}]").nth(answer)).to_be_checked()
            assert focused(page)["name"] == name
        if name == "item_consultant_attitude":
            page.keyboard.press("Shift+Tab")
            assert focused(page)["name"] == "item_consultant_knowledge"
            page.keyboard.press("Tab")
            assert focused(page)["name"] == name
        now = tab(page, stops)
    assert {stop["name"] for stop in stops} >= set(SALES_ANSWERS)

    # Then the rest of the form up to the submit button; the remark is typed on the way.
    while now["tag"] != "BUTTON":
        if now["name"] == "remarks":
            page.keyboard.type(REMARK)
        now = tab(page, stops)
    expect(page.get_by_test_id("suggested-grade")).to_have_text("D")  # HTMX preview from the score
    expect(form.get_by_label(variant.tr("客户意见（原话）"))).to_have_value(REMARK)
    return stops


def assert_focus_order(page: Any, stops: list[dict[str, Any]]) -> None:
    """Tab visited every control once, in document order (a radio group once), and never jumped back
    up the page: the next stop is further down, or beside it (boxes overlapping vertically) to the right."""
    expected = page.get_by_test_id("survey-form").evaluate(STOPS_JS)
    assert [stop["name"] or stop["tag"] for stop in stops] == expected
    for before, after in zip(stops, stops[1:], strict=False):
        beside = after["top"] < before["bottom"] and before["top"] < after["bottom"]
        below = after["top"] >= before["bottom"] - 1
        assert (beside and after["left"] > before["left"]) or (below and not beside), (before, after)


def test_agent_logs_a_60_and_sees_the_dissatisfied_ticket(
    page: Any, shot: Any, sign_in: Any, variant: Variant, journey_data: dict
) -> None:
    from playwright.sync_api import expect

    task = journey_data["task"]
    tr = variant.tr

    sign_in("agent", shot=shot)
    expect(page.get_by_test_id("whoami")).to_contain_text("李小燕")

    # The dashboard before the call: nothing done today.
    page.goto(page.base_url + "/callbacks/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("回访指标"))
    expect(page.get_by_test_id("today")).to_have_text("0 / 0")
    average_before = page.get_by_test_id("average").inner_text()
    shot("02-dashboard-before")

    # Open the queue from the navigation (behind the toggler on a tablet).
    open_nav(page).get_by_role("link", name=tr("回访"), exact=True).click()
    expect(page.get_by_test_id("queue-title")).to_be_visible()
    row = page.get_by_test_id(f"task-{task.pk}")
    expect(row).to_contain_text("陈伟")
    expect(row).to_contain_text("粤B·12345")
    shot("03-queue")

    # Claim it: the call page shows the customer card beside the forms.
    row.get_by_role("button", name=tr("领取并回访")).click()
    expect(page.get_by_test_id("customer-card")).to_contain_text("陈伟")
    shot("04-call-page")

    # The customer answers.
    page.get_by_test_id("attempt-form").get_by_label(tr("已接通")).check()
    page.get_by_test_id("attempt-submit").click()
    expect(page.get_by_test_id("attempts")).to_contain_text(tr("已接通"))
    shot("05-reached")

    # The survey with the keyboard only, then Enter on the submit button.
    stops = fill_survey_by_keyboard(page, variant)
    assert_focus_order(page, stops)
    assert (
        stops[-1]["name"] == "" and page.evaluate("document.activeElement.dataset.testid") == "survey-submit"
    )
    shot("06-survey-filled")
    page.keyboard.press("Enter")

    # The result: dissatisfied, grade D, and the ticket for the sales department.
    expect(page.get_by_test_id("classification")).to_have_text(tr("回访不满意"))
    expect(page.get_by_test_id("score-used")).to_contain_text("60")
    ticket = Complaint.objects.select_related("department").get()
    department = ticket.department
    assert department is not None and department.kind == DepartmentKind.SALES
    expect(page.get_by_test_id("ticket")).to_contain_text(ticket.number)
    expect(page.get_by_test_id("ticket")).to_contain_text(tr("责任部门"))
    expect(page.get_by_test_id("ticket")).to_contain_text(department.name)  # data: as the store named it
    shot("07-result")

    assert ticket.kind == Kind.DISSATISFIED
    survey = Survey.objects.get()
    assert survey.score_used == 60 and survey.complaint == ticket and survey.grade == "D"
    assert survey.remarks == REMARK
    assert survey.items == {
        "consultant_knowledge": "satisfied",
        "consultant_attitude": "average",
        "consultant_follow_up": "no",
        "vehicle_introduction": "satisfied",
        "delivery": "dissatisfied",
    }
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    # Follow the link to the ticket itself.
    page.get_by_test_id("ticket").get_by_role("link").click()
    expect(page.locator("body")).to_contain_text(ticket.number)
    shot("08-ticket")

    # The dashboard now counts the call and the survey, and the month's average moved to 60.
    page.goto(page.base_url + "/callbacks/dashboard/")
    expect(page.get_by_test_id("today")).to_have_text("1 / 1")
    expect(page.get_by_test_id("average")).to_contain_text("60.0")
    assert page.get_by_test_id("average").inner_text() != average_before
    shot("09-dashboard-after")
