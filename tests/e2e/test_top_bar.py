"""The top bar everyone lives under: at the desk (1366 px) every role's menus, the search box, the
bell and who is signed in fit one row in both languages, as in the help desks people know; who is
signed in (name, role, store) and "Log out" sit in the name's menu, on the desk and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import DESK_AND_PHONE, Variant, assert_hint_whole, open_nav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=DESK_AND_PHONE, ids=str)
def variant(request: Any) -> Variant:
    return request.param  # type: ignore[no-any-return]


def test_the_gms_bar_fits_one_row_at_the_desk_and_the_name_menu_signs_out(
    page: Any, sign_in: Any, shot: Any, variant: Variant, dealership: dict[str, Any]
) -> None:
    from django.utils import translation
    from playwright.sync_api import expect

    from csat.models import Role

    # The GM sees every menu the app has (eight), the longest bar of any role.
    sign_in("zongjingli", shot=shot)
    tr = variant.tr
    page.goto(page.base_url + "/complaints/")  # a page of daily work (the dashboard may carry notices)
    nav = open_nav(page)
    expect(nav.locator(".nav-link")).to_have_count(8)
    menu = page.get_by_test_id("user-menu")
    expect(menu).to_have_text("刘总")
    if not variant.tablet and variant.viewport == "1366x768":
        # One row: the bar is as tall as its brand, and its last item ends inside the page.
        bar = page.locator("nav.navbar").bounding_box()
        assert bar["height"] < 70, f"the top bar wraps to {bar['height']} px at {variant}"
        box = menu.bounding_box()
        assert box["x"] + box["width"] <= variant.size["width"], box
        # The search box's hint is read whole, not cut ("Mobile / plate / VIN / tic" before).
        assert_hint_whole(page.get_by_test_id("header-search").locator("input[type=search]"), str(variant))
        brand = page.locator(".navbar-brand")
        expect(brand).to_have_text(tr("客户服务管理系统") if variant.lang == "zh-hans" else "Customer Care")
    shot("02-bar")
    # The footer's language switch: its label and button on one line each, on the desk and a phone;
    # the keyboard-shortcut link only where there is a keyboard (not on a phone).
    footer = page.locator("footer")
    for word in (footer.locator("label[for=language-select]"), footer.locator("button[type=submit]")):
        box = word.bounding_box()
        assert box["height"] < 36, f"{word} wraps to {box['height']} px at {variant}"
    shortcuts = footer.get_by_test_id("shortcut-help-open")
    if variant.viewport == "390x844":
        expect(shortcuts).to_be_hidden()
    else:
        expect(shortcuts).to_be_visible()
    menu.click()
    whoami = page.get_by_test_id("whoami")
    expect(whoami).to_be_visible()
    expect(whoami).to_contain_text("刘总")
    expect(whoami).to_contain_text(dealership["store"].name)
    with translation.override(variant.lang):
        expect(whoami).to_contain_text(str(Role(Role.GENERAL_MANAGER).label))
    shot("03-name-menu")
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr("登录"))


def test_the_search_fields_hints_read_whole(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any]
) -> None:
    """The agent's searches: the customer search on every width (it was cut at "粤B12345、张" on a
    phone), the queue's filter at the desk (cut at "…或车" / "…or p") and the complaint searches."""
    sign_in("kefu")
    page.goto(page.base_url + "/customers/")
    assert_hint_whole(page.locator("#customer-q"), f"/customers/ {variant}")
    # The complaint board's search, and the full list's (cut at "…plate or complai" in English).
    page.goto(page.base_url + "/complaints/")
    assert_hint_whole(page.locator("#id_board_q"), f"/complaints/ {variant}")
    if variant.viewport == "1366x768":
        page.goto(page.base_url + "/complaints/list/")
        assert_hint_whole(page.get_by_test_id("filter-q"), f"/complaints/list/ {variant}")
    if variant.viewport == "1366x768":
        page.goto(page.base_url + "/callbacks/")
        assert_hint_whole(page.locator("#id_q"), f"/callbacks/ {variant}")


