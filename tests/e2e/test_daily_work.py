"""Issue #22's daily work in a real browser, in Chinese and English, at 1366×768 and on a 390 px phone
(conftest.DESK_AND_PHONE; four runs per journey):

- customer care: a home count opens exactly its rows → the full list filtered by department → the
  filter saved as a view whose count in the side list is live → opened again from the side list →
  the header search by a plate's last digits (the result shows the plate) and by a ticket number (it
  opens the ticket) → a photo attached to the ticket and downloaded; the manager of another
  department gets a 404 and no file;
- the agent: a failed call holds the task out of the queue and out of "领取下一个任务" until its
  next-try time, which the task's page shows; a survey submitted half-filled shows the error summary
  with a link to each error and the cursor on the first one; past the time the task is back.

Each step also checks (``step``) that every control is labelled, that an English page has no Chinese
wording of its own, and that the page is no wider than the screen.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from callbacks import selectors as callback_selectors
from callbacks import services as callback_services
from callbacks.models import CallAttempt, CallbackTask, Outcome, Survey
from complaints.models import ComplaintAttachment, Status
from complaints.services import workflow
from csat.models import DepartmentKind, Role
from tests.e2e.conftest import DESK_AND_PHONE, Variant, open_nav, status_label
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=DESK_AND_PHONE, ids=str)
def variant(request: Any) -> Variant:
    """This module's runs: each language at the desk and on a phone (overrides conftest's)."""
    return request.param  # type: ignore[no-any-return]


def png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG (the upload's type is judged by its content)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


# The innermost elements sticking out of the screen on the right, to name what makes a page too wide.
WIDER_THAN_SCREEN_JS = r"""() => [...document.body.querySelectorAll("*")]
  .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
  .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5).map(el => el.outerHTML.slice(0, 160))"""


@pytest.fixture
def step(shot: Any, page: Any, variant: Variant) -> Any:
    """shot() plus, on the phone, nothing wider than the screen (wide tables scroll in their box)."""

    def take(name: str) -> None:
        shot(name)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > variant.size["width"]:
            wide = page.evaluate(WIDER_THAN_SCREEN_JS)
            raise AssertionError(f"{page.url} is {width}px wide at {variant}: {wide}")

    return take


def list_numbers(page: Any) -> list[str]:
    """The ticket numbers the complaint list shows, top to bottom."""
    return sorted(page.get_by_test_id("ticket-list").locator("tbody td.col-number a").all_inner_texts())


def header_search(page: Any, text: str) -> None:
    """Type into the header's search box (behind the toggler on a phone) and press Enter."""
    open_nav(page)
    box = page.get_by_test_id("header-search").locator("input[type=search]")
    box.fill(text)
    box.press("Enter")


# --- Customer care: home counts, the list's filters and saved views, search, attachments ---------


