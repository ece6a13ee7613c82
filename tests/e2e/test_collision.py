"""Two people on one ticket, in a real browser: the department manager has the ticket open and is
typing the call record when the GM records the call first. The page says so without a reload
(htmx polls on focus), and the manager's form, sent anyway, is not carried out: the page comes
back with what changed and what was typed."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.models import ComplaintEvent, Status
from complaints.services import workflow
from tests.e2e.conftest import DESK_AND_PHONE, Variant, status_label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=DESK_AND_PHONE, ids=str)
def variant(request: Any) -> Variant:
    return request.param  # type: ignore[no-any-return]


def test_a_step_taken_by_someone_else_is_announced_and_the_older_form_is_held_back(
    page: Any, shot: Any, sign_in: Any, variant: Variant, dealership: dict, dispatched_ticket: Any
) -> None:
    from playwright.sync_api import expect

    ticket = dispatched_ticket()
    sign_in("xiaoshou")
    page.goto(f"{page.base_url}/complaints/{ticket.pk}/")
    form = page.get_by_test_id("action-contact")
    form.locator("[name=cause]").fill("gift left out at delivery")
    form.locator("[name=note]").fill("called, customer calm")
    expect(page.get_by_test_id("ticket-changed")).to_have_count(0)

    # Meanwhile the GM calls the customer and records it.
    workflow.complaint_contact(complaint=ticket, actor=dealership["gm"], note="总经理已致电客户")
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # the manager looks at the page again
    notice = page.get_by_test_id("ticket-changed")
    expect(notice).to_contain_text("刘总")
    expect(notice).to_contain_text(variant.tr("联系客户"))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot("01-changed-meanwhile")

    # Sent anyway: held back, the page as it is now, with the manager's words quoted.
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.IN_PROGRESS, variant.lang))
    alert = page.locator(".alert-warning", has_text="刘总").first
    expect(alert).to_contain_text("called, customer calm")
    assert list(
        ComplaintEvent.objects.filter(complaint=ticket, action="contact").values_list(
            "actor__username", flat=True
        )
    ) == ["zongjingli"]

    # Reloaded, the page is current: no notice.
    page.goto(f"{page.base_url}/complaints/{ticket.pk}/")
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.wait_for_timeout(1500)
    expect(page.get_by_test_id("ticket-changed")).to_have_count(0)