def test_an_unread_notifications_read_button_stays_one_line(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any]
) -> None:
    """The inbox under the bell: a long title next to "已读" on a phone broke the button into two
    lines ("已 / 读"); the button keeps its word whole and the row fits the screen."""
    from playwright.sync_api import expect

    from csat.models import Notification

    Notification.objects.create(
        recipient=dealership["care"],
        key="e2e-inbox",
        title="新派单：TSSZ01-20261205-00003，请在时限内联系客户",
        body="【销售回访】满意度 55 分。客户原话：交车时没有讲清楚保养事项",
        url="/complaints/",
    )
    sign_in("kefu")
    page.goto(page.base_url + "/notifications/")
    button = page.get_by_test_id("notifications").get_by_role("button", name=variant.tr("已读"))
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] < 36, f"the read button wraps to {box['height']} px at {variant}"
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_the_complaint_list_and_board_fit_the_desk_in_both_languages(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """At the desk every column of the full list is in view without scrolling sideways (in English
    the table was 1,708 px in a 1,174 px box: status, department, deadline and time left were out of
    sight), and the board's steps share one table, its columns lined up under one header."""
    from complaints.models import Kind
    from complaints.services import workflow

    dispatched_ticket(kind=Kind.DISSATISFIED, urgent=True, vehicle=dealership["vehicle"])
    workflow.complaint_create(  # registered: a step of its own on the board
        actor=dealership["care"],
        customer=dealership["customer"],
        content="维修后异响依旧",
        received_by_department=dealership["care_dept"],
    )
    sign_in("kefu")
    page.goto(page.base_url + "/complaints/list/")
    table = page.get_by_test_id("ticket-list")
    widths = table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    if variant.viewport == "1366x768":
        assert widths[0] <= widths[1], f"the list is {widths[0]} px in a {widths[1]} px box at {variant}"
    page.goto(page.base_url + "/complaints/")
    board = page.get_by_test_id("board")
    assert board.locator("thead").count() == 1
    if variant.viewport == "1366x768":  # (a phone shows each ticket as a card)
        # The rows of both steps line up under the one header: their type cells start at the same x.
        starts = {
            round(box["x"]) for box in (cell.bounding_box() for cell in board.locator("td.col-kind").all())
        }
        assert len(starts) == 1, starts
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_a_home_tiles_rows_keep_the_number_and_the_time_left_whole(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The department manager's "new dispatches" tile lists its tickets: the time left stays on one
    line (it broke into "1天19小 / 时" at the desk), the customer's name is whole (cut to "蔡…" in a
    quarter of the desk) and nothing sticks out of the tile."""
    from playwright.sync_api import expect

    dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(page.base_url + "/")
    tile = page.get_by_test_id("tile-new")
    left = tile.get_by_test_id("tile-left").first
    expect(left).to_be_visible()
    line = left.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    box, card = left.bounding_box(), tile.bounding_box()
    assert box["height"] < 1.5 * line, f"the time left wraps to {box['height']} px at {variant}"
    assert box["x"] + box["width"] <= card["x"] + card["width"], (box, card)
    name = tile.locator(".tile-rows li").first.locator("span.text-truncate")
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth"), f"the name is cut at {variant}"
    number = tile.locator(".tile-number").first.bounding_box()
    assert number["x"] + number["width"] <= card["x"] + card["width"], (number, card)


def test_the_department_queue_is_one_table_whose_headings_read_whole(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """The department manager's queue: its three groups under one header, each heading whole on a
    phone too ("New dispatches (contact the customer within 2 hours)" was cut at "within")."""
    dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(page.base_url + "/complaints/")
    queue = page.get_by_test_id("queue")
    assert queue.locator("thead").count() == 1
    box = queue.locator("xpath=..").bounding_box()  # the table's scrolling box
    for name in ("new", "breached", "open"):
        head = page.get_by_test_id(f"section-{name}").locator("th").bounding_box()
        assert head["x"] + head["width"] <= box["x"] + box["width"] + 1, (
            f"the {name} heading is cut at {variant}"
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= variant.size["width"]


def test_on_a_phone_the_list_is_ordered_from_the_filter_panel(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any], dispatched_ticket: Any
) -> None:
    """Each ticket is a card on a phone, the column headers hidden: the filter panel's order select
    sorts the list (newest received first here) and the order is kept by the next filter."""
    import datetime as dt
    import re

    from django.utils import timezone
    from playwright.sync_api import expect

    if variant.viewport != "390x844":
        pytest.skip("the headers sort at the desk (tests/complaints/test_lists.py)")
    older = dispatched_ticket(received_at=timezone.now() - dt.timedelta(hours=3), received_at_reason="补录")
    newer = dispatched_ticket()
    sign_in("kefu")
    page.goto(page.base_url + "/complaints/list/")
    page.get_by_test_id("filter-toggle").click()
    page.get_by_test_id("filter-sort").select_option("-received")
    page.get_by_test_id("filter-bar").get_by_role("button", name=variant.tr("筛选"), exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=-received"))
    numbers = page.get_by_test_id("ticket-list").locator("td.col-number a").all_inner_texts()
    assert numbers == [newer.number, older.number]
    expect(page.get_by_test_id("filter-sort")).to_have_value("-received")


def test_on_a_phone_each_callback_task_is_a_card(
    page: Any, sign_in: Any, variant: Variant, dealership: dict[str, Any]
) -> None:
    """The callback queue on a phone: the customer's number is in view, not under the action that
    stuck to the right edge of a row scrolled sideways; the filters wait behind a button."""
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from callbacks import services
    from callbacks.models import CallbackTask
    from tests.factories import SalesDeliveryFactory

    if variant.viewport != "390x844":
        pytest.skip("a row of the table at the desk")
    SalesDeliveryFactory(vehicle=dealership["vehicle"], delivered_at=timezone.now() - dt.timedelta(days=4))
    services.callback_tasks_generate()
    task = CallbackTask.objects.get(customer=dealership["customer"])
    sign_in("kefu")
    page.goto(page.base_url + "/callbacks/")
    expect(page.locator("#queue-filters")).to_be_hidden()
    row = page.get_by_test_id(f"task-{task.pk}")
    expect(row).to_contain_text("陈伟")
    for part in (row.locator("td").nth(2).locator("small"), row.get_by_role("button").last):
        box = part.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        assert box["x"] + box["width"] <= 390, (part, box)
        assert part.evaluate("(e, p) => e.contains(document.elementFromPoint(p[0], p[1]))", [x, y]), part
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("queue-filter-toggle").click()
    expect(page.locator("#queue-filters")).to_be_visible()
