"""The agent's journey in a real browser: sign in, open the queue, call, log a survey with a score
of 60, and see the dissatisfied ticket it created (dispatched to the sales department)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from callbacks import services
from callbacks.models import CallbackTask, Survey, TaskStatus
from complaints.models import Complaint, Kind
from csat.models import DepartmentKind, Role
from tests.factories import (
    DEFAULT_PASSWORD,
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SALES_ANSWERS = {
    "销售顾问的专业知识 *": "满意",
    "销售顾问的服务态度 *": "一般",
    "销售顾问是否对客户进行回访 *": "否",
    "车辆介绍（配置、价格）的过程 *": "满意",
    "交车服务（清洁、四项说明、介绍售后） *": "不满意",
}


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


def test_agent_logs_a_60_and_sees_the_dissatisfied_ticket(page: Any, shot: Any, journey_data: dict) -> None:
    from playwright.sync_api import expect

    task = journey_data["task"]

    # Sign in.
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    shot("01-login")
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page.get_by_test_id("whoami")).to_contain_text("李小燕")

    # Open the queue from the navigation.
    page.get_by_role("navigation").get_by_role("link", name="回访", exact=True).click()
    expect(page.get_by_test_id("queue-title")).to_be_visible()
    row = page.get_by_test_id(f"task-{task.pk}")
    expect(row).to_contain_text("陈伟")
    expect(row).to_contain_text("粤B·12345")
    shot("02-queue")

    # Claim it: the call page shows the customer card beside the forms.
    row.get_by_role("button", name=re.compile("领取并回访")).click()
    expect(page.get_by_test_id("customer-card")).to_contain_text("陈伟")
    shot("03-call-page")

    # The customer answers.
    page.get_by_test_id("attempt-form").get_by_label("已接通").check()
    page.get_by_test_id("attempt-submit").click()
    expect(page.get_by_test_id("attempts")).to_contain_text("已接通")
    shot("04-reached")

    # The survey, keyboard first: the score field has the focus.
    form = page.get_by_test_id("survey-form")
    score = form.get_by_label(re.compile("满意度分数"))
    score.click()
    page.keyboard.type("60")
    page.keyboard.press("Tab")
    for question, answer in SALES_ANSWERS.items():
        form.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()
    form.get_by_label("客户意见（原话）").fill("交车时很仓促，保养事项没讲清楚")
    expect(page.get_by_test_id("suggested-grade")).to_have_text("D")  # HTMX preview from the score
    shot("05-survey-filled")
    page.get_by_test_id("survey-submit").click()

    # The result: dissatisfied, grade D, and the ticket for the sales department.
    expect(page.get_by_test_id("classification")).to_have_text("回访不满意")
    expect(page.get_by_test_id("score-used")).to_contain_text("60")
    ticket = Complaint.objects.get()
    expect(page.get_by_test_id("ticket")).to_contain_text(ticket.number)
    expect(page.get_by_test_id("ticket")).to_contain_text("销售部")
    shot("06-result")

    assert ticket.kind == Kind.DISSATISFIED and ticket.department.kind == DepartmentKind.SALES
    survey = Survey.objects.get()
    assert survey.score_used == 60 and survey.complaint == ticket and survey.grade == "D"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    # Follow the link to the ticket itself.
    page.get_by_test_id("ticket").get_by_role("link").click()
    expect(page.locator("body")).to_contain_text(ticket.number)
    shot("07-ticket")
