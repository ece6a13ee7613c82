"""Issue #19, the GM's gate (DOMAIN §9 "The GM's gate"; complaint-handling source: "凡涉及赔偿的…
均需要总经理签字", "重大投诉…报总经理", "客户向厂家、媒体、政府部门投诉…立即报告总经理").

- Compensation in money **or in kind** waits for the GM's approval; only the GM approves or rejects.
- The approved compensation shows on the ticket, on the printed feedback form (反馈单) and in the
  monthly report (money total and the in-kind list; dashboard, xlsx and API agree).
- A complaint to the manufacturer, media or government is major and reaches the GM at once on every
  channel (inbox, e-mail, the GM office's robot webhook), once.
- A major complaint's first proposal is reported to the GM once, and listed on the GM's board until
  the GM marks it read (已阅, GM only, recorded with time and user in the history).
- The GM decides with one comment box, on the approval list (phone-width cards, the buttons near
  the top) and on the ticket page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Approval, Complaint, Severity, Status
from complaints.services import workflow
from csat.exceptions import ApplicationError
from csat.models import Delivery, Department, DepartmentKind, Notification
from reports.models import Trigger
from reports.services import report_build

pytestmark = pytest.mark.django_db

IN_KIND = "免费更换轮胎两条+两次免费保养"
ROBOT = "https://robot.example.com/hook/gm-office"


def _api_act(client: Any, ticket: Complaint, action: str, **data: Any) -> Any:
    return client.post(f"/api/complaints/{ticket.pk}/{action}/", data, format="json")


def _gm_notices(gm: Any, ticket: Complaint, event: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=gm, key__startswith=f"complaint:{ticket.pk}:{event}:"))


@pytest.fixture
def gm_office(gm: Any) -> Department:
    """The GM's office (总经理室) with its robot webhook."""
    office = gm.profile.department
    assert office.kind == DepartmentKind.MANAGEMENT
    office.webhook_url = ROBOT
    office.save(update_fields=["webhook_url"])
    return office


@pytest.fixture
def in_progress(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Any:
    """in_progress(**intake) → a ticket the sales manager has contacted, ready for a proposal."""

    def make(**kwargs: Any) -> Complaint:
        return advance(make_complaint(**kwargs), Status.IN_PROGRESS)

    return make


# --- compensation in kind needs the GM --------------------------------------------------------


def test_rule_in_kind_compensation_blocks_resolve_until_the_gm_approves_and_only_the_gm(
    clock: Any, api: Callable[[Any], Any], in_progress: Any, sales_mgr: Any, gm: Any, ccm: Any
) -> None:
    """DOMAIN §9: any compensation, money or in kind, needs the GM's approval before it is carried
    out; approve/reject are the GM's alone (CONTRACT: propose takes ``compensation_in_kind``)."""
    ticket = in_progress()
    manager = api(sales_mgr)
    response = _api_act(
        manager, ticket, "propose", solution="更换轮胎并赠送保养", compensation_in_kind=IN_KIND
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["approval"], body["compensation_in_kind"]) == (
        Status.AWAITING_APPROVAL,
        Approval.PENDING,
        IN_KIND,
    )
    assert body["compensation_amount"] is None
    # Nothing is carried out before the GM signs.
    assert _api_act(manager, ticket, "resolve", result="已更换").status_code == 409
    # A department manager, customer care: 403; the GM: approved.
    assert _api_act(manager, ticket, "approve", comment="同意").status_code == 403
    assert _api_act(api(ccm), ticket, "approve", comment="同意").status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.approval) == (Status.AWAITING_APPROVAL, Approval.PENDING)
    approved = _api_act(api(gm), ticket, "approve", comment="同意")
    assert approved.status_code == 200 and approved.json()["approval"] == Approval.APPROVED
    resolved = _api_act(manager, ticket, "resolve", result="已更换轮胎，保养券已发")
    assert resolved.status_code == 200 and resolved.json()["status"] == Status.RESOLVED


def test_rule_rejected_in_kind_compensation_cannot_be_carried_out(
    clock: Any, in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    """After the GM rejects, the ticket is back in progress but the in-kind proposal is still not
    approved: resolving is refused until a new proposal is approved (or has no compensation)."""
    ticket = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="赠送保养", compensation_in_kind="两次免费保养"
    )
    assert ticket.needs_approval
    ticket = workflow.complaint_reject(complaint=ticket, actor=gm, comment="补偿过多")
    assert ticket.status == Status.IN_PROGRESS
    with pytest.raises(ApplicationError, match="实物"):
        workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="已赠送")
    ticket = workflow.complaint_propose(complaint=ticket, actor=sales_mgr, solution="当面致歉并解释原因")
    assert (ticket.approval, ticket.compensation_in_kind, ticket.needs_approval) == (Approval.NONE, "", False)
    assert (
        workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="客户接受").status
        == Status.RESOLVED
    )


