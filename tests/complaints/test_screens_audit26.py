"""Screen defects of the browser audit on demo data (round 26): where a step leaves the user, the
GM's links, buttons a role may not use, names in selects, the follow-up record, the way back to a
call, and English punctuation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Status
from csat.models import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _flashes(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- 1. A step that takes the ticket away lands on the queue, not on a 404 ----------------------------


def test_returning_a_ticket_lands_on_the_queue_with_the_message(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = web(people["sales_mgr"])
    response = client.post(f"/complaints/{ticket.pk}/return/", {"reason": "不属销售部"})
    assert response.status_code == 302
    assert response["Location"] == "/complaints/"
    assert any("已退回客户部" in m for m in _flashes(response))
    assert client.get(response["Location"]).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED


def test_a_step_that_keeps_the_ticket_in_reach_stays_on_the_ticket(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    response = web(people["sales_mgr"]).post(f"/complaints/{ticket.pk}/contact/", {"note": "客户说异响"})
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{ticket.pk}/"


# --- 2. The GM's home links the approvals page ---------------------------------------------------------


def test_gm_home_links_the_approvals_page(web: Callable[[Any], Any], gm: Any) -> None:
    html = web(gm).get("/").content.decode()
    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-testid="landing-approvals"', html)
    assert link is not None, "no approvals link on the GM's home"
    assert link.group(1) == reverse("complaints:approvals")
    assert web(gm).get(link.group(1)).status_code == 200


# --- 3. The crisis warning's confirm button only for those who may confirm ----------------------------


def test_head_office_sees_the_warning_without_the_confirm_button(
    clock: Any, web: Callable[[Any], Any], hq: Any, ccm: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint(content="再不处理我就找记者曝光")
    url = f"/complaints/{ticket.pk}/"
    confirm = f"/complaints/{ticket.pk}/confirm-major/"
    read_only = web(hq).get(url)
    assert read_only.status_code == 200
    html = read_only.content.decode()
    assert 'data-testid="signals"' in html and confirm not in html
    assert web(hq).post(confirm).status_code == 403  # the view's check, unchanged
    assert confirm in web(ccm).get(url).content.decode()


# --- 4. The assign select names people, not logins ------------------------------------------------------


def test_assign_select_lists_display_names(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    store: Any,
    sales: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    worker = StaffFactory(
        username="sz01_sales1", name="梁师傅", role=Role.STAFF, store=store, department=sales
    )
    nameless = StaffFactory(username="sz01_sales2", name="", role=Role.STAFF, store=store, department=sales)
    ticket = advance(make_complaint(), Status.DISPATCHED)
    html = web(people["sales_mgr"]).get(f"/complaints/{ticket.pk}/").content.decode()
    select = re.search(r'<select name="user"[^>]*id="id_assign_user".*?</select>', html, re.S)
    assert select is not None, "no assign select on the manager's ticket page"
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(0)))
    assert options[str(worker.pk)] == "梁师傅"
    assert options[str(nameless.pk)] == "sz01_sales2"  # no name: the login name, not a blank row
    manager = people["sales_mgr"]
    assert options[str(manager.pk)] == manager.get_full_name()


# --- 5. Reopening at the follow-up needs the record of what is still wrong ----------------------------


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("zh-hans", "客户不满意时请填写回访记录：客户仍对什么不满意。"),
        ("en", "The customer is unsatisfied: record what they are still unhappy about."),
    ],
)
def test_unsatisfied_follow_up_needs_the_record(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    language: str,
    error: str,
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)
    clock.shift(dt.timedelta(days=5, hours=1))  # inside the day 5–7 window
    client = web(people["agent"])
    client.cookies["django_language"] = language
    events = ticket.events.count()
    for blank in ("", "   "):
        response = client.post(
            f"/complaints/{ticket.pk}/follow_up/", {"outcome": "unsatisfied", "note": blank}
        )
        assert response.status_code == 400
        assert error in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count, ticket.events.count()) == (Status.RESOLVED, 0, events)
    done = client.post(f"/complaints/{ticket.pk}/follow_up/", {"outcome": "unsatisfied", "note": "异响仍在"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == (Status.DISPATCHED, 1)


def test_satisfied_follow_up_needs_no_record_and_the_api_keeps_its_optional_note(
    clock: Any,
    web: Callable[[Any], Any],
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    satisfied = advance(make_complaint(), Status.RESOLVED)
    reopened = advance(make_complaint(content="空调不制冷"), Status.RESOLVED)
    clock.shift(dt.timedelta(days=5, hours=1))
    response = web(people["agent"]).post(f"/complaints/{satisfied.pk}/follow_up/", {"outcome": "satisfied"})
    assert response.status_code == 302
    # CONTRACT: the API's follow_up takes ``outcome``; its note stays optional.
    response = api(people["agent"]).post(
        f"/api/complaints/{reopened.pk}/follow_up/", {"outcome": "unsatisfied"}, format="json"
    )
    assert response.status_code == 200, response.content


# --- 6. A complaint logged during a call links back to the call --------------------------------------


def _task(store: Any, customer: Any) -> Any:
    from callbacks.models import CallbackTask, SurveyType

    now = timezone.now()
    return CallbackTask.objects.create(
        store=store,
        type=SurveyType.FIVE_DIMENSION,
        customer=customer,
        vehicle=customer.vehicles.get(),
        due_at=now,
        expires_at=now + dt.timedelta(days=15),
        period="2026Q1",
    )


def _href(html: str, testid: str) -> str | None:
    link = re.search(rf'<a [^>]*href="([^"]+)"[^>]*data-testid="{testid}"', html)
    return link.group(1).replace("&amp;", "&") if link else None


def test_a_complaint_logged_from_a_call_links_back_to_the_call(
    clock: Any, web: Callable[[Any], Any], agent: Any, store: Any, customer: Any
) -> None:
    task = _task(store, customer)
    call = f"/callbacks/{task.pk}/"
    client = web(agent)
    start = _href(client.get(call).content.decode(), "new-complaint")
    assert start is not None and "channel=callback" in start and f"callback={task.pk}" in start
    # The call page's link names its task: no Referer needed (a browser may not send one).
    form = client.get(start).content.decode()
    assert _href(form, "back-to-callback") == call
    hidden = re.search(r'name="callback" value="(\d+)"', form)
    assert hidden is not None and hidden.group(1) == str(task.pk)
    data = {
        "mobile": customer.mobile,
        "name": customer.name,
        "kind": "complaint",
        "channel": "callback",
        "category": "repair",
        "content": "回访时客户说保养后仍有异响",
        "callback": hidden.group(1),
    }
    created = client.post("/complaints/new/", data)
    assert created.status_code == 302
    ticket = Complaint.objects.get()
    assert created["Location"] == f"/complaints/{ticket.pk}/?callback={task.pk}"
    page = client.get(created["Location"]).content.decode()
    assert _href(page, "back-to-callback") == call
    assert client.get(call).status_code == 200


def test_a_complaint_logged_elsewhere_offers_no_call(
    clock: Any, web: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    client = web(agent)
    form = client.get("/complaints/new/?channel=callback", HTTP_REFERER="http://evil.example/callbacks/1/")
    assert _href(form.content.decode(), "back-to-callback") is None
    data = {"mobile": customer.mobile, "kind": "complaint", "channel": "phone", "category": "repair"}
    created = client.post("/complaints/new/", {**data, "content": "电话投诉", "callback": ""})
    ticket = Complaint.objects.get()
    assert created["Location"] == f"/complaints/{ticket.pk}/"
    assert _href(client.get(created["Location"]).content.decode(), "back-to-callback") is None
    garbled = client.get(f"/complaints/{ticket.pk}/?callback=abc")
    assert garbled.status_code == 200 and _href(garbled.content.decode(), "back-to-callback") is None


# --- 7. English pages use English punctuation; "have been notified" for several people ---------------

FULL_WIDTH = re.compile(r"[：（）；、]")


def _english(client: Any) -> Any:
    client.cookies["django_language"] = "en"
    return client


def _text(html: str) -> str:
    """The page's text outside scripts and styles, tags removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_english_ticket_gm_and_print_pages_have_no_chinese_punctuation(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    # No score on record: the suggested grade's reason is "No score; defaulted to neutral".
    ticket = make_complaint(content="保养后发动机异响", major_criteria=["adverse_impact", "safety"])
    ticket = advance(ticket, Status.AWAITING_APPROVAL)
    Complaint.objects.filter(pk=ticket.pk).update(compensation_in_kind="两次免费保养")
    ticket.refresh_from_db()
    gm = _english(web(people["gm"]))
    pages = {
        "ticket": gm.get(f"/complaints/{ticket.pk}/"),
        "gm": gm.get("/complaints/"),
        "approvals": gm.get("/complaints/approvals/"),
        "print": gm.get(f"/complaints/{ticket.pk}/print/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        stray = sorted({m.group(0) for m in FULL_WIDTH.finditer(_text(response.content.decode()))})
        assert not stray, f"{name}: {stray}"
    assert "Plan: " in pages["approvals"].content.decode()
    assert "Number: " in pages["print"].content.decode()
    ticket_page = pages["ticket"].content.decode()
    assert f"{ticket.suggested_grade} (" in ticket_page
    assert "In kind: " in ticket_page


def test_notified_people_in_english_agree_in_number(
    clock: Any, people: dict[str, Any], make_complaint: Callable[..., Complaint]
) -> None:
    from django.utils import translation

    from complaints.views_support import outcome_message

    ticket = make_complaint()
    agent, ccm = people["agent"], people["ccm"]
    with translation.override("en"):
        one = outcome_message("return", ticket, [ccm])
        both = outcome_message("return", ticket, [ccm, agent])
    assert one.endswith(f"({ccm.get_full_name()}) has been notified."), one
    assert both.endswith(f"({agent.get_full_name()}) have been notified."), both
    with translation.override("zh-hans"):
        assert outcome_message("return", ticket, [ccm, agent]).endswith("已收到通知。")


def test_a_grievance_has_no_complaint_level_in_lists_and_on_its_page(
    clock: Any, web: Callable[[Any], Any], people: dict[str, Any], make_complaint: Callable[..., Complaint]
) -> None:
    """DOMAIN §9: a dissatisfied callback or a grievance is not a complaint; the 级别 column said
    一般投诉 for them beside the complaints."""
    grievance = make_complaint(kind="grievance", content="等待时间太长")
    complaint = make_complaint(content="保养后发动机异响")
    ccm = web(people["ccm"])
    listing = ccm.get("/complaints/list/").content.decode()

    def row(ticket: Complaint) -> str:
        start = listing.index(ticket.number)
        return listing[start : listing.index("</tr>", start)]

    assert "一般投诉" not in row(grievance) and "抱怨" in row(grievance)
    assert 'class="col-severity is-none"' in row(grievance)  # a phone's card leaves the "—" out
    assert "一般投诉" in row(complaint)
    page = ccm.get(f"/complaints/{grievance.pk}/").content.decode()
    header = page.split("</h1>")[0]
    assert "一般投诉" not in header and 'data-testid="ticket-kind">抱怨<' in header
