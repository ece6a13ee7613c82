"""Journey 3, the general manager, in a real browser: the approval queue → approve a ¥800
compensation with a comment → the crisis board → escalate a major complaint into a crisis case →
move it to 爆发期 (outbreak) with a reason → set the response team and the plan.

Runs in every language × viewport variant of conftest.VARIANTS."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from complaints.models import Approval, Complaint, MajorCriterion, Severity, Status
from complaints.services import workflow
from crisis.models import CrisisCase, Phase
from tests.e2e.conftest import Variant, status_label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gm_desk(dealership: dict, dispatched_ticket: Any) -> dict[str, Any]:
    """A proposal with a ¥800 compensation on the GM's desk, and a major (safety) complaint."""
    manager = dealership["manager"]
    proposal = dispatched_ticket()
    workflow.complaint_contact(complaint=proposal, actor=manager, cause="赠品遗漏", note="客户说赠品没给")
    proposal = workflow.complaint_propose(
        complaint=proposal,
        actor=manager,
        solution="补装脚垫和贴膜，另补偿保养券",
        compensation_amount=Decimal("800"),
    )
    major = dispatched_ticket(
        content="新车行驶中刹车异响两次，客户称要找媒体曝光", major_criteria=[MajorCriterion.SAFETY.value]
    )
    assert proposal.status == Status.AWAITING_APPROVAL and major.severity == Severity.MAJOR
    return {"proposal": proposal, "major": major}


