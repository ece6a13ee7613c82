"""/api/complaints/ and its actions (CONTRACT): the full happy path, roles (403) and visibility (404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Complaint, Status
from csat.models import Role
from tests.factories import StaffFactory
from tests.fixtures import CHINESE, T0, at, local

pytestmark = pytest.mark.django_db


def ok(response: Any, code: int = 200) -> dict[str, Any]:
    assert response.status_code == code, response.content
    return response.json()


def test_full_happy_path_through_the_api(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    customer: Any,
    sales: Any,
) -> None:
    agent, mgr, gm = api(people["agent"]), api(people["sales_mgr"]), api(people["gm"])

    # Intake by customer care: registered at once (the feedback form exists).
    body = ok(
        agent.post(
            "/api/complaints/",
            {
                "customer": customer.pk,
                "kind": "complaint",
                "content": "新车交付时承诺的脚垫没有给，销售顾问态度差。",
                "channel": "phone",
                "category": "sales",
                "urgent": False,
                "major_criteria": [],
            },
            format="json",
        ),
        201,
    )
    pk = body["id"]
    assert body["status"] == "registered"
    assert body["severity"] == "general"
    assert body["received_by_department"] == people["agent"].profile.department_id
    assert local(body["received_at"]) == T0
    assert {d["kind"] for d in body["deadlines"]} == {"handoff", "dispatch"}
    # Escalation is the managers' call; an internal note anyone working the ticket may add.
    assert body["allowed_actions"] == ["dispatch", "note"]
    url = f"/api/complaints/{pk}"

    clock.shift(dt.timedelta(minutes=10))
    body = ok(agent.post(f"{url}/dispatch/", {"department": sales.pk}, format="json"))
    assert body["status"] == "dispatched" and body["department"] == sales.pk

    clock.shift(dt.timedelta(minutes=40))
    body = ok(
        mgr.post(
            f"{url}/contact/",
            {
                "cause": "交付清单漏项",
                "background": "首次购车",
                "expectation": "补发脚垫并道歉",
                "note": "已致电",
            },
            format="json",
        )
    )
    assert body["status"] == "in_progress"
    assert body["expectation"] == "补发脚垫并道歉"

    clock.shift(dt.timedelta(hours=3))
    body = ok(mgr.post(f"{url}/progress/", {"note": "脚垫已订货"}, format="json"))
    assert body["status"] == "in_progress"

    body = ok(
        mgr.post(
            f"{url}/propose/",
            {"solution": "补发脚垫并赠送一次保养", "compensation_amount": "600.00"},
            format="json",
        )
    )
    assert body["status"] == "awaiting_approval"
    assert body["approval"] == "pending" and body["compensation_amount"] == "600.00"

    # Nothing with compensation is carried out before the GM approves.
    response = mgr.post(f"{url}/resolve/", {"result": "已补发"}, format="json")
    assert response.status_code == 409
    assert CHINESE.search(response.json()["detail"])
    assert Complaint.objects.get(pk=pk).status == Status.AWAITING_APPROVAL

    body = ok(gm.post(f"{url}/approve/", {"comment": "同意，尽快落实"}, format="json"))
    assert body["status"] == "in_progress" and body["approval"] == "approved"

    clock.move_to(at(2026, 3, 12, 15, 0))
    agreement = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 signed agreement", content_type="application/pdf")
    body = ok(
        mgr.post(f"{url}/resolve/", {"result": "客户签字确认", "agreement": agreement}, format="multipart")
    )
    assert body["status"] == "resolved"
    ticket = Complaint.objects.get(pk=pk)
    assert ticket.agreement.name.startswith("agreements/2026/03/")  # a random name (csat.uploads)
    assert ticket.agreement.name.endswith(".pdf") and "协议" not in ticket.agreement.name
    with ticket.agreement.open("rb") as fh:
        assert fh.read() == b"%PDF-1.4 signed agreement"

    # Follow-up window: day 5–7 after resolution (resolved 03-12 → opens 03-17 00:00).
    clock.move_to(at(2026, 3, 16, 18, 0))
    response = agent.post(f"{url}/follow_up/", {"outcome": "satisfied"}, format="json")
    assert response.status_code == 409
    refused = response.json()
    assert local(refused["opens_at"]) == at(2026, 3, 17, 0, 0)
    assert "2026-03-17" in refused["detail"]

    clock.move_to(at(2026, 3, 17, 10, 0))
    body = ok(agent.post(f"{url}/follow_up/", {"outcome": "satisfied", "note": "客户满意"}, format="json"))
    assert body["status"] == "closed"
    assert local(body["closed_at"]) == at(2026, 3, 17, 10, 0)
    assert body["allowed_actions"] == ["note"]  # a closed ticket still takes an internal note

    # The timeline: one event per action, who, from, to.
    history = [(h["action"], h["from_status"], h["to_status"], h["actor"]) for h in body["history"]]
    assert history == [
        ("create", "", "received", "agent"),
        ("register", "received", "registered", "agent"),
        ("dispatch", "registered", "dispatched", "agent"),
        ("contact", "dispatched", "in_progress", "sales_mgr"),
        ("progress", "in_progress", "in_progress", "sales_mgr"),
        ("propose", "in_progress", "awaiting_approval", "sales_mgr"),
        ("approve", "awaiting_approval", "in_progress", "gm"),
        ("resolve", "in_progress", "resolved", "sales_mgr"),
        ("follow_up", "resolved", "closed", "agent"),
    ]
    # Every timer of the cycle was met; none breached (general ticket, working time). The next
    # progress report the report started was no longer needed once resolved: stopped, not met.
    deadlines = {(d["kind"], d["sequence"]): d for d in body["deadlines"]}
    assert set(deadlines) == {
        ("handoff", 1),
        ("dispatch", 1),
        ("first_contact", 1),
        ("progress_report", 1),
        ("progress_report", 2),
        ("follow_up", 1),
    }
    stopped = deadlines.pop(("progress_report", 2))
    assert stopped["met_at"] is None and stopped["cancelled_at"] and stopped["breached_at"] is None
    assert all(
        d["met_at"] and d["breached_at"] is None and d["cancelled_at"] is None for d in deadlines.values()
    )


def test_detail_and_list_fields(
    clock: Any, api: Callable[[Any], Any], agent: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint(urgent=True)
    body = ok(api(agent).get("/api/complaints/"))
    assert len(body["results"]) == 1 and body["next"] is None and body["previous"] is None
    row = body["results"][0]
    assert row["id"] == ticket.pk and row["status"] == "registered" and row["urgent"] is True
    assert row["next_due_kind"] == "dispatch"
    assert local(row["next_due_at"]) == T0 + dt.timedelta(minutes=30)
    detail = ok(api(agent).get(f"/api/complaints/{ticket.pk}/"))
    for field in ("deadlines", "history", "received_by_department", "received_at", "severity", "kind"):
        assert field in detail


def test_list_filters_by_status(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    registered = make_complaint()
    dispatched = advance(make_complaint(), Status.DISPATCHED)
    ids = [r["id"] for r in ok(api(agent).get("/api/complaints/?status=dispatched"))["results"]]
    assert ids == [dispatched.pk]
    ids = {
        r["id"] for r in ok(api(agent).get("/api/complaints/?status=registered&status=dispatched"))["results"]
    }
    assert ids == {registered.pk, dispatched.pk}


# --- roles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sales_mgr", "ccm", "agent"])
def test_only_the_gm_approves_or_rejects(
    who: str,
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    client = api(people[who])
    for action in ("approve", "reject"):
        response = client.post(f"/api/complaints/{ticket.pk}/{action}/", {"comment": "同意"}, format="json")
        assert response.status_code == 403, (who, action, response.content)
        assert CHINESE.search(response.json()["detail"])
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL and ticket.approved_by is None


def test_department_managers_act_only_in_their_own_department(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Any,
) -> None:
    # Received by the business department (so its manager sees it), dispatched to sales.
    ticket = make_complaint(actor=people["business_mgr"], received_by_department=business)
    ticket = advance(ticket, Status.DISPATCHED)
    assert ticket.department.kind == "sales"
    business_mgr = api(people["business_mgr"])
    assert business_mgr.get(f"/api/complaints/{ticket.pk}/").status_code == 200
    response = business_mgr.post(f"/api/complaints/{ticket.pk}/contact/", {"cause": "x"}, format="json")
    assert response.status_code == 403
    assert CHINESE.search(response.json()["detail"])
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.first_contact_at is None
    # The responsible manager may.
    assert ok(
        api(people["sales_mgr"]).post(
            f"/api/complaints/{ticket.pk}/contact/", {"note": "客户说脚垫没给"}, format="json"
        )
    )


def test_other_departments_tickets_are_invisible_to_a_department_manager(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)  # received by care, dispatched to sales
    client = api(people["business_mgr"])
    assert ok(client.get("/api/complaints/"))["results"] == []
    assert client.get(f"/api/complaints/{ticket.pk}/").status_code == 404
    assert client.post(f"/api/complaints/{ticket.pk}/contact/", {}, format="json").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED


@pytest.mark.parametrize("action", ["contact", "propose", "resolve", "progress"])
def test_agents_cannot_do_the_departments_work(
    action: str,
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    status = Status.DISPATCHED if action == "contact" else Status.IN_PROGRESS
    ticket = advance(make_complaint(), status)
    payload = {"solution": "道歉", "result": "好了", "note": "进度"}
    response = api(agent).post(f"/api/complaints/{ticket.pk}/{action}/", payload, format="json")
    assert response.status_code == 403, response.content
    ticket.refresh_from_db()
    assert ticket.status == status


def test_department_managers_cannot_register_dispatch_or_follow_up(
    clock: Any,
    api: Callable[[Any], Any],
    sales_mgr: Any,
    sales: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = make_complaint()
    response = api(sales_mgr).post(
        f"/api/complaints/{ticket.pk}/dispatch/", {"department": sales.pk}, format="json"
    )
    # Not dispatched to them yet, so not even visible in their scope.
    assert response.status_code == 404
    resolved = advance(make_complaint(), Status.RESOLVED)
    clock.shift(dt.timedelta(days=5))
    response = api(sales_mgr).post(
        f"/api/complaints/{resolved.pk}/follow_up/", {"outcome": "satisfied"}, format="json"
    )
    assert response.status_code == 403
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED


def test_group_viewer_reads_every_store_but_cannot_create_or_act(
    clock: Any,
    api: Callable[[Any], Any],
    viewer: Any,
    customer: Any,
    make_complaint: Callable[..., Complaint],
    other_agent: Any,
    other_store: Any,
) -> None:
    from complaints.services import workflow
    from tests.factories import CustomerFactory

    mine = make_complaint()
    foreign_customer = CustomerFactory(store=other_store)
    theirs = workflow.complaint_create(
        actor=other_agent,
        customer=foreign_customer,
        content="等待时间过长",
        received_by_department=other_agent.profile.department,
    )
    client = api(viewer)
    ids = {r["id"] for r in ok(client.get("/api/complaints/"))["results"]}
    assert ids == {mine.pk, theirs.pk}
    response = client.post("/api/complaints/", {"customer": customer.pk, "content": "x"}, format="json")
    assert response.status_code == 403
    assert Complaint.objects.count() == 2
    response = client.post(f"/api/complaints/{mine.pk}/escalate/", {}, format="json")
    assert response.status_code == 403


def test_another_stores_complaint_is_404(
    clock: Any,
    api: Callable[[Any], Any],
    other_agent: Any,
    gm: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    other_store: Any,
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    client = api(other_agent)
    assert client.get(f"/api/complaints/{ticket.pk}/").status_code == 404
    assert client.post(f"/api/complaints/{ticket.pk}/escalate/", {}, format="json").status_code == 404
    assert ok(client.get("/api/complaints/"))["results"] == []
    # Even a GM of the other store.
    other_gm = StaffFactory(username="gm_gz", role=Role.GENERAL_MANAGER, store=other_store)
    assert api(other_gm).post(f"/api/complaints/{ticket.pk}/approve/", {}, format="json").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL


def test_department_manager_list_shows_only_their_department(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Any,
    agent: Any,
) -> None:
    from complaints.services import workflow

    to_sales = advance(make_complaint(), Status.DISPATCHED)
    to_business = workflow.complaint_dispatch(complaint=make_complaint(), actor=agent, department=business)
    undispatched = make_complaint()
    sales_ids = {r["id"] for r in ok(api(people["sales_mgr"]).get("/api/complaints/"))["results"]}
    business_ids = {r["id"] for r in ok(api(people["business_mgr"]).get("/api/complaints/"))["results"]}
    agent_ids = {r["id"] for r in ok(api(agent).get("/api/complaints/"))["results"]}
    assert sales_ids == {to_sales.pk}
    assert business_ids == {to_business.pk}
    assert agent_ids == {to_sales.pk, to_business.pk, undispatched.pk}


def test_front_line_staff_record_complaints_and_see_only_their_own(
    clock: Any,
    api: Callable[[Any], Any],
    front_line: Any,
    customer: Any,
    make_complaint: Callable[..., Complaint],
) -> None:
    make_complaint()  # somebody else's
    body = ok(
        api(front_line).post(
            "/api/complaints/", {"customer": customer.pk, "content": "现场投诉：洗车不干净"}, format="json"
        ),
        201,
    )
    assert body["status"] == "received"
    ids = [r["id"] for r in ok(api(front_line).get("/api/complaints/"))["results"]]
    assert ids == [body["id"]]


def test_create_for_another_stores_customer_is_refused(
    clock: Any, api: Callable[[Any], Any], agent: Any, other_store: Any
) -> None:
    from tests.factories import CustomerFactory

    foreign = CustomerFactory(store=other_store)
    response = api(agent).post("/api/complaints/", {"customer": foreign.pk, "content": "x"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    assert not Complaint.objects.exists()


def test_anonymous_is_refused(clock: Any, make_complaint: Callable[..., Complaint]) -> None:
    from rest_framework.test import APIClient

    ticket = make_complaint()
    assert APIClient().get("/api/complaints/").status_code in (401, 403)
    assert APIClient().post(f"/api/complaints/{ticket.pk}/dispatch/", {}).status_code in (401, 403)