def test_rule_in_kind_proposal_reaches_the_gm_on_every_channel_and_the_flash_says_so(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any, gm_office: Any
) -> None:
    ticket = in_progress()
    response = browser(sales_mgr).post(
        f"/complaints/{ticket.pk}/propose/",
        {"solution": "更换轮胎", "compensation_amount": "300", "compensation_in_kind": IN_KIND},
        follow=True,
    )
    html = response.content.decode()
    assert "方案已提交总经理审批，总经理（" in html and "已收到通知" in html
    [notice] = _gm_notices(gm, ticket, "approval")
    assert "¥300.00" in notice.title and IN_KIND in notice.title
    channels = set(Delivery.objects.filter(key=notice.key).values_list("channel", "target"))
    assert channels == {(Delivery.Channel.EMAIL, gm.email), (Delivery.Channel.WEBHOOK, ROBOT)}


# --- the approved compensation on the ticket and the printed form ------------------------------


def test_approved_compensation_shows_on_the_ticket_and_the_printed_feedback_form(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = workflow.complaint_propose(
        complaint=in_progress(),
        actor=sales_mgr,
        solution="更换轮胎",
        compensation_amount=Decimal("300"),
        compensation_in_kind=IN_KIND,
    )
    workflow.complaint_approve(complaint=ticket, actor=gm, comment="同意")
    page = browser(gm).get(f"/complaints/{ticket.pk}/").content.decode()
    shown = page.split('data-testid="compensation"')[1].split("</dd>")[0]
    assert "¥300.00" in shown and IN_KIND in shown and "已批准" in shown
    printed = browser(gm).get(f"/complaints/{ticket.pk}/print/").content.decode()
    row = printed.split('data-testid="print-compensation"')[1].split("</tr>")[0]
    assert "¥300.00" in row and IN_KIND in row
    assert "已批准" in printed.split("总经理意见")[1].split("</tr>")[0]


# --- external complaints: major, the GM told at once ---------------------------------------------


def test_rule_external_complaint_recorded_directly_is_major_and_the_gm_hears_at_once(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any, gm: Any, gm_office: Any
) -> None:
    response = api(agent).post(
        "/api/complaints/",
        {"customer": customer.pk, "content": "我已经打了厂家的投诉热线", "major_criteria": ["external"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    ticket = Complaint.objects.get(pk=response.json()["id"])
    assert ticket.severity == Severity.MAJOR and ticket.major_criteria == ["external"]
    [notice] = _gm_notices(gm, ticket, "major")
    assert "厂家、媒体或政府" in notice.title and ticket.number in notice.title
    channels = set(Delivery.objects.filter(key=notice.key).values_list("channel", "target"))
    assert channels == {(Delivery.Channel.EMAIL, gm.email), (Delivery.Channel.WEBHOOK, ROBOT)}


# --- a major complaint's first proposal is reported to the GM ----------------------------------


def test_rule_major_complaints_first_proposal_without_compensation_notifies_the_gm_once(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any, gm_office: Any
) -> None:
    ticket = in_progress(major_criteria=["safety"])
    response = browser(sales_mgr).post(
        f"/complaints/{ticket.pk}/propose/", {"solution": "免费检修制动系统，书面说明原因"}, follow=True
    )
    html = response.content.decode()
    assert "解决方案已保存，总经理（" in html and "已收到通知" in html
    ticket.refresh_from_db()
    assert (ticket.status, ticket.approval) == (Status.IN_PROGRESS, Approval.NONE)  # no approval needed
    [notice] = _gm_notices(gm, ticket, "major_proposal")
    assert notice.title == f"重大投诉处理方案：{ticket.number}"
    assert (
        Delivery.objects.filter(key=notice.key, channel=Delivery.Channel.WEBHOOK, target=ROBOT).count() == 1
    )
    # A second proposal is not the first: no second notice.
    workflow.complaint_propose(complaint=ticket, actor=sales_mgr, solution="另派技师复检")
    assert len(_gm_notices(gm, ticket, "major_proposal")) == 1


def test_rule_major_first_proposal_with_compensation_is_one_notice_and_a_re_proposal_is_no_first(
    clock: Any, in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = in_progress(major_criteria=["safety"])
    ticket = workflow.complaint_propose(
        complaint=ticket, actor=sales_mgr, solution="更换制动盘", compensation_in_kind="免费更换制动盘"
    )
    [first] = _gm_notices(gm, ticket, "major_proposal")
    assert "待审批" in first.title and "免费更换制动盘" in first.title
    assert _gm_notices(gm, ticket, "approval") == []  # the same event, told once
    workflow.complaint_reject(complaint=ticket, actor=gm, comment="请先做检测")
    workflow.complaint_propose(
        complaint=ticket, actor=sales_mgr, solution="检测后更换", compensation_in_kind="免费更换制动盘"
    )
    assert len(_gm_notices(gm, ticket, "major_proposal")) == 1
    assert len(_gm_notices(gm, ticket, "approval")) == 1  # the new proposal awaits the GM


def test_general_complaints_proposal_without_compensation_tells_the_gm_nothing(
    clock: Any, in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = workflow.complaint_propose(complaint=in_progress(), actor=sales_mgr, solution="当面道歉")
    assert not Notification.objects.filter(recipient=gm, key__startswith=f"complaint:{ticket.pk}:").exists()


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_rule_major_section_on_the_gm_board_lists_the_measures_until_the_gm_marks_them_read(
    clock: Any,
    browser: Callable[[Any], Client],
    api: Callable[[Any], Any],
    in_progress: Any,
    sales_mgr: Any,
    gm: Any,
    ccm: Any,
) -> None:
    major = workflow.complaint_propose(
        complaint=in_progress(major_criteria=["safety"]), actor=sales_mgr, solution="免费检修制动系统"
    )
    general = workflow.complaint_propose(complaint=in_progress(), actor=sales_mgr, solution="当面道歉")
    waiting = in_progress(major_criteria=["safety"])  # major, no proposal yet
    gm_client = browser(gm)
    section = _section(gm_client.get("/complaints/").content.decode(), "gm-major")
    assert major.number in section and "免费检修制动系统" in section
    assert general.number not in section and waiting.number not in section
    # GM only: a department manager and customer care's manager get 403 (page and API).
    assert browser(sales_mgr).post(f"/complaints/{major.pk}/acknowledge/").status_code == 403
    assert _api_act(api(ccm), major, "acknowledge").status_code == 403
    response = gm_client.post(f"/complaints/{major.pk}/acknowledge/", {"next": "/complaints/"})
    assert response.status_code == 302 and response["Location"] == "/complaints/"
    major.refresh_from_db()
    assert major.major_reviewed_by == gm and major.major_reviewed_at == timezone.now()
    event = major.events.get(action="acknowledge")
    assert (event.actor, event.created_at) == (gm, major.major_reviewed_at)
    page = gm_client.get("/complaints/").content.decode()
    assert major.number not in _section(page, "gm-major")
    assert "已阅" in gm_client.get(f"/complaints/{major.pk}/").content.decode()
    # Once: a second 已阅 is refused by the state (409); a general complaint has nothing to read.
    assert _api_act(api(gm), major, "acknowledge").status_code == 409
    assert _api_act(api(gm), general, "acknowledge").status_code == 409


# --- the GM's approval list and the ticket page: one comment box ---------------------------------


def test_approval_card_gives_the_departments_findings_and_the_customers_earlier_compensation(
    clock: Any,
    browser: Callable[[Any], Client],
    in_progress: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales_mgr: Any,
    gm: Any,
) -> None:
    """DOMAIN §9 "The GM's gate": the GM approves every compensation. The card now says what the
    department found (cause, the customer's expectation) and what this customer was approved before
    on other tickets, so a second ¥500 for the same person is not approved blind."""
    client = browser(gm)
    first = in_progress(content="异响")
    first = workflow.complaint_propose(
        complaint=first, actor=sales_mgr, solution="免费检修", compensation_amount=Decimal("500")
    )
    html = client.get("/complaints/approvals/").content.decode()
    card = html[html.index(f'data-complaint="{first.pk}"') :].split("</article>")[0]
    assert "该客户此前没有获批的补偿" in card and "原因：" in card and "漏检" in card and "道歉" in card
    workflow.complaint_approve(complaint=first, actor=gm, comment="同意")
    second = workflow.complaint_propose(
        complaint=in_progress(content="又有异响"),
        actor=sales_mgr,
        solution="再次检修",
        compensation_amount=Decimal("300"),
        compensation_in_kind=IN_KIND,
    )
    assert second.customer_id == first.customer_id
    html = client.get("/complaints/approvals/").content.decode()
    assert f'data-complaint="{first.pk}"' not in html
    card = html[html.index(f'data-complaint="{second.pk}"') :].split("</article>")[0]
    assert "该客户此前已获批补偿 1 次，金额合计 ¥500.00" in card
    # The GM's home lists the same cards.
    home = client.get("/complaints/").content.decode()
    assert "该客户此前已获批补偿 1 次，金额合计 ¥500.00" in home


def test_approval_list_shows_amount_in_kind_proposal_words_and_grade_and_its_approve_button_works(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = workflow.complaint_propose(
        complaint=in_progress(content="轮胎鼓包，要求赔偿"),
        actor=sales_mgr,
        solution="更换轮胎两条",
        compensation_amount=Decimal("500"),
        compensation_in_kind=IN_KIND,
    )
    client = browser(gm)
    html = client.get("/complaints/approvals/").content.decode()
    card = html[html.index(f'data-complaint="{ticket.pk}"') : html.index("</article>")]
    for shown in ("¥500.00", IN_KIND, "更换轮胎两条", "轮胎鼓包，要求赔偿", f"客户等级 {ticket.grade}"):
        assert shown in card, shown
    assert ticket.grade
    # One comment box, approve and reject in the same form; the buttons come before the customer's
    # words (near the top of the card on a phone) and the list has no table to scroll sideways.
    assert card.count("<textarea") == 1 and card.count('name="comment"') == 1
    assert card.index('data-testid="approve-button"') < card.index('data-testid="approval-content"')
    assert f'formaction="/complaints/{ticket.pk}/reject/"' in card
    assert "<table" not in _section(html, "approval-queue")
    response = client.post(
        f"/complaints/{ticket.pk}/approve/",
        {"comment": "同意，尽快安排", "next": "/complaints/approvals/"},
        follow=True,
    )
    assert response.redirect_chain == [("/complaints/approvals/", 302)]
    assert f"{ticket.number}：方案已批准" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.approval, ticket.approved_by, ticket.approval_comment) == (
        Approval.APPROVED,
        gm,
        "同意，尽快安排",
    )


def test_approval_list_reject_without_a_comment_comes_back_with_the_reason(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="赠送保养", compensation_in_kind="两次免费保养"
    )
    response = browser(gm).post(
        f"/complaints/{ticket.pk}/reject/", {"comment": "", "next": "/complaints/approvals/"}, follow=True
    )
    assert response.redirect_chain == [("/complaints/approvals/", 302)]
    assert "驳回时请填写意见" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.approval == Approval.PENDING
    # Only a path of this site: an outside address falls back to the ticket page.
    response = browser(gm).post(
        f"/complaints/{ticket.pk}/reject/", {"comment": "补偿过多", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.pk}/"


@pytest.mark.parametrize("target", ["abc", "home", "1", "//evil.example.com/", ""])
def test_a_next_that_is_not_a_path_of_this_site_falls_back_to_the_ticket_page(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any, target: str
) -> None:
    # Hostile input (session 20's sweep): a bare word was read by ``redirect`` as a view name — a 500
    # after the approval was saved ("abc"), or a jump to the home page ("home"). Now the step is
    # done once and the user lands on the ticket, as without "next".
    ticket = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="赠送保养", compensation_in_kind="两次免费保养"
    )
    response = browser(gm).post(f"/complaints/{ticket.pk}/approve/", {"comment": "同意", "next": target})
    assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.approval == Approval.APPROVED
    # The refused step's path too: a reject without a comment stays on the ticket page with the reason.
    other = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="赠送保养", compensation_in_kind="两次免费保养"
    )
    response = browser(gm).post(f"/complaints/{other.pk}/reject/", {"comment": "", "next": target})
    assert response.status_code == 409 and "驳回时请填写意见" in response.content.decode()


def test_the_gm_sees_one_comment_box_on_the_ticket_page(
    clock: Any, browser: Callable[[Any], Client], in_progress: Any, sales_mgr: Any, gm: Any
) -> None:
    ticket = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="赠送保养", compensation_in_kind="两次免费保养"
    )
    client = browser(gm)
    html = client.get(f"/complaints/{ticket.pk}/").content.decode()
    assert len(re.findall(r'name="comment"', html)) == 1
    decide = html[
        html.index('id="action-approve"') : html.index("</form>", html.index('id="action-approve"'))
    ]
    assert f'formaction="/complaints/{ticket.pk}/reject/"' in decide
    # Rejecting with the box empty shows the error with the one box again (409, as before).
    response = client.post(f"/complaints/{ticket.pk}/reject/", {"comment": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert len(re.findall(r'name="comment"', html)) == 1 and "驳回时请填写意见" in html


# --- the monthly report: money total and the in-kind list ---------------------------------------


def test_rule_report_has_the_approved_money_total_and_the_in_kind_list(
    clock: Any,
    api: Callable[[Any], Any],
    browser: Callable[[Any], Client],
    in_progress: Any,
    sales_mgr: Any,
    gm: Any,
    store: Any,
) -> None:
    """DOMAIN §7 "compensation approved": the month's approved money and what was given in kind;
    the dashboard, the xlsx and the API agree. Recomputed here from the proposals themselves."""
    proposals = [
        (Decimal("300.00"), IN_KIND, True),
        (Decimal("200.50"), "", True),
        (None, "赠送脚垫一套", True),
        (Decimal("999.00"), "免费喷漆", False),  # rejected: not counted
    ]
    tickets = []
    for amount, in_kind, approve in proposals:
        ticket = workflow.complaint_propose(
            complaint=in_progress(),
            actor=sales_mgr,
            solution="方案",
            compensation_amount=amount,
            compensation_in_kind=in_kind,
        )
        if approve:
            workflow.complaint_approve(complaint=ticket, actor=gm)
        else:
            workflow.complaint_reject(complaint=ticket, actor=gm, comment="不同意")
        tickets.append(ticket)
    approved = [(t, a, k) for t, (a, k, ok) in zip(tickets, proposals, strict=True) if ok]
    money = float(sum((a or Decimal(0)) for _t, a, _k in approved))
    in_kind = [(t.number, k) for t, _a, k in approved if k]
    assert (money, len(in_kind)) == (500.5, 2)

    month = timezone.localdate().replace(day=1)
    report = report_build(month=month, store=store, trigger=Trigger.COMMAND)
    comp = report.data["complaints"]["compensation"]
    assert (comp["count"], comp["amount"], comp["in_kind_count"]) == (3, money, 2)
    assert [(r["number"], r["compensation_in_kind"]) for r in comp["in_kind"]] == in_kind
    # The API's data is the stored one (the GM reads every ticket).
    detail = api(gm).get(f"/api/reports/monthly/{report.pk}/").json()
    assert detail["data"]["complaints"]["compensation"] == comp
    # The xlsx: the summary's figures and the in-kind sheet.
    wb = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(values_only=True) if row and row[0]}
    assert summary["批准补偿金额（元）"] == money and summary["批准实物补偿件数"] == 2
    sheet = [row for row in wb["实物补偿"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert [(row[0], row[4]) for row in sheet] == in_kind
    # The dashboard shows the same list.
    html = browser(gm).get(f"/reports/?month={month:%Y-%m}").content.decode()
    listed = html[
        html.index('data-testid="compensation-in-kind"') : html.index(
            "</table>", html.index('data-testid="compensation-in-kind"')
        )
    ]
    assert all(number in listed and text in listed for number, text in in_kind)
    assert tickets[3].number not in listed


def test_in_kind_list_of_the_report_keeps_only_the_tickets_a_manager_may_open(
    clock: Any,
    api: Callable[[Any], Any],
    in_progress: Any,
    sales_mgr: Any,
    business_mgr: Any,
    gm: Any,
    store: Any,
) -> None:
    ticket = workflow.complaint_propose(
        complaint=in_progress(), actor=sales_mgr, solution="方案", compensation_in_kind=IN_KIND
    )
    workflow.complaint_approve(complaint=ticket, actor=gm)
    report = report_build(month=timezone.localdate().replace(day=1), store=store, trigger=Trigger.COMMAND)
    mine = (
        api(sales_mgr).get(f"/api/reports/monthly/{report.pk}/").json()["data"]["complaints"]["compensation"]
    )
    theirs = (
        api(business_mgr)
        .get(f"/api/reports/monthly/{report.pk}/")
        .json()["data"]["complaints"]["compensation"]
    )
    assert [r["number"] for r in mine["in_kind"]] == [ticket.number]
    assert theirs["in_kind"] == [] and theirs["in_kind_count"] == 1  # the figure is everyone's
