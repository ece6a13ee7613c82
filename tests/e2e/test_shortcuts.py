"""Keyboard shortcuts in a real browser (issue #22 "a `?` shortcut overview instead of accesskey
hints that are wrong on Firefox and macOS"): on the agent's queue "?" opens the overview listing the
page's shortcuts in the page language, Esc closes it, a key typed in a text field stays there, "/"
focuses the search, "n" claims the next task and opens its call page, and "q" goes back to the queue.

Runs in every language × viewport variant of conftest.VARIANTS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from callbacks import services
from callbacks.models import CallbackTask, TaskStatus
from csat.models import DepartmentKind, Role
from tests.e2e.conftest import Variant
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_task() -> CallbackTask:
    store = StoreFactory(code="SZ01", name="深圳福田店")
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    StaffFactory(username="agent", name="李小燕", role=Role.AGENT, store=store)
    customer = CustomerFactory(store=store, name="陈伟")
    vehicle = VehicleFactory(customer=customer, store=store, plate="粤B12345", model="CX-5")
    SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - dt.timedelta(days=4))
    services.callback_tasks_generate()  # the delivery becomes a task due now
    return CallbackTask.objects.get(customer=customer)


def test_question_mark_shows_the_shortcuts_and_n_claims_the_next_task(
    page: Any, sign_in: Any, variant: Variant, shot: Any, queued_task: CallbackTask
) -> None:
    from playwright.sync_api import expect

    tr = variant.tr
    sign_in("agent")
    page.goto(page.base_url + "/callbacks/")  # waits for the load event: the scripts have run
    expect(page.get_by_test_id("queue-title")).to_be_visible()
    assert page.locator("[accesskey]").count() == 0  # the browser-specific modifiers are gone

    # "?" opens the overview: the page's own shortcut under its label, and the global ones.
    help_dialog = page.get_by_test_id("shortcut-help")
    expect(help_dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.get_by_role("heading")).to_have_text(tr("键盘快捷键"))
    expect(help_dialog.locator("[data-shortcut-row='n']")).to_contain_text(tr("领取下一个任务"))
    expect(help_dialog).to_contain_text(tr("搜索客户或工单"))
    shot("01-overview")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # "/" puts the cursor in the header's search box (opening the collapsed navigation on a tablet);
    # an "n" typed there is text, not a claim.
    page.keyboard.press("/")
    focus = page.locator(":focus")
    expect(focus).to_have_attribute("type", "search")
    page.keyboard.press("n")
    expect(focus).to_have_value("n")
    assert page.url.removeprefix(page.base_url).split("?")[0] == "/callbacks/"
    page.evaluate("document.activeElement.value = ''; document.activeElement.blur()")
    queued_task.refresh_from_db()
    assert queued_task.status != TaskStatus.IN_PROGRESS

    # "n" claims the next task: its call page opens, the task is the agent's.
    page.keyboard.press("n")
    expect(page.get_by_test_id("customer-card")).to_contain_text("陈伟")
    page.wait_for_load_state()  # the deferred scripts have run
    queued_task.refresh_from_db()
    assert queued_task.status == TaskStatus.IN_PROGRESS and queued_task.claimed_by.username == "agent"
    shot("02-claimed")

    # The call page lists its own shortcuts (the cursor starts on the outcome radios, which take no
    # letters); "q" goes back to the queue.
    page.keyboard.press("?")
    expect(help_dialog.locator("[data-shortcut-row='q']")).to_contain_text(tr("返回队列"))
    expect(help_dialog.locator("[data-shortcut-row='s']")).to_contain_text(tr("提交调查"))
    page.keyboard.press("Escape")
    page.keyboard.press("q")
    expect(page.get_by_test_id("queue-title")).to_be_visible()
