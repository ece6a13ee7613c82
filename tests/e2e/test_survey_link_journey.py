"""The customer's survey link on a 390 px phone (issue #24): the customer answers from the link with a
low score and remarks, sees the thank-you page; the agent then sees the task done, the link answered
and the dissatisfied ticket created. One compact journey, zh-hans (the customer's page is Chinese)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from callbacks.models import CallbackTask, Survey, TaskStatus
from callbacks.survey_items import items_for
from csat.models import Role
from surveylinks import services, tokens
from tests.factories import (
    DEFAULT_PASSWORD,
    CustomerFactory,
    SalesDeliveryFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)
from tests.fixtures import every_department

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_customer_answers_from_the_link_and_the_agent_sees_the_ticket(browser: Any, live_server: Any) -> None:
    from playwright.sync_api import expect

    store = every_department(StoreFactory(code="SL1", name="广州骏达店", phone="020-88886666"))
    agent = StaffFactory(username="huifang", name="李小燕", role=Role.AGENT, store=store)
    customer = CustomerFactory(store=store, name="陈女士")
    vehicle = VehicleFactory(customer=customer, store=store, plate="粤A12345", model="CX-5")
    due = timezone.now() - dt.timedelta(hours=1)
    task = CallbackTask.objects.create(
        store=store,
        type="sales",
        customer=customer,
        vehicle=vehicle,
        sale=SalesDeliveryFactory(vehicle=vehicle),
        due_at=due,
        expires_at=due + dt.timedelta(days=15),
    )
    link = services.survey_link_invite(task=task, actor=agent)
    url = f"{live_server.url}/s/{tokens.token_for(link.nonce)}/"

    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("服务满意度评价")
    expect(page.locator(".sl-car")).to_contain_text("粤A·***45")
    assert "12345" not in page.content() and "陈女士" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    for item in items_for("sales"):
        if item.mandatory:
            page.locator(f"input[name=item_{item.key}][value={item.values[0]}]").check()
    page.locator("input[name=score][value='4']").check()
    page.get_by_label("您的意见或建议（选填）").fill("交车时没有讲解保养。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("感谢您的评价！")
    page.go_back()  # the customer goes back and taps again: still the thank-you page, one survey
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("感谢您的评价！")
    assert errors == []
    phone.close()

    assert Survey.objects.filter(customer=customer).count() == 1
    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    page = desk.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "huifang")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.get_by_test_id("whoami")).to_be_attached()
    page.goto(f"{live_server.url}/callbacks/{task.pk}/")
    expect(page.get_by_test_id("survey-links")).to_contain_text("客户已自助作答")
    page.get_by_role("link", name="查看调查结果").click()
    expect(page.get_by_role("link", name="查看工单")).to_be_visible()
    desk.close()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.survey.complaint is not None


def test_five_dimension_link_reveals_the_reasons_of_a_low_rating(browser: Any, live_server: Any) -> None:
    """DOMAIN §2: a dimension rated ≤ 6 needs its low-score reasons. On a phone with :has() the reasons
    appear when a low rating is ticked (no script); the answer is scored like the agent's entry."""
    from playwright.sync_api import expect

    from callbacks.models import ReasonCode

    # A transactional test before this one may have flushed the seeded codes.
    if not ReasonCode.objects.filter(dimension="timeliness", active=True).exists():
        ReasonCode.objects.create(code="late_arrival", dimension="timeliness", label="到场时间不及时")
    store = every_department(StoreFactory(code="SL2", name="广州骏达店", phone="020-88886666"))
    agent = StaffFactory(username="huifang2", name="李小燕", role=Role.AGENT, store=store)
    customer = CustomerFactory(store=store, name="陈女士")
    vehicle = VehicleFactory(customer=customer, store=store, plate="粤A54321", model="CX-5")
    due = timezone.now() - dt.timedelta(hours=1)
    task = CallbackTask.objects.create(
        store=store,
        type="five_dimension",
        customer=customer,
        vehicle=vehicle,
        period="2026Q4",
        due_at=due,
        expires_at=due + dt.timedelta(days=15),
    )
    link = services.survey_link_invite(task=task, actor=agent)
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{tokens.token_for(link.nonce)}/")
    reasons = page.locator("input[name=reasons_timeliness]").first
    expect(reasons).to_be_hidden()
    for dim in ("skill", "attitude", "parts", "overall"):
        page.locator(f"input[name=rating_{dim}][value='9']").check()
    page.locator("input[name=rating_timeliness][value='5']").check()
    expect(reasons).to_be_visible()
    page.locator("input[name=rating_timeliness][value='8']").check()
    expect(reasons).to_be_hidden()
    page.locator("input[name=rating_timeliness][value='5']").check()
    reasons.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("感谢您的评价！")
    survey = Survey.objects.get(callback=task)
    assert survey.channel == "sms" and survey.ratings["timeliness"] == 5 and survey.score_used == 82
    assert survey.reason_codes.filter(dimension="timeliness").exists()
    phone.close()
