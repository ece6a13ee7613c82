"""Prevention pages: the recurring list with its one-click proposal, the prefilled and submitted
proposal form, the measure page and its step buttons (403 for a role, 404 for another store, head
office read-only), the GM's shared approval queue, the effect figures, and the cause code on the
ticket's resolve form and API."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from complaints.models import CauseCode, Complaint, Status
from complaints.services import workflow
from csat.models import DepartmentKind, Notification
from prevention import services as prevention
from prevention.models import MeasureStatus, PreventiveMeasure
from tests.factories import CustomerFactory, DepartmentFactory, VehicleFactory
from tests.fixtures import CHINESE, T0

pytestmark = pytest.mark.django_db

LIST = "/complaints/measures/"
NEW = "/complaints/measures/new/"


def page(measure: PreventiveMeasure, action: str = "") -> str:
    return f"{LIST}{measure.pk}/{action + '/' if action else ''}"


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def selected(body: str, name: str) -> str | None:
    """The value of the selected option of the <select name=…>, or None."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, f"no select {name}"
    option = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return option.group(1) if option else None


def form_data(business: Any, cause: CauseCode | None, **extra: Any) -> dict[str, Any]:
    return {
        "category": "repair",
        "cause": cause.pk if cause else "",
        "problem": "近三个月同一故障返修三次",
        "root_cause": "完工后未路试",
        "measure": "维修完工必须路试并由质检签字",
        "owner_department": business.pk,
        "due_date": (T0.date() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the recurring list and the one-click proposal ------------------------------------------------


def test_the_recurring_list_offers_a_one_click_proposal(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    agent: Any,
    gm: Any,
    store: Any,
    cause: CauseCode,
    other_cause: CauseCode,
) -> None:
    for days in (5, 15, 25):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    recorded(when=T0 - dt.timedelta(days=5), cause=other_cause)  # only once: not recurring
    body = text(browser(agent).get(LIST))
    table = body[
        body.index('data-testid="recurring"') : body.index("</table>", body.index('data-testid="recurring"'))
    ]
    assert store.name in table and cause.label in table and other_cause.label not in table
    assert f"{NEW}?category=repair&cause={cause.pk}" in table
    # The GM does not propose; the list shows the problem without the button.
    gm_body = text(browser(gm).get(LIST))
    assert cause.label in gm_body and f"{NEW}?category=" not in gm_body


def test_no_recurring_problem_shows_an_empty_list(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    agent: Any,
    cause: CauseCode,
) -> None:
    recorded(when=T0 - dt.timedelta(days=5), cause=cause)
    recorded(when=T0 - dt.timedelta(days=6), cause=cause)
    body = text(browser(agent).get(LIST))
    assert "暂无重复发生的投诉" in body and f"{NEW}?category=" not in body


def test_the_one_click_link_prefills_the_form(
    clock: Any, browser: Callable[[Any], Client], agent: Any, business: Any, cause: CauseCode
) -> None:
    response = browser(agent).get(NEW, {"category": "repair", "cause": cause.pk})
    assert response.status_code == 200
    body = text(response)
    assert selected(body, "category") == "repair"
    assert selected(body, "cause") == str(cause.pk)
    # Repair problems belong to the business department (业务部) by default.
    assert selected(body, "owner_department") == str(business.pk)


@pytest.mark.parametrize("query", [{"category": "nonsense"}, {"category": "repair", "cause": "abc"}, {}])
def test_a_hand_edited_link_still_shows_the_form(
    clock: Any, query: dict[str, str], browser: Callable[[Any], Client], agent: Any
) -> None:
    response = browser(agent).get(NEW, query)
    assert response.status_code == 200
    assert selected(text(response), "owner_department") in (None, "")


def test_posting_the_form_links_the_matching_complaints_and_submits_to_the_gm(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    agent: Any,
    gm: Any,
    business: Any,
    other_store: Any,
    cause: CauseCode,
    other_cause: CauseCode,
) -> None:
    matching = [recorded(when=T0 - dt.timedelta(days=d), cause=cause) for d in (5, 15, 25)]
    recorded(when=T0 - dt.timedelta(days=5), cause=other_cause)
    recorded(when=T0 - dt.timedelta(days=5), cause=cause, category="parts")
    recorded(when=T0 - dt.timedelta(days=5), cause=cause, store=other_store)
    response = browser(agent).post(NEW, form_data(business, cause))
    measure = PreventiveMeasure.objects.get()
    assert response.status_code == 302 and response["Location"] == page(measure)
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    assert (measure.category, measure.cause, measure.owner_department) == ("repair", cause, business)
    assert set(measure.complaints.all()) == set(matching)
    assert Notification.objects.filter(recipient=gm, key__startswith=f"measure:{measure.pk}:submit").exists()


def test_posting_without_a_cause_links_nothing(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    agent: Any,
    business: Any,
    cause: CauseCode,
) -> None:
    recorded(when=T0 - dt.timedelta(days=5), cause=cause)
    assert browser(agent).post(NEW, form_data(business, None)).status_code == 302
    measure = PreventiveMeasure.objects.get()
    assert measure.cause is None and not measure.complaints.exists()


@pytest.mark.parametrize("who", ["gm", "business_mgr", "assessor", "viewer"])
def test_only_customer_care_opens_the_proposal_form(
    clock: Any,
    who: str,
    everyone: dict[str, Any],
    browser: Callable[[Any], Client],
    business: Any,
    cause: CauseCode,
) -> None:
    client = browser(everyone[who])
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(business, cause)).status_code == 403
    assert not PreventiveMeasure.objects.exists()


def test_a_bad_proposal_is_a_400_with_the_reason(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    business: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    client = browser(agent)
    assert client.post(NEW, form_data(business, cause, measure="")).status_code == 400
    past = client.post(
        NEW, form_data(business, cause, due_date=(T0.date() - dt.timedelta(days=1)).isoformat())
    )
    assert past.status_code == 400 and "完成期限不能早于今天" in text(past)
    elsewhere = DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS)
    assert client.post(NEW, form_data(business, cause, owner_department=elsewhere.pk)).status_code == 400
    assert not PreventiveMeasure.objects.exists()


# --- the measure page and its steps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "who", "buttons"),
    [
        (MeasureStatus.DRAFT, "agent", {"submit"}),
        (MeasureStatus.AWAITING_APPROVAL, "gm", {"approve", "reject"}),
        (MeasureStatus.AWAITING_APPROVAL, "agent", set()),
        (MeasureStatus.REJECTED, "ccm", {"submit"}),
        (MeasureStatus.APPROVED, "business_mgr", {"start"}),
        (MeasureStatus.APPROVED, "business_staff", set()),
        (MeasureStatus.APPROVED, "sales_mgr", set()),
        (MeasureStatus.IN_PROGRESS, "gm", {"complete"}),
        (MeasureStatus.DONE, "assessor", {"verify"}),
        (MeasureStatus.DONE, "business_mgr", set()),
        (MeasureStatus.DONE, "viewer", set()),
        (MeasureStatus.VERIFIED, "gm", set()),
    ],
)
def test_the_measure_page_shows_only_the_steps_the_user_may_take(
    clock: Any,
    status: str,
    who: str,
    buttons: set[str],
    everyone: dict[str, Any],
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(status)
    response = browser(everyone[who]).get(page(measure))
    assert response.status_code == 200
    body = text(response)
    assert (
        set(re.findall(r'data-testid="measure-(submit|approve|reject|start|complete|verify)"', body))
        == buttons
    )
    assert str(MeasureStatus(status).label) in body
    if not buttons:
        assert "您当前没有可执行的操作" in body


def test_another_stores_measure_is_a_404(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], other_gm: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    client = browser(other_gm)
    assert client.get(page(measure)).status_code == 404
    assert client.post(page(measure, "approve"), {"comment": "同意"}).status_code == 404
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    assert page(measure) not in text(client.get(LIST))


def test_the_gm_approves_on_the_page(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    response = browser(gm).post(page(measure, "approve"), {"comment": "同意，按期完成"})
    assert response.status_code == 302 and response["Location"] == page(measure)
    measure.refresh_from_db()
    assert (measure.status, measure.decided_by, measure.comment) == (
        MeasureStatus.APPROVED,
        gm,
        "同意，按期完成",
    )


def test_rejecting_on_the_page_needs_a_comment_then_resubmission_works(
    clock: Any,
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
    gm: Any,
    agent: Any,
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    response = browser(gm).post(page(measure, "reject"), {"comment": ""}, follow=True)
    assert any("驳回时请填写意见" in m for m in messages_of(response))
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    browser(gm).post(page(measure, "reject"), {"comment": "请补充路试标准"})
    measure.refresh_from_db()
    assert (measure.status, measure.comment) == (MeasureStatus.REJECTED, "请补充路试标准")
    assert "请补充路试标准" in text(browser(agent).get(page(measure)))
    browser(agent).post(page(measure, "submit"))
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL


def test_a_step_the_state_forbids_shows_a_chinese_message(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.APPROVED)
    response = browser(gm).post(page(measure, "approve"), {"comment": "同意"}, follow=True)
    found = [m for m in messages_of(response) if "已批准" in m]
    assert found and CHINESE.search(found[0])
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.APPROVED


@pytest.mark.parametrize(
    ("status", "action", "who"),
    [
        (MeasureStatus.AWAITING_APPROVAL, "approve", "agent"),
        (MeasureStatus.AWAITING_APPROVAL, "reject", "business_mgr"),
        (MeasureStatus.APPROVED, "start", "business_staff"),
        (MeasureStatus.APPROVED, "start", "sales_mgr"),
        (MeasureStatus.DONE, "verify", "gm"),
        (MeasureStatus.DONE, "verify", "viewer"),
        (MeasureStatus.DRAFT, "submit", "gm"),
    ],
)
def test_a_step_by_the_wrong_role_is_a_403(
    clock: Any,
    status: str,
    action: str,
    who: str,
    everyone: dict[str, Any],
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
) -> None:
    measure = drive(status)
    assert browser(everyone[who]).post(page(measure, action), {"comment": "意见"}).status_code == 403
    measure.refresh_from_db()
    assert measure.status == status


def test_an_unknown_step_is_a_404_and_a_get_is_refused(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    client = browser(gm)
    assert client.post(page(measure, "delete")).status_code == 404
    assert client.get(page(measure, "approve")).status_code == 405
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL


def test_the_page_shows_the_effect_once_verified(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    drive: Callable[..., PreventiveMeasure],
    assessor: Any,
    gm: Any,
    cause: CauseCode,
) -> None:
    for days in (2, 8, 30):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    measure = drive(MeasureStatus.DONE)
    assert 'data-testid="measure-effect"' not in text(browser(gm).get(page(measure)))
    prevention.measure_step(measure=measure, actor=assessor, action="verify")
    recorded(when=T0 + dt.timedelta(days=4), cause=cause)
    with time_machine.travel(T0 + dt.timedelta(days=10), tick=False):
        body = text(browser(gm).get(page(measure)))
    effect = body[body.index('data-testid="measure-effect"') :]
    # 10 days each side: 2 and 8 days before (not 30), 4 days after.
    assert "验证前 10 天同类投诉 2 件，验证后 10 天 1 件" in effect


# --- role sections of the list page ----------------------------------------------------------------


def test_each_role_finds_its_measures_on_the_list_page(
    clock: Any,
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
    gm: Any,
    assessor: Any,
    business_mgr: Any,
    sales_mgr: Any,
) -> None:
    waiting = drive(MeasureStatus.AWAITING_APPROVAL, measure="等待审批的措施")
    done = drive(MeasureStatus.DONE, measure="已完成待验证的措施")
    gm_body = text(browser(gm).get(LIST))
    assert "待我审批" in gm_body
    assert page(waiting) in gm_body.split("待我审批")[1].split("</table>")[0]
    admin_body = text(browser(assessor).get(LIST))
    assert page(done) in admin_body.split("待综合部验证")[1].split("</table>")[0]
    assert page(waiting) not in admin_body.split("待综合部验证")[1].split("</table>")[0]
    owner_body = text(browser(business_mgr).get(LIST))
    assert page(done) in owner_body.split("本部门的措施")[1].split("</table>")[0]
    assert "本部门的措施" not in text(browser(sales_mgr).get(LIST))


def test_an_overdue_measure_is_marked_on_its_page_and_in_the_list(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.IN_PROGRESS, due_date=T0.date())
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert prevention.measures_sweep() == 1
    assert "已逾期" in text(browser(gm).get(page(measure)))
    row = re.search(rf'<tr[^>]*>\s*<td><a href="{page(measure)}"', text(browser(gm).get(LIST)))
    assert row and "table-danger" in row.group(0)


def test_head_office_sees_the_group_view_and_changes_nothing(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    drive: Callable[..., PreventiveMeasure],
    viewer: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    recorded(when=T0 - dt.timedelta(days=3), cause=cause)
    recorded(when=T0 - dt.timedelta(days=2), cause=cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=cause, store=other_store)
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    client = browser(viewer)
    body = text(client.get(LIST))
    group = body[body.index("集团范围") :]
    assert f"{cause.label}：3（2 家门店）" in group
    assert f"{NEW}" not in body  # no proposal button anywhere
    assert client.get(page(measure)).status_code == 200
    assert client.post(page(measure, "approve"), {"comment": "同意"}).status_code == 403
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL


def test_a_store_user_does_not_see_the_group_view(
    clock: Any,
    browser: Callable[[Any], Client],
    recorded: Callable[..., Complaint],
    gm: Any,
    other_store: Any,
    cause: CauseCode,
) -> None:
    for days in (1, 2, 3):
        recorded(when=T0 - dt.timedelta(days=days), cause=cause)
    recorded(when=T0 - dt.timedelta(days=1), cause=cause, store=other_store)
    body = text(browser(gm).get(LIST))
    assert cause.label in body  # the store's own recurring problem
    assert "集团范围" not in body


# --- the GM's approval queue: compensation and measures together -----------------------------------


@pytest.fixture
def compensation_ticket(store: Any, care: Any, business: Any, agent: Any, business_mgr: Any) -> Complaint:
    customer = CustomerFactory(store=store)
    VehicleFactory(customer=customer)
    ticket = workflow.complaint_create(
        actor=agent,
        customer=customer,
        content="维修后漏油，要求赔偿。",
        received_by_department=care,
        category="repair",
        dispatch_to=business,
    )
    ticket = workflow.complaint_contact(
        complaint=ticket, actor=business_mgr, cause="密封件老化", note="客户说渗油"
    )
    ticket = workflow.complaint_propose(
        complaint=ticket, actor=business_mgr, solution="免费更换并补偿", compensation_amount=Decimal("800.00")
    )
    assert ticket.status == Status.AWAITING_APPROVAL
    return ticket


@pytest.mark.parametrize("where", ["/complaints/approvals/", "/complaints/"])
def test_the_gm_queue_lists_compensation_proposals_and_measures_together(
    clock: Any,
    where: str,
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
    propose: Callable[..., PreventiveMeasure],
    compensation_ticket: Complaint,
    gm: Any,
    other_agent: Any,
    other_store: Any,
) -> None:
    waiting = drive(MeasureStatus.AWAITING_APPROVAL, measure="完工路试制度")
    approved = drive(MeasureStatus.APPROVED, measure="已批准的措施")
    theirs = propose(
        actor=other_agent,
        store=other_store,
        owner_department=DepartmentFactory(store=other_store, kind=DepartmentKind.BUSINESS),
    )
    response = browser(gm).get(where)
    assert response.status_code == 200
    body = text(response)
    assert compensation_ticket.number in body
    queue = body[body.index("待审批的预防措施") :]
    assert page(waiting) in queue and "完工路试制度" in queue
    assert page(approved) not in queue and page(theirs) not in queue
    assert [m.pk for m in response.context["measures"]] == [waiting.pk]


def test_only_the_gm_opens_the_approval_queue(
    clock: Any, browser: Callable[[Any], Client], agent: Any
) -> None:
    assert browser(agent).get("/complaints/approvals/").status_code == 403


# --- the cause code at resolution: form and API -----------------------------------------------------


@pytest.fixture
def in_progress(store: Any, care: Any, business: Any, agent: Any, business_mgr: Any) -> Complaint:
    customer = CustomerFactory(store=store)
    VehicleFactory(customer=customer)
    ticket = workflow.complaint_create(
        actor=agent,
        customer=customer,
        content="同一故障第三次返修。",
        received_by_department=care,
        category="repair",
        dispatch_to=business,
    )
    return workflow.complaint_contact(complaint=ticket, actor=business_mgr, cause="返修", note="客户说又坏了")


def test_the_resolve_form_records_the_cause_code(
    clock: Any, browser: Callable[[Any], Client], in_progress: Complaint, business_mgr: Any, cause: CauseCode
) -> None:
    client = browser(business_mgr)
    assert 'name="cause_code"' in text(client.get(f"/complaints/{in_progress.pk}/"))
    response = client.post(
        f"/complaints/{in_progress.pk}/resolve/", {"result": "更换密封件并路试", "cause_code": cause.pk}
    )
    assert response.status_code == 302
    in_progress.refresh_from_db()
    assert (in_progress.status, in_progress.cause_code) == (Status.RESOLVED, cause)


def test_the_resolve_api_records_the_cause_code(
    clock: Any, api: Callable[[Any], Any], in_progress: Complaint, business_mgr: Any, cause: CauseCode
) -> None:
    response = api(business_mgr).post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已修复", "cause_code": cause.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["cause_code"] == cause.pk
    in_progress.refresh_from_db()
    assert in_progress.cause_code == cause


def test_an_inactive_cause_code_is_refused_at_resolution(
    clock: Any, api: Callable[[Any], Any], in_progress: Complaint, business_mgr: Any, cause: CauseCode
) -> None:
    CauseCode.objects.filter(pk=cause.pk).update(active=False)
    response = api(business_mgr).post(
        f"/api/complaints/{in_progress.pk}/resolve/",
        {"result": "已修复", "cause_code": cause.pk},
        format="json",
    )
    assert response.status_code == 400 and "cause_code" in response.json()
    in_progress.refresh_from_db()
    assert in_progress.status == Status.IN_PROGRESS and in_progress.cause_code is None


def test_the_timeline_says_what_happened_in_the_pages_language(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    """Issue #22 "Change history in people's words": the measure's timeline names each step and
    status as the page does, never the stored keys ("approve", "awaiting_approval")."""
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    browser(gm).post(page(measure, "approve"), {"comment": "同意，按期完成"})
    body = text(browser(gm).get(page(measure)))
    start = body.index('<ol class="small">')
    timeline = body[start : body.index("</ol>", start)]
    assert "批准 → 已批准 · 同意，按期完成" in timeline and "提交审批 → 待总经理审批" in timeline
    for key in ("approve", "submit", "awaiting_approval", "approved", "create"):
        assert f" {key}" not in timeline, key
    from django.conf import settings

    client = browser(gm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = text(client.get(page(measure)))
    start = english.index('<ol class="small">')
    assert "Approve → Approved · 同意，按期完成" in english[start : english.index("</ol>", start)]


def test_an_empty_list_of_measures_says_so_without_an_empty_table(
    browser: Callable[[Any], Client], gm: Any
) -> None:
    # The GM's overview and the measures page: no measure waiting shows a line, not a table of
    # headers over "无".
    for page in ("/complaints/", "/complaints/measures/"):
        body = browser(gm).get(page).content.decode()
        assert 'data-testid="no-measures"' in body and "没有预防措施。" in body, page
        assert "类别 / 原因" not in body, page


# --- linked complaints: only those the reader may open (hostile-input audit) ----------------------

# Who reads a measure linking a business-department ticket and a sales ticket, and which of the two
# they may open (the ticket page's rule: a department manager or the assessor only their own).
READERS = [
    ("finance_mgr", set()),
    ("assessor", set()),
    ("sales_mgr", {"sales"}),
    ("business_mgr", {"business"}),
    ("gm", {"business", "sales"}),
    ("ccm", {"business", "sales"}),
]


@pytest.mark.parametrize(("who", "opens"), READERS)
def test_the_measure_page_shows_only_the_linked_tickets_the_reader_may_open(
    clock: Any,
    who: str,
    opens: set[str],
    request: pytest.FixtureRequest,
    browser: Callable[[Any], Client],
    split_measure: PreventiveMeasure,
    split_tickets: dict[str, Complaint],
) -> None:
    """The audit: another department's manager read the numbers and the customer's own words of
    tickets whose page is a 404 for them. Now those stay unseen; only how many there are is said."""
    client = browser(request.getfixturevalue(who))
    response = client.get(page(split_measure))
    assert response.status_code == 200
    body = text(response)
    for key, ticket in split_tickets.items():
        may_open = client.get(f"/complaints/{ticket.pk}/").status_code == 200
        assert may_open == (key in opens), key  # the ticket page's own answer
        assert (ticket.number in body) is may_open, key
        assert (ticket.content in body) is may_open, key
        assert (f"/complaints/{ticket.pk}/" in body) is may_open, key
    others = re.search(r'data-testid="other-complaints">([^<]*)<', body)
    if opens == set(split_tickets):
        assert others is None
    else:
        assert others and f"另有 {len(split_tickets) - len(opens)} 件相关投诉" in others.group(1)


def test_the_hidden_tickets_are_counted_in_the_readers_language(
    clock: Any, browser: Callable[[Any], Client], split_measure: PreventiveMeasure, finance_mgr: Any
) -> None:
    from django.conf import settings

    client = browser(finance_mgr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    others = re.search(r'data-testid="other-complaints">([^<]*)<', text(client.get(page(split_measure))))
    assert others and "2" in others.group(1) and not CHINESE.search(others.group(1))


# --- a step's comment: an invalid one is a 400 that says why and changes nothing (audit) ----------


@pytest.mark.parametrize(("action", "length"), [("approve", 5000), ("reject", 2002), ("reject", 2001)])
def test_an_over_long_comment_is_a_400_with_the_field_error_and_changes_nothing(
    clock: Any,
    action: str,
    length: int,
    browser: Callable[[Any], Client],
    drive: Callable[..., PreventiveMeasure],
    gm: Any,
) -> None:
    """The audit: a 5000-character approval went through with an empty comment, and a 2002-character
    rejection was told to write a comment. The form was checked and its answer ignored."""
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    events = measure.events.count()
    response = browser(gm).post(page(measure, action), {"comment": "x" * length})
    assert response.status_code == 400
    body = text(response)
    card = re.search(rf'data-testid="measure-{action}">(.*?)</form>', body, re.S)
    assert card, body
    errors = re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', card.group(1))
    assert errors and "2000" in errors[0] and CHINESE.search(errors[0])
    assert "x" * length in card.group(1)  # what was typed is kept to shorten, in its own form only
    assert "驳回时请填写意见" not in body and "已保存" not in body
    measure.refresh_from_db()
    assert (measure.status, measure.comment, measure.decided_by, measure.events.count()) == (
        MeasureStatus.AWAITING_APPROVAL,
        "",
        None,
        events,
    )
    assert not Notification.objects.filter(key__startswith=f"measure:{measure.pk}:{action}").exists()


def test_the_comments_error_is_in_the_readers_language(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    from django.conf import settings

    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    client = browser(gm)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(page(measure, "approve"), {"comment": "x" * 5000})
    assert response.status_code == 400
    errors = re.findall(r'<div class="invalid-feedback d-block">([^<]*)</div>', text(response))
    assert errors and "2000" in errors[0] and not CHINESE.search(errors[0])
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL


def test_an_over_long_comment_from_a_role_that_may_not_act_is_still_a_403(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], business_mgr: Any
) -> None:
    measure = drive(MeasureStatus.AWAITING_APPROVAL)
    assert browser(business_mgr).post(page(measure, "approve"), {"comment": "x" * 5000}).status_code == 403
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.AWAITING_APPROVAL


def test_an_over_long_comment_on_a_step_the_state_no_longer_offers_still_says_why(
    clock: Any, browser: Callable[[Any], Client], drive: Callable[..., PreventiveMeasure], gm: Any
) -> None:
    measure = drive(MeasureStatus.APPROVED)
    response = browser(gm).post(page(measure, "reject"), {"comment": "x" * 2001})
    assert response.status_code == 400
    alert = re.search(r'data-testid="step-errors">(.*?)</div>', text(response), re.S)
    assert alert and "2000" in alert.group(1)
    measure.refresh_from_db()
    assert (measure.status, measure.comment) == (MeasureStatus.APPROVED, "")
