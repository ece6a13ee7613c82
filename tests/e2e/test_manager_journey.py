"""Journey 2, the department manager, in a real browser: the queue shows the newly dispatched ticket
with its countdown → contact → propose a ¥800 compensation → the ticket waits for the GM → (the GM
approves) → resolve with the signed agreement uploaded → 已解决.

Runs in every language × viewport variant of conftest.VARIANTS (the language switched with the
footer form on the login page)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from complaints.models import Approval, Complaint, Status
from complaints.services import workflow
from tests.e2e.conftest import Variant, status_label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A minimal one-page PDF: what a scanned, signed agreement would be uploaded as.
SIGNED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# What countdown.js writes into [data-due] (csat/durations.py, issue #22): the two largest units in
# the page's language — "1小时59分" / "1h 59m", "4天23小时" / "4d 23h", "5分钟" / "5m"; once past
# "超时5分钟" / "-5m".
COUNTDOWN = re.compile(r"^(超时|-)?(\d+天\d+小时|\d+小时\d+分|\d+分钟|\d+d \d+h|\d+h \d+m|\d+m)$")


def test_manager_contacts_proposes_800_and_resolves_with_the_agreement(
    page: Any, shot: Any, sign_in: Any, variant: Variant, dealership: dict, dispatched_ticket: Any
) -> None:
    from playwright.sync_api import expect

    lang = variant.lang
    ticket = dispatched_ticket()
    assert ticket.status == Status.DISPATCHED

    # Sign in (switching the language first when the run is in English).
    sign_in("xiaoshou", shot=shot)

    # The queue: the new ticket, with its live countdown to the first-contact deadline.
    page.goto(page.base_url + "/complaints/")
    new = page.get_by_test_id("queue-new")
    row = new.locator("tr", has_text=ticket.number)
    expect(row).to_contain_text("陈伟")
    expect(row).to_contain_text(status_label(Status.DISPATCHED, lang))
    expect(row.locator("[data-due]")).to_have_text(COUNTDOWN)
    if lang == "en":
        expect(page.locator("body")).to_contain_text("Dispatched")
        expect(page.locator("body")).to_contain_text("Complaint")
    shot("02-queue-countdown")

    # Open it.
    row.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.DISPATCHED, lang))
    shot("03-ticket")

    # On a 390 px phone: nothing overflows sideways, and the next step sits in a bar at the bottom.
    desk = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    bar = page.get_by_test_id("action-bar")
    expect(bar).to_be_visible()
    expect(bar.get_by_role("link")).to_have_text(variant.tr("已联系客户"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("03b-ticket-phone")
    # The bar takes the manager to the step's form, and the focus with it (it stayed on the page).
    bar.get_by_role("link").click()
    expect(page.get_by_test_id("action-contact")).to_be_focused()
    expect(page.get_by_test_id("action-contact")).to_be_in_viewport()
    page.set_viewport_size(desk)

    # Contact the customer.
    form = page.get_by_test_id("action-contact")
    form.locator("[name=cause]").fill("交车时赠品遗漏")
    form.locator("[name=expectation]").fill("补装脚垫和贴膜，并给予补偿")
    form.locator("[name=note]").fill("已致电客户，客户情绪平稳")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.IN_PROGRESS, lang))
    shot("04-contacted")

    # Propose a solution with a ¥800 compensation: it now waits for the general manager.
    form = page.get_by_test_id("action-propose")
    form.locator("[name=solution]").fill("免费补装脚垫和贴膜，另补偿保养券 800 元")
    form.locator("[name=compensation_amount]").fill("800")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.AWAITING_APPROVAL, lang))
    expect(page.get_by_test_id("approval")).to_be_visible()
    expect(page.get_by_test_id("action-resolve")).to_have_count(0)  # money waits for the GM
    # The flash says what happened and who was told.
    told = variant.tr("%(what)s，%(who)s已收到通知。") % {
        "what": variant.tr("方案已提交总经理审批"),
        "who": variant.tr("%(role)s（%(name)s）") % {"role": variant.tr("总经理"), "name": "刘总"},
    }
    expect(page.get_by_role("alert").filter(has_text=told)).to_be_visible()
    shot("05-awaiting-gm")
    if lang == "zh-hans":
        expect(page.get_by_test_id("ticket-status")).to_have_text("待总经理审批")
    ticket.refresh_from_db()
    assert ticket.compensation_amount == Decimal("800") and ticket.approval == Approval.PENDING

    # The GM approves (their own journey covers the page); the manager reloads.
    workflow.complaint_approve(complaint=ticket, actor=dealership["gm"], comment="同意")
    page.reload()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.IN_PROGRESS, lang))
    shot("06-approved")

    # Resolve with the signed agreement uploaded.
    form = page.get_by_test_id("action-resolve")
    form.locator("[name=result]").fill("已补装脚垫和贴膜，保养券已交付，客户签字确认")
    form.locator("input[type=file][name=agreement]").set_input_files(
        files=[{"name": "签字协议.pdf", "mimeType": "application/pdf", "buffer": SIGNED_PDF}]
    )
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.RESOLVED, lang))
    if lang == "zh-hans":
        expect(page.get_by_test_id("ticket-status")).to_have_text("已解决")
    agreement_link = page.locator(f"a[href$='/complaints/{ticket.pk}/agreement/']")
    expect(agreement_link).to_be_visible()
    shot("07-resolved")

    ticket = Complaint.objects.get(pk=ticket.pk)
    assert ticket.status == Status.RESOLVED
    assert ticket.agreement.name.endswith(".pdf") and "签字协议" not in ticket.agreement.name
    with ticket.agreement.open("rb") as stored:
        assert stored.read() == SIGNED_PDF