def test_gm_approves_then_opens_and_runs_a_crisis(
    page: Any, shot: Any, sign_in: Any, variant: Variant, dealership: dict, gm_desk: dict
) -> None:
    from playwright.sync_api import expect

    proposal, major = gm_desk["proposal"], gm_desk["major"]
    tr, lang = variant.tr, variant.lang
    sign_in("zongjingli", shot=shot)

    # The approval queue lists the proposal with its amount (one card per proposal, issue #19).
    page.goto(page.base_url + "/complaints/approvals/")
    queue = page.get_by_test_id("approval-queue")
    row = queue.get_by_test_id("approval-card").filter(has_text=proposal.number)
    expect(row).to_contain_text("¥800")
    expect(row).to_contain_text(str(dealership["sales"].name))  # data: as the store named it
    shot("02-approval-queue")

    # Approve with a comment.
    row.get_by_role("link", name=proposal.number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.AWAITING_APPROVAL, lang))
    form = page.get_by_test_id("action-approve")
    form.locator("[name=comment]").fill("同意补偿 800 元，下月起交车清单加入赠品核对")
    shot("03-approve-form")
    # One comment box, approve and reject beside each other (issue #19).
    form.get_by_role("button", name=tr("批准"), exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text(status_label(Status.IN_PROGRESS, lang))
    expect(page.get_by_test_id("approval")).to_have_text(tr("已批准"))
    expect(page.locator("body")).to_contain_text("下月起交车清单加入赠品核对")
    shot("04-approved")
    proposal.refresh_from_db()
    assert proposal.approval == Approval.APPROVED and proposal.approved_by == dealership["gm"]

    # Back to the queue: empty now.
    page.goto(page.base_url + "/complaints/approvals/")
    expect(page.get_by_test_id("approval-queue")).not_to_contain_text(proposal.number)

    # The GM's complaint overview fits the screen: its tables (preventive measures awaiting
    # approval, the board) scroll in their own box, never the page (in English it was 459 px
    # wide on a 390 px phone).
    for size in (variant.size, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        page.goto(page.base_url + "/complaints/")
        expect(page.get_by_test_id("gm-approvals")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        shot(f"04b-gm-overview-{size['width']}")
    page.set_viewport_size(variant.size)

    # The crisis board: nothing open yet. The major complaint's words wait as a latent warning,
    # quoted under the signal; on a 390 px phone each warning is a card that fits the screen, with
    # the actions on one line (the table was 513 px wide in English and the buttons wrapped letter
    # by letter in Chinese).
    page.goto(page.base_url + "/crisis/")
    expect(page.get_by_test_id("crisis-board")).to_be_visible()
    expect(page.get_by_test_id("signal-quote").first).to_contain_text("客户称要找媒体曝光")
    shot("05-crisis-board-empty")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("latent-warnings")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    scroller = page.get_by_test_id("latent-warnings").locator(".table-responsive")
    assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth")
    for action in ("signal-open", "signal-dismiss"):
        box = page.get_by_test_id(action).first.locator("summary").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390 and box["height"] < 40, (action, box)
    shot("05b-crisis-board-390")
    page.set_viewport_size(variant.size)

    # Escalate the major complaint from its page.
    page.goto(page.base_url + f"/complaints/{major.pk}/")
    page.get_by_test_id("other-escalate").locator("summary", has_text=tr("升级为危机事件")).click()  # folded
    form = page.get_by_test_id("action-escalate")
    form.locator("[name=note]").fill("客户扬言联系媒体，涉及行车安全，升级为危机事件")
    form.locator("[name=confirm]").check()  # issue #22: a one-line reason and a confirmation
    form.locator("button[type=submit]").click()
    banner = page.get_by_test_id("crisis-banner")
    expect(banner).to_contain_text(tr("潜伏期"))
    shot("06-escalated")
    crisis = CrisisCase.objects.get()
    assert crisis.phase == Phase.LATENT and major in crisis.complaints.all()

    # Open the crisis case.
    banner.get_by_role("link").click()
    expect(page.get_by_test_id("crisis-phase")).to_have_text(tr("潜伏期"))
    shot("07-crisis-latent")

    # One panel, one form at a time (issue #22): the phase tab is open, the others hidden.
    expect(page.get_by_test_id("crisis-form-phase")).to_be_visible()
    expect(page.get_by_test_id("crisis-form-team")).to_be_hidden()
    assert page.get_by_test_id("crisis-panel").locator("button[type=submit]:visible").count() == 1
    # Move it to outbreak, with a reason.
    form = page.get_by_test_id("crisis-form-phase")
    form.locator("select[name=phase]").select_option(Phase.OUTBREAK.value)
    form.locator("[name=reason]").fill("客户已在微博发帖，阅读量快速上升")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("crisis-phase")).to_have_text(tr("爆发期"))
    expect(page.get_by_test_id("crisis-timeline")).to_contain_text("客户已在微博发帖")
    expect(page.get_by_test_id("crisis-form-phase")).to_be_visible()  # the same tab stays open
    shot("08-outbreak")

    # The team: the sales manager leads the response.
    manager = dealership["manager"]
    page.get_by_test_id("crisis-tab-team").click()
    form = page.get_by_test_id("crisis-form-team")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("crisis-form-phase")).to_be_hidden()
    form.locator("select[name=user]").select_option(str(manager.pk))
    form.locator("[name=role]").fill("对接客户")
    form.locator("[name=is_leader]").check()
    form.locator("button[type=submit]").click()
    team = page.get_by_test_id("crisis-team")
    expect(team).to_contain_text("赵强")
    expect(team).to_contain_text(tr("组长"))
    shot("09-team")

    # The plan.
    plan = "1. 24 小时内上门检测刹车并出具报告\n2. 由组长统一对外口径\n3. 每日向总经理汇报进展"
    page.get_by_test_id("crisis-tab-plan").click()
    form = page.get_by_test_id("crisis-form-plan")
    form.locator("[name=text]").fill(plan)
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("crisis-plan")).to_contain_text("24 小时内上门检测刹车")
    expect(page.get_by_test_id("crisis-form-plan")).to_be_visible()  # still on the plan tab
    # The panel fits the viewport (390 px phones too): nothing sticks out to the right.
    width = page.evaluate("document.documentElement.clientWidth")
    box = page.get_by_test_id("crisis-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    shot("10-plan")

    # On a 390 px phone: the tabs wrap, nothing overflows sideways, one form shows at a time.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_test_id("crisis-form-plan")).to_be_visible()  # the address keeps the tab
    page.get_by_test_id("crisis-tab-media").click()
    expect(page.get_by_test_id("crisis-form-media")).to_be_visible()
    expect(page.get_by_test_id("crisis-form-plan")).to_be_hidden()
    shot("10b-crisis-panel-390")
    # The customer's page (360°, issue #22) from the case: the ticket and the case with their status.
    page.get_by_role("link", name=major.customer.name).first.click()
    expect(page.get_by_test_id("customer-complaints")).to_contain_text(major.number)
    expect(page.get_by_test_id("customer-crises")).to_contain_text(crisis.number)
    expect(page.get_by_test_id("new-complaint")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("10c-customer-page-390")
    page.set_viewport_size(variant.size)

    # The board shows the case under 爆发期.
    page.goto(page.base_url + "/crisis/")
    column = page.get_by_test_id("crisis-board").locator("section", has_text=tr("爆发期"))
    expect(column).to_contain_text(crisis.number)
    shot("11-crisis-board")

    crisis.refresh_from_db()
    assert crisis.phase == Phase.OUTBREAK and crisis.plan_version == 1
    assert crisis.team.get(user=manager).is_leader and crisis.team.filter(is_leader=True).count() == 1
    assert Complaint.objects.get(pk=major.pk).severity == Severity.MAJOR