def test_care_counts_lists_views_search_and_attachments(
    page: Any,
    shot: Any,
    step: Any,
    sign_in: Any,
    resume_session: Any,
    variant: Variant,
    dealership: dict,
    dispatched_ticket: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    tr = variant.tr
    care, store = dealership["care"], dealership["store"]
    other = CustomerFactory(store=store, name="林晓")
    VehicleFactory(customer=other, store=store, plate="粤A67890", model="Model Y")
    # Two dispatched to sales, two registered by customer care and waiting to be dispatched.
    sales = [dispatched_ticket(), dispatched_ticket("四个月了承诺的装饰还没做")]
    waiting = [
        workflow.complaint_create(
            actor=care, customer=other, content=text, received_by_department=dealership["care_dept"]
        )
        for text in ("保养后车内有油污", "等候时间太长")
    ]
    assert {t.status for t in waiting} == {Status.REGISTERED}
    service_manager = StaffFactory(
        username="shouhou",
        name="孙涛",
        role=Role.DEPARTMENT_MANAGER,
        store=store,
        department=dealership["departments"][DepartmentKind.SERVICE],
    )

    sign_in("kefu", shot=shot)

    # Home: "待派单" counts the two registered tickets; the number opens exactly those.
    page.goto(page.base_url + "/")
    expect(page.get_by_test_id("tile-count-dispatch")).to_have_text("2")
    step("02-home")
    page.get_by_test_id("tile-link-dispatch").click()
    expect(page.get_by_test_id("list-count")).to_have_text("2")
    assert list_numbers(page) == sorted(t.number for t in waiting)
    expect(page.get_by_test_id("chip")).to_contain_text(status_label(Status.REGISTERED, variant.lang))
    step("03-home-count-list")

    # On a phone the tickets come first: the filters and the bulk bar wait behind two buttons, the
    # first ticket is on the first screen (it was below eight view rows, the filters and the bulk bar).
    bar = page.get_by_test_id("filter-bar")
    if variant.viewport == "390x844":
        expect(bar).to_be_hidden()
        expect(page.get_by_test_id("bulk-form").get_by_role("button", name=tr("执行"))).to_be_hidden()
        first = page.get_by_test_id("ticket-list").locator("tbody tr").first.bounding_box()
        assert first["y"] + first["height"] <= 844, first
        page.get_by_test_id("filter-toggle").click()
    # The full list filtered by the responsible department (every open status): the two sales tickets.
    bar.get_by_test_id("filter-status").select_option("")
    bar.get_by_test_id("filter-department").select_option(str(dealership["sales"].pk))
    bar.get_by_role("button", name=tr("筛选"), exact=True).click()
    expect(page).to_have_url(re.compile(rf"department={dealership['sales'].pk}"))  # the new list
    expect(page.get_by_test_id("list-count")).to_have_text("2")
    assert list_numbers(page) == sorted(t.number for t in sales)
    expect(page.get_by_test_id("chip")).to_contain_text(str(dealership["sales"].name))
    if variant.lang == "zh-hans" and variant.viewport == "1366x768":
        # At the desk every column fits, the time left (last) included: no sideways scroll in Chinese.
        table = page.get_by_test_id("ticket-list").locator(
            "xpath=ancestor::div[contains(@class,'table-responsive')]"
        )
        assert table.evaluate("e => e.scrollWidth <= e.clientWidth"), table.evaluate(
            "e => [e.scrollWidth, e.clientWidth]"
        )

    # Saved as a view: it appears in the side list, current, with its count.
    saver = page.get_by_test_id("view-save")
    saver.get_by_label(tr("视图名称")).fill("Sales open")
    saver.get_by_role("button", name=tr("保存"), exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Sales open")).to_be_visible()
    view = page.get_by_test_id("views").locator("[data-testid^=view-saved-]")
    expect(view).to_have_count(1)
    expect(view.get_by_role("link")).to_have_text("Sales open")
    expect(view.get_by_role("link")).to_have_attribute("aria-current", "page")
    expect(view.locator("[data-testid^=view-count-]")).to_have_text("2")
    step("04-view-saved")

    # The count is live: a third ticket for sales arrives, the side list counts it.
    sales.append(dispatched_ticket("试驾车况与宣传不符"))
    page.get_by_role("link", name=tr("清除筛选")).click()
    expect(page.get_by_test_id("list-count")).to_have_text("5")
    expect(view.get_by_role("link")).not_to_have_attribute("aria-current", "page")
    expect(view.locator("[data-testid^=view-count-]")).to_have_text("3")

    # Opened again from the side list: exactly the sales tickets, the view current.
    view.get_by_role("link").click()
    expect(page.get_by_test_id("list-count")).to_have_text("3")
    expect(view.get_by_role("link")).to_have_attribute("aria-current", "page")
    assert list_numbers(page) == sorted(t.number for t in sales)
    step("05-view-opened")

    # The header search: a plate's last four digits find its owner, the result shows the plate …
    header_search(page, "2345")
    results = page.get_by_test_id("customer-results")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("陈伟")
    expect(results.get_by_test_id("plates")).to_contain_text("粤B·12345")
    step("06-search-plate")
    # … and a ticket number opens the ticket.
    ticket = sales[0]
    header_search(page, ticket.number)
    expect(page).to_have_url(re.compile(rf"/complaints/{ticket.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)

    # A photo attached to the ticket (the file field; on a phone the camera button is beside it) …
    photo = png()
    attachments = page.get_by_test_id("attachments")
    form = attachments.get_by_test_id("attachment-form")
    form.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": photo}]
    )
    form.get_by_label(tr("说明")).fill("脚垫缺失照片")
    form.get_by_role("button", name=tr("上传附件")).click()
    expect(page.get_by_role("alert").filter(has_text=tr("附件已上传。"))).to_be_visible()
    item = attachments.get_by_test_id("attachment")
    expect(item).to_have_count(1)
    expect(item.locator("img")).to_have_attribute("alt", "脚垫缺失照片")  # a thumbnail
    step("07-attached")
    stored = ComplaintAttachment.objects.get(complaint=ticket)
    file_url = f"/complaints/{ticket.pk}/attachments/{stored.pk}/"

    # … downloaded by customer care: the same bytes.
    with page.expect_download() as info:
        item.locator(f".flex-grow-1 a[href='{file_url}']").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.read_bytes() == photo
    assert info.value.suggested_filename == f"{ticket.number}-{stored.pk}.png"

    # The service manager does not work this ticket: the ticket and its file are a 404, no bytes.
    resume_session(service_manager)
    response = page.goto(page.base_url + file_url)
    assert response is not None and response.status == 404
    assert photo not in response.body()
    response = page.goto(page.base_url + f"/complaints/{ticket.pk}/")
    assert response is not None and response.status == 404
    assert page.request.get(page.base_url + file_url).status == 404


# --- The agent: next try after a failed call, and the survey's error summary ----------------------


@pytest.fixture
def two_tasks() -> dict[str, Any]:
    store = StoreFactory(code="SZ01", name="深圳福田店")
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    agent = StaffFactory(username="agent", name="李小燕", role=Role.AGENT, store=store)
    tasks = {}
    for name, plate, days in (("陈伟", "粤B12345", 5), ("林晓", "粤B67890", 4)):
        customer = CustomerFactory(store=store, name=name)
        vehicle = VehicleFactory(customer=customer, store=store, plate=plate, model="CX-5")
        SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - dt.timedelta(days=days))
        tasks[name] = customer
    callback_services.callback_tasks_generate()  # both deliveries become tasks due now
    first, second = (CallbackTask.objects.get(customer=tasks[name]) for name in ("陈伟", "林晓"))
    assert first.due_at < second.due_at  # 陈伟 is first in the queue
    return {"agent": agent, "first": first, "second": second}


def test_agent_next_try_after_a_failed_call_and_the_survey_error_summary(
    page: Any,
    shot: Any,
    step: Any,
    sign_in: Any,
    resume_session: Any,
    variant: Variant,
    two_tasks: dict,
) -> None:
    from playwright.sync_api import expect

    tr = variant.tr
    first, second = two_tasks["first"], two_tasks["second"]
    sign_in("agent", shot=shot)
    page.goto(page.base_url + "/callbacks/")
    queue = page.get_by_test_id("queue")
    expect(queue.locator("tbody tr")).to_have_count(2)
    step("02-queue")
    # The row's action is on screen without scrolling the table, on the desk and on a phone; the
    # call type and the plate are not broken one character per line.
    button = queue.get_by_test_id(f"claim-{first.pk}").bounding_box()
    assert button["x"] + button["width"] <= variant.size["width"], button
    line = queue.locator("tbody tr").first.locator("td").nth(1).bounding_box()
    assert line["height"] < 60, line

    # 陈伟 does not answer.
    queue.get_by_test_id(f"claim-{first.pk}").click()
    expect(page.get_by_test_id("customer-card")).to_contain_text("陈伟")
    page.get_by_test_id("attempt-form").get_by_label(tr("无人接听")).check()
    page.get_by_test_id("attempt-submit").click()
    expect(page.get_by_test_id("queue-title")).to_be_visible()
    attempt = CallAttempt.objects.get(task=first)
    assert attempt.outcome == Outcome.NO_ANSWER

    # The queue passes 陈伟 over until the next try; 林晓 is there.
    expect(queue.get_by_test_id(f"task-{second.pk}")).to_be_visible()
    expect(queue.get_by_test_id(f"task-{first.pk}")).to_have_count(0)
    expect(queue.locator("tbody tr")).to_have_count(1)
    step("03-queue-after-failed-call")

    # The task's own page says when it may be called again.
    next_try = callback_selectors.next_try_at(attempt.at)
    page.goto(page.base_url + f"/callbacks/{first.pk}/")
    expect(page.get_by_test_id("next-try")).to_contain_text(f"{timezone.localtime(next_try):%Y-%m-%d %H:%M}")
    expect(page.get_by_test_id("next-try")).to_contain_text(
        tr("%(at)s 之后（上次未接通，此前不在队列中）").split("%(at)s")[-1].strip()
    )
    step("04-next-try-shown")

    # "领取下一个任务" takes 林晓, not 陈伟 (who was due first).
    page.goto(page.base_url + "/callbacks/")
    page.get_by_test_id("claim-next").click()
    expect(page.get_by_test_id("customer-card")).to_contain_text("林晓")
    assert page.url.rstrip("/").endswith(f"/callbacks/{second.pk}")

    # 林晓 answers; the survey is sent half-filled: the summary links each error, the cursor is on
    # the first one, and a link moves the cursor to its field.
    page.get_by_test_id("attempt-form").get_by_label(tr("已接通")).check()
    page.get_by_test_id("attempt-submit").click()
    expect(page.get_by_test_id("attempts")).to_contain_text(tr("已接通"))
    page.get_by_test_id("survey-form").locator("[name=score]").fill("60")
    page.get_by_test_id("survey-submit").click()
    summary = page.get_by_test_id("survey-errors")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text(tr("请更正以下内容："))
    links = summary.get_by_role("link")
    expect(links.first).to_be_visible()
    targets = [href.removeprefix("#") for href in (a.get_attribute("href") or "" for a in links.all())]
    assert len(targets) >= 2 and all(targets) and targets[0] != targets[-1], targets
    for target in targets:
        expect(page.locator(f"[id='{target}']")).to_have_count(1)  # every link lands on a control
    page.wait_for_load_state()
    expect(page.locator(f"[id='{targets[0]}']")).to_be_focused()
    step("05-survey-errors")
    links.last.click()
    expect(page.locator(f"[id='{targets[-1]}']")).to_be_focused()
    expect(page.locator("[name=score]")).to_have_value("60")  # what was typed is kept
    assert not Survey.objects.filter(callback=second).exists()

    # Past the next-try time (a new session: the clock moved) 陈伟 is back in the queue.
    with time_machine.travel(next_try + dt.timedelta(minutes=1), tick=True):
        resume_session(two_tasks["agent"])
        page.goto(page.base_url + "/callbacks/")
        expect(queue.get_by_test_id(f"task-{first.pk}")).to_be_visible()
        step("06-back-in-queue")
        page.goto(page.base_url + f"/callbacks/{first.pk}/")
        expect(page.get_by_test_id("customer-card")).to_contain_text("陈伟")
        expect(page.get_by_test_id("next-try")).to_have_count(0)
