"""Complaint pages: role queues, intake form, the ticket page and its action forms, print form, approvals;
roles (403) and other stores (404) on pages; the notification bell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint, Status
from complaints.services import workflow
from csat.models import Notification
from csat.notifications import notify
from tests.fixtures import at

pytestmark = pytest.mark.django_db


def _block(html: str, testid: str) -> str:
    """The HTML of the element carrying data-testid=…, up to the end of its table, group of rows, list
    or section."""
    start = html.index(f'data-testid="{testid}"')
    ends = (*(html.find(end, start) for end in ("</table>", "</tbody>", "</ol>", "</section>")), len(html))
    end = min(i for i in ends if i != -1)
    return html[start:end]


# --- queues ---------------------------------------------------------------------------------------


def test_board_shows_every_open_ticket_by_step(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    registered = make_complaint()
    awaiting = advance(make_complaint(), Status.AWAITING_APPROVAL)
    closed = advance(make_complaint(), Status.CLOSED)
    html = browser(agent).get("/complaints/").content.decode()
    assert registered.number in _block(html, "board-registered")
    assert awaiting.number not in _block(html, "board-registered")
    assert awaiting.number in _block(html, "board-awaiting_approval")
    assert closed.number not in html


def test_manager_queue_shows_only_my_department(
    clock: Any,
    browser: Callable[[Any], Client],
    sales_mgr: Any,
    business: Any,
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    mine_new = advance(make_complaint(), Status.DISPATCHED)
    mine_working = advance(make_complaint(), Status.IN_PROGRESS)
    theirs = workflow.complaint_dispatch(complaint=make_complaint(), actor=agent, department=business)
    undispatched = make_complaint()
    response = browser(sales_mgr).get("/complaints/")
    assert response.status_code == 200
    html = response.content.decode()
    assert mine_new.number in _block(html, "queue-new")
    assert mine_working.number not in _block(html, "queue-new")
    assert mine_working.number in _block(html, "queue-open")
    for other in (theirs, undispatched):
        assert other.number not in html
    # One table, its three groups in order under one header (their columns line up); the empty
    # "overdue" group says so, its count 0 is news too.
    table = html[
        html.index('data-testid="queue"') : html.index("</table>", html.index('data-testid="queue"'))
    ]
    assert "<table" not in table and table.count("<thead>") == 1 and table.count('<th scope="col"') == 8
    assert re.findall(r'<tbody data-testid="queue-(\w+)">', table) == ["new", "breached", "open"]
    assert 'data-testid="count-breached">0<' in table and "没有投诉。" in _block(html, "queue-breached")


def test_manager_queue_lists_breached_tickets(
    clock: Any,
    browser: Callable[[Any], Client],
    sales_mgr: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    from complaints.services.deadlines import enforce_deadlines

    clock.move_to(at(2026, 3, 11, 17, 0))
    late = advance(make_complaint(urgent=True), Status.DISPATCHED)  # first contact by 19:00 (clock)
    on_time = advance(make_complaint(), Status.DISPATCHED)  # by 10:00 tomorrow (working time)
    clock.move_to(at(2026, 3, 11, 19, 1))
    enforce_deadlines()
    html = browser(sales_mgr).get("/complaints/").content.decode()
    breached = _block(html, "queue-breached")
    assert late.number in breached
    assert on_time.number not in breached
    # Each ticket in one group: the overdue new dispatch is not repeated under "new" or "other"
    # (the groups once repeated up to two thirds of the rows).
    assert on_time.number in _block(html, "queue-new") and late.number not in _block(html, "queue-new")
    assert html.count(f">{late.number}</a>") == 1 and html.count(f">{on_time.number}</a>") == 1


def test_gm_page_and_approval_queue(
    clock: Any,
    browser: Callable[[Any], Client],
    gm: Any,
    sales_mgr: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    waiting = advance(make_complaint(), Status.AWAITING_APPROVAL)
    working = advance(make_complaint(), Status.IN_PROGRESS)
    html = browser(gm).get("/complaints/").content.decode()
    approvals = _block(html, "gm-approvals")
    assert waiting.number in approvals and working.number not in approvals
    assert working.number in html
    html = browser(gm).get("/complaints/approvals/").content.decode()
    queue = _block(html, "approval-queue")
    assert waiting.number in queue and "¥500.00" in queue and working.number not in queue
    # No penalty request waits: a line says so, no table of headers over an empty row.
    penalties = _block(html, "penalty-queue")
    assert 'data-testid="no-penalties"' in penalties and "<th" not in penalties
    # Managers have no approval queue.
    assert browser(sales_mgr).get("/complaints/approvals/").status_code == 403


# --- intake page --------------------------------------------------------------------------------


def test_intake_form_creates_a_registered_ticket(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any
) -> None:
    response = browser(agent).post(
        "/complaints/new/",
        {
            "mobile": customer.mobile,
            "name": customer.name,
            "plate": "粤B12345",
            "kind": "complaint",
            "channel": "phone",
            "category": "repair",
            "content": "维修后车辆仍漏油",
            "major_criteria": ["safety"],
        },
    )
    assert response.status_code == 302
    ticket = Complaint.objects.get()
    assert response["Location"] == f"/complaints/{ticket.pk}/"
    assert ticket.customer == customer and ticket.status == Status.REGISTERED
    assert ticket.severity == "major" and ticket.major_criteria == ["safety"]
    assert ticket.vehicle is not None and ticket.vehicle.plate == "粤B12345"


def test_intake_form_with_an_earlier_time_needs_a_reason(
    clock: Any, browser: Callable[[Any], Client], agent: Any, customer: Any
) -> None:
    data = {
        "mobile": customer.mobile,
        "kind": "complaint",
        "channel": "phone",
        "category": "repair",
        "content": "昨晚来电",
        "received_at": "2026-03-10T20:00",
    }
    response = browser(agent).post("/complaints/new/", data)
    assert response.status_code == 400
    assert "补录原因" in response.content.decode()
    assert not Complaint.objects.exists()
    response = browser(agent).post("/complaints/new/", {**data, "received_at_reason": "值班电话"})
    assert response.status_code == 302
    assert Complaint.objects.get().received_at == at(2026, 3, 10, 20, 0)


def test_group_viewer_cannot_open_the_intake_form(
    clock: Any, browser: Callable[[Any], Client], viewer: Any, customer: Any
) -> None:
    assert browser(viewer).get("/complaints/new/").status_code == 403
    response = browser(viewer).post("/complaints/new/", {"mobile": customer.mobile, "content": "x"})
    assert response.status_code == 403
    assert not Complaint.objects.exists()


# --- the ticket page ---------------------------------------------------------------------------


def test_ticket_page_shows_timeline_deadlines_and_only_my_actions(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    gm_html = browser(people["gm"]).get(f"/complaints/{ticket.pk}/").content.decode()
    for action in ("approve", "reject"):
        assert f'data-testid="action-{action}"' in gm_html
    timeline = _block(gm_html, "timeline")
    for label in ("接收登记", "派单", "联系客户", "提出方案"):
        assert label in timeline
    deadlines = _block(gm_html, "deadlines")
    assert "联系客户（2 小时）" in deadlines and "进度报告" in deadlines

    mgr_html = browser(people["sales_mgr"]).get(f"/complaints/{ticket.pk}/").content.decode()
    assert 'data-testid="action-approve"' not in mgr_html
    assert 'data-testid="action-progress"' in mgr_html
    agent_html = browser(people["agent"]).get(f"/complaints/{ticket.pk}/").content.decode()
    assert not re.search(r'data-testid="action-(approve|reject|progress|resolve)"', agent_html)
    # Posting anyway is refused by role.
    for action, data in (("progress", {"note": "x"}), ("approve", {"comment": "x"})):
        assert browser(people["agent"]).post(f"/complaints/{ticket.pk}/{action}/", data).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL and ticket.events.filter(action="progress").count() == 0


def test_agent_cannot_contact_or_propose_on_the_page(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    dispatched = advance(make_complaint(), Status.DISPATCHED)
    assert browser(agent).post(f"/complaints/{dispatched.pk}/contact/", {"cause": "x"}).status_code == 403
    working = advance(make_complaint(), Status.IN_PROGRESS)
    assert browser(agent).post(f"/complaints/{working.pk}/propose/", {"solution": "道歉"}).status_code == 403
    dispatched.refresh_from_db()
    working.refresh_from_db()
    assert (dispatched.status, working.status) == (Status.DISPATCHED, Status.IN_PROGRESS)


def test_actions_through_the_pages(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    url = f"/complaints/{ticket.pk}"
    # A manager may not approve: 403, nothing changes.
    assert browser(people["sales_mgr"]).post(f"{url}/approve/", {"comment": "好"}).status_code == 403
    # Resolving before approval: refused by the state (409) with the reason on the page.
    response = browser(people["sales_mgr"]).post(f"{url}/resolve/", {"result": "已处理"})
    assert response.status_code == 409
    assert "审批" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL
    # Rejecting without a comment is refused; with one it goes through.
    response = browser(people["gm"]).post(f"{url}/reject/", {"comment": ""})
    assert response.status_code in (400, 409)
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL
    response = browser(people["gm"]).post(f"{url}/approve/", {"comment": "同意"})
    assert response.status_code == 302 and response["Location"] == f"{url}/"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.approved_by == people["gm"]
    # Resolve with a signed agreement; a wrong file type is a 400 form error.
    bad = SimpleUploadedFile("agreement.exe", b"MZ", content_type="application/octet-stream")
    response = browser(people["sales_mgr"]).post(f"{url}/resolve/", {"result": "已处理", "agreement": bad})
    assert response.status_code == 400
    good = SimpleUploadedFile("agreement.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg")
    response = browser(people["sales_mgr"]).post(f"{url}/resolve/", {"result": "已处理", "agreement": good})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.agreement.name.endswith(".jpg")
    # Follow-up before the window: 409; an unknown action: 404.
    response = browser(people["agent"]).post(f"{url}/follow_up/", {"outcome": "satisfied"})
    assert response.status_code == 409
    assert "回访时间窗口尚未开启" in response.content.decode()
    assert browser(people["agent"]).post(f"{url}/delete/", {}).status_code == 404


def test_department_manager_of_another_department_gets_403_on_the_page(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    business: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = make_complaint(actor=people["business_mgr"], received_by_department=business)
    ticket = advance(ticket, Status.DISPATCHED)  # to sales; business received it, so may look
    client = browser(people["business_mgr"])
    assert client.get(f"/complaints/{ticket.pk}/").status_code == 200
    assert client.post(f"/complaints/{ticket.pk}/contact/", {"cause": "x"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED


def test_another_stores_ticket_is_404_on_every_page(
    clock: Any,
    browser: Callable[[Any], Client],
    other_agent: Any,
    make_complaint: Callable[..., Complaint],
) -> None:
    ticket = make_complaint()
    client = browser(other_agent)
    assert client.get(f"/complaints/{ticket.pk}/").status_code == 404
    assert client.get(f"/complaints/{ticket.pk}/print/").status_code == 404
    other_department = other_agent.profile.department.pk
    assert (
        client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": other_department}).status_code == 404
    )
    assert ticket.number not in client.get("/complaints/").content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED


def test_print_form_has_every_field(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)
    html = browser(agent).get(f"/complaints/{ticket.pk}/print/").content.decode()
    for text in (
        "客户投诉信息反馈单",
        ticket.number,
        ticket.customer.name,
        ticket.phone,
        "粤B",
        ticket.content,
        "销售部",
        "漏检",
        "免费复检并赠送保养",
        "¥500.00",
        "客户接受方案",
        "已批准",
        "2026-03-11 10:00",
    ):
        assert text in html, text


# --- the bell ------------------------------------------------------------------------------------


def test_bell_shows_the_unread_count_and_mark_read(
    clock: Any, browser: Callable[[Any], Client], agent: Any, ccm: Any
) -> None:
    for i in range(3):
        notify(recipients=[agent], key=f"test:{i}", title=f"提醒 {i}")
    notify(recipients=[ccm], key="test:ccm", title="别人的")
    client = browser(agent)
    for page in ("/complaints/", "/notifications/", "/"):
        html = client.get(page).content.decode()
        assert re.search(r'data-testid="unread-count">\s*3\s*<', html), page

    first = Notification.objects.get(recipient=agent, key="test:0")
    theirs = Notification.objects.get(recipient=ccm)
    assert client.post("/notifications/", {"id": first.pk}).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert re.search(r'data-testid="unread-count">\s*2\s*<', client.get("/complaints/").content.decode())
    # Marking somebody else's notification does nothing.
    client.post("/notifications/", {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # "Mark all read": the badge disappears.
    client.post("/notifications/", {})
    assert Notification.objects.filter(recipient=agent, read_at__isnull=True).count() == 0
    assert 'data-testid="unread-count"' not in client.get("/complaints/").content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(
    browser: Callable[[Any], Client], agent: Any, ccm: Any
) -> None:
    notify(recipients=[agent], key="test:open", title="新派单", url="/complaints/")
    notify(recipients=[agent], key="test:later", title="稍后再看", url="/callbacks/")
    notify(recipients=[agent], key="test:odd", title="外链", url="//evil.example/x")
    notify(recipients=[ccm], key="test:ccm", title="别人的", url="/complaints/")
    client = browser(agent)
    one = Notification.objects.get(recipient=agent, key="test:open")
    inbox = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{one.pk}/"' in inbox  # the title opens through the inbox

    response = client.get(f"/notifications/{one.pk}/")
    assert response.status_code == 302 and response["Location"] == "/complaints/"
    one.refresh_from_db()
    assert one.read_at is not None
    # The unread tab keeps what is still unseen; the opened one has left it.
    unread = client.get("/notifications/?unread=1").content.decode()
    assert "稍后再看" in unread and "新派单" not in unread
    assert re.search(r'data-testid="unread-count">\s*2\s*<', unread)
    # Marking one read from the unread tab returns to that tab.
    later = Notification.objects.get(recipient=agent, key="test:later")
    assert client.post("/notifications/?unread=1", {"id": later.pk})["Location"] == "/notifications/?unread=1"

    # Never a redirect off the site, never someone else's notification, never a write by POST.
    odd = Notification.objects.get(recipient=agent, key="test:odd")
    assert client.get(f"/notifications/{odd.pk}/")["Location"] == "/notifications/"
    theirs = Notification.objects.get(recipient=ccm)
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(f"/notifications/{one.pk}/").status_code == 405
    assert "没有未读通知" in client.get("/notifications/?unread=1").content.decode()
