"""A manager sitting on the ticket list sees a new notification without reloading (the help-desk
parity audit): the bell's count is polled every 60 s and shown in the tab's title, "(2) 投诉列表 · …";
no poll goes out while the tab is hidden, one goes out when it is shown again. The browser's clock is
Playwright's, so a minute passes at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Variant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[Variant("zh-hans", "1366x768")], ids=str)
def variant(request: Any) -> Variant:
    return request.param  # type: ignore[no-any-return]


def _notify(user: Any, key: str) -> None:
    from csat.models import Notification

    Notification.objects.create(recipient=user, key=key, title=f"新派单 {key}", url="/complaints/")


def _set_hidden(page: Any, hidden: bool) -> None:
    page.evaluate(
        """hidden => {
          Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
          Object.defineProperty(document, "visibilityState", {value: hidden ? "hidden" : "visible", configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_the_bell_and_the_title_count_new_notifications_without_a_reload(
    page: Any, sign_in: Any, dealership: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    manager = dealership["manager"]
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/notifications/unread/" in r.url else None)
    page.clock.install()
    sign_in("xiaoshou")
    _notify(manager, "one")
    page.goto(page.base_url + "/complaints/list/")
    bell = page.get_by_test_id("bell")
    expect(bell.get_by_test_id("unread-count")).to_have_text("1")
    expect(page).to_have_title("(1) 投诉列表 · 客户服务管理系统")
    assert polls == []  # the count came with the page

    # A new dispatch a minute later: the poll shows it on the bell and in the title.
    _notify(manager, "two")
    page.clock.run_for(61_000)
    expect(bell.get_by_test_id("unread-count")).to_have_text("2")
    expect(page).to_have_title("(2) 投诉列表 · 客户服务管理系统")
    assert len(polls) == 1

    # A hidden tab asks nothing; shown again, it asks at once.
    _set_hidden(page, True)
    _notify(manager, "three")
    page.clock.run_for(125_000)
    assert len(polls) == 1
    expect(bell.get_by_test_id("unread-count")).to_have_text("2")
    _set_hidden(page, False)
    expect(bell.get_by_test_id("unread-count")).to_have_text("3")
    expect(page).to_have_title("(3) 投诉列表 · 客户服务管理系统")
    assert len(polls) == 2

    # All read (the inbox in another tab): the badge and the title's count go at the next poll.
    from csat.models import Notification

    Notification.objects.filter(recipient=manager).update(read_at="2026-03-11T10:00:00+08:00")
    page.clock.run_for(61_000)
    expect(bell.get_by_test_id("unread-count")).to_have_count(0)
    expect(page).to_have_title("投诉列表 · 客户服务管理系统")
