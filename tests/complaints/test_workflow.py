"""The ticket workflow: every action from every status (allowed → the next status, forbidden → 409 with a
Chinese message), intake rules, severity, approval, events, and reopening.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from complaints.models import (
    Approval,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    Severity,
    Status,
)
from complaints.services import workflow
from csat.exceptions import ApplicationError
from csat.models import DepartmentKind, IdentityFlag, Notification
from tests.factories import CustomerFactory, DepartmentFactory
from tests.fixtures import CHINESE, T0, at, local

pytestmark = pytest.mark.django_db

ACTIONS = [
    "register",
    "dispatch",
    "contact",
    "progress",
    "propose",
    "approve",
    "reject",
    "resolve",
    "follow_up",
    "escalate",
]

# (status, action) → the status after it. Everything not listed must be refused with 409.
ALLOWED = {
    (Status.RECEIVED, "register"): Status.REGISTERED,
    (Status.RECEIVED, "escalate"): Status.RECEIVED,
    # A duty leader (or customer care) dispatches directly, registering it (DOMAIN §9 "Off hours").
    (Status.RECEIVED, "dispatch"): Status.DISPATCHED,
    (Status.REGISTERED, "dispatch"): Status.DISPATCHED,
    (Status.REGISTERED, "escalate"): Status.REGISTERED,
    (Status.DISPATCHED, "contact"): Status.IN_PROGRESS,
    (Status.DISPATCHED, "escalate"): Status.DISPATCHED,
    (Status.IN_PROGRESS, "progress"): Status.IN_PROGRESS,
    (Status.IN_PROGRESS, "propose"): Status.AWAITING_APPROVAL,
    (Status.IN_PROGRESS, "resolve"): Status.RESOLVED,
    (Status.IN_PROGRESS, "escalate"): Status.IN_PROGRESS,
    (Status.AWAITING_APPROVAL, "progress"): Status.AWAITING_APPROVAL,
    (Status.AWAITING_APPROVAL, "approve"): Status.IN_PROGRESS,
    (Status.AWAITING_APPROVAL, "reject"): Status.IN_PROGRESS,
    (Status.AWAITING_APPROVAL, "escalate"): Status.AWAITING_APPROVAL,
    (Status.RESOLVED, "follow_up"): Status.CLOSED,
    (Status.RESOLVED, "escalate"): Status.RESOLVED,
}


def _payload(action: str, sales: Any) -> dict[str, Any]:
    return {
        "dispatch": {"department": sales.pk},
        "contact": {"cause": "漏检", "expectation": "道歉", "note": "客户说交车时没检查"},
        "progress": {"note": "配件已订购"},
        "propose": {"solution": "赔偿油费", "compensation_amount": "300.00"},
        "approve": {"comment": "同意"},
        "reject": {"comment": "金额过高"},
        "resolve": {"result": "客户接受"},
        "follow_up": {"outcome": "satisfied"},
        "escalate": {"note": "客户威胁曝光"},
    }.get(action, {})


@pytest.fixture
def ticket_in(
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    front_line: Any,
    service_dept: Any,
) -> Callable[[str], Complaint]:
    def make(status: str) -> Complaint:
        if status == Status.RECEIVED:
            # Received by a department other than customer care: waits to be registered.
            return make_complaint(actor=front_line, received_by_department=service_dept)
        ticket = make_complaint()
        if status == Status.IN_PROGRESS:
            return advance(ticket, Status.IN_PROGRESS)  # contacted, no proposal yet
        return advance(ticket, status)

    return make


@pytest.mark.parametrize("status", list(Status.values))
def test_every_action_from_every_status(
    status: str,
    clock: Any,
    ticket_in: Callable[[str], Complaint],
    api: Callable[[Any], Any],
    people: dict[str, Any],
    sales: Any,
) -> None:
    actor_of = {
        "register": people["agent"],
        "dispatch": people["agent"],
        "follow_up": people["agent"],
        "contact": people["sales_mgr"],
        "progress": people["sales_mgr"],
        "propose": people["sales_mgr"],
        "resolve": people["sales_mgr"],
        "approve": people["gm"],
        "reject": people["gm"],
        "escalate": people["ccm"],
    }
    ticket = ticket_in(status)
    assert ticket.status == status
    if ticket.department_id is None:
        # Not dispatched yet: the sales manager cannot see it; the GM (who may act personally) can.
        for action in ("contact", "progress", "propose", "resolve"):
            actor_of[action] = people["gm"]
    for action in ACTIONS:
        client = api(actor_of[action])
        url = f"/api/complaints/{ticket.pk}/{action}/"
        events_before = ticket.events.count()
        expected = ALLOWED.get((status, action))
        if expected is None:
            response = client.post(url, _payload(action, sales), format="json")
            assert response.status_code == 409, (status, action, response.content)
            body = response.json()
            assert CHINESE.search(body["detail"]), body
            ticket.refresh_from_db()
            assert ticket.status == status
            assert ticket.events.count() == events_before, f"{action} wrote an event while refused"
            continue
        # Allowed: run it inside a savepoint that is rolled back, so the next action starts again.
        with transaction.atomic():
            with time_machine.travel(
                dt.timedelta(days=5, hours=1) if action == "follow_up" else dt.timedelta(0)
            ):
                response = client.post(url, _payload(action, sales), format="json")
            assert response.status_code == 200, (status, action, response.content)
            assert response.json()["status"] == expected, (status, action)
            event = ticket.events.order_by("-id").first()
            assert event is not None and ticket.events.count() > events_before
            assert event.actor_id == actor_of[action].pk
            # A direct dispatch from received writes the registration and the dispatch (two events).
            first = ticket.events.order_by("id")[events_before]
            assert (first.from_status, event.to_status) == (status, expected)
            transaction.set_rollback(True)


def test_refused_action_explains_status_and_allowed_actions(
    clock: Any, make_complaint: Callable[..., Complaint], api: Callable[[Any], Any], gm: Any
) -> None:
    ticket = make_complaint()  # registered
    response = api(gm).post(f"/api/complaints/{ticket.pk}/approve/", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert "已登记" in body["detail"]
    assert body["status"] == "registered"
    assert body["allowed"] == ["dispatch", "escalate", "note"]


def test_service_raises_application_error_for_a_forbidden_transition(
    clock: Any, make_complaint: Callable[..., Complaint], gm: Any
) -> None:
    ticket = make_complaint()
    with pytest.raises(ApplicationError) as info:
        workflow.complaint_resolve(complaint=ticket, actor=gm, result="x")
    assert info.value.status_code == 409
    assert CHINESE.search(info.value.message)


# --- intake ----------------------------------------------------------------------------------------


def test_intake_by_customer_care_registers_at_once(
    clock: Any, make_complaint: Callable[..., Complaint], agent: Any
) -> None:
    ticket = make_complaint()
    assert ticket.status == Status.REGISTERED
    assert ticket.registered_at == T0
    handoff = ticket.deadlines.get(kind=DeadlineKind.HANDOFF)
    assert handoff.met_at == T0
    dispatch = ticket.deadlines.get(kind=DeadlineKind.DISPATCH)
    assert dispatch.met_at is None and dispatch.due_at == T0 + dt.timedelta(minutes=30)
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in ticket.events.all()] == [
        ("create", "", "received", agent.pk),
        ("register", "received", "registered", agent.pk),
    ]
    assert ticket.number.startswith("TSSZ01-20260311-")
    assert ticket.plate == "粤B12345"


def test_intake_by_another_department_waits_for_customer_care(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    front_line: Any,
    service_dept: Any,
    agent: Any,
    ccm: Any,
) -> None:
    ticket = make_complaint(actor=front_line, received_by_department=service_dept)
    assert ticket.status == Status.RECEIVED
    handoff = ticket.deadlines.get(kind=DeadlineKind.HANDOFF)
    assert handoff.department == service_dept and handoff.met_at is None
    # Customer care hears of it, to register it within 30 minutes.
    for user in (agent, ccm):
        assert Notification.objects.filter(
            recipient=user, key__startswith=f"complaint:{ticket.pk}:received"
        ).exists()
    clock.shift(dt.timedelta(minutes=10))
    ticket = workflow.complaint_register(complaint=ticket, actor=agent)
    assert ticket.status == Status.REGISTERED
    handoff.refresh_from_db()
    assert handoff.met_at == T0 + dt.timedelta(minutes=10)


def test_earlier_received_at_needs_a_reason(
    clock: Any, make_complaint: Callable[..., Complaint], api: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    earlier = T0 - dt.timedelta(hours=3)
    with pytest.raises(ApplicationError) as info:
        make_complaint(received_at=earlier)
    assert "原因" in info.value.message
    assert not Complaint.objects.exists()

    payload = {"customer": customer.pk, "content": "昨晚电话投诉", "received_at": earlier.isoformat()}
    response = api(agent).post("/api/complaints/", payload, format="json")
    assert response.status_code in (400, 409), response.content
    assert "原因" in str(response.json())
    assert not Complaint.objects.exists()

    payload["received_at_reason"] = "夜间值班电话，次日补录"
    response = api(agent).post("/api/complaints/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert local(body["received_at"]) == earlier
    assert body["received_at_reason"] == "夜间值班电话，次日补录"
    handoff = next(d for d in body["deadlines"] if d["kind"] == "handoff")
    # The handoff clock started when the complaint was really received, not when it was typed in.
    assert local(handoff["opens_at"]) == earlier


def test_received_at_in_the_future_is_refused(clock: Any, make_complaint: Callable[..., Complaint]) -> None:
    with pytest.raises(ApplicationError):
        make_complaint(received_at=T0 + dt.timedelta(hours=1))


def test_lawyer_customer_with_a_criterion_is_major_and_criteria_cannot_be_lowered(
    clock: Any, api: Callable[[Any], Any], agent: Any, store: Any, gm: Any
) -> None:
    # Issue #18 (DOMAIN §9): the lawyer identity alone no longer makes it major; the criterion does.
    lawyer = CustomerFactory(store=store, identity_flags=[IdentityFlag.LAWYER])
    payload = {"customer": lawyer.pk, "content": "要求退车", "major_criteria": ["media_or_authority"]}
    response = api(agent).post("/api/complaints/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["severity"] == "major"
    assert body["major_criteria"] == ["media_or_authority"]
    # The GM hears of every major complaint.
    assert Notification.objects.filter(recipient=gm, key=f"complaint:{body['id']}:major:0").exists()

    # Nothing edits a ticket's severity or criteria directly: no update endpoint.
    response = api(agent).patch(
        f"/api/complaints/{body['id']}/", {"severity": "general", "major_criteria": []}, format="json"
    )
    assert response.status_code == 405
    ticket = Complaint.objects.get(pk=body["id"])
    assert ticket.severity == Severity.MAJOR and ticket.major_criteria == ["media_or_authority"]


def test_agent_can_raise_the_severity_with_a_criterion(
    clock: Any, make_complaint: Callable[..., Complaint], store: Any
) -> None:
    plain = make_complaint()
    assert plain.severity == Severity.GENERAL and plain.major_criteria == []
    raised = make_complaint(major_criteria=["compensation"])
    assert raised.severity == Severity.MAJOR
    media = CustomerFactory(store=store, identity_flags=[IdentityFlag.MEDIA])
    both = make_complaint(customer=media, major_criteria=["safety"])
    assert both.severity == Severity.MAJOR
    # Issue #18 (DOMAIN §9): the media identity adds no criterion of its own.
    assert both.major_criteria == ["safety"]


def test_unknown_major_criterion_is_refused(clock: Any, make_complaint: Callable[..., Complaint]) -> None:
    with pytest.raises(ApplicationError):
        make_complaint(major_criteria=["aliens"])


@pytest.mark.parametrize(
    ("category", "major", "kind"),
    [
        ("sales", False, DepartmentKind.SALES),
        ("repair", False, DepartmentKind.BUSINESS),
        ("repair", True, DepartmentKind.SERVICE),
        ("staff", False, DepartmentKind.ADMIN),
        ("finance", False, DepartmentKind.FINANCE),
        ("parts", False, DepartmentKind.PARTS),
    ],
)
def test_suggested_department(category: str, major: bool, kind: str) -> None:
    assert workflow.suggested_department_kind(category=category, major=major) == kind


def test_dispatch_to_another_stores_department_is_refused(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    agent: Any,
    other_store: Any,
    api: Callable[[Any], Any],
) -> None:
    ticket = make_complaint()
    foreign = DepartmentFactory(store=other_store, kind=DepartmentKind.SALES)
    with pytest.raises(ApplicationError):
        workflow.complaint_dispatch(complaint=ticket, actor=agent, department=foreign)
    response = api(agent).post(
        f"/api/complaints/{ticket.pk}/dispatch/", {"department": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED and ticket.department is None


# --- approval ----------------------------------------------------------------------------------


def test_reject_needs_a_comment(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    gm: Any,
    api: Callable[[Any], Any],
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    with pytest.raises(ApplicationError) as info:
        workflow.complaint_reject(complaint=ticket, actor=gm, comment="  ")
    assert "意见" in info.value.message
    response = api(gm).post(f"/api/complaints/{ticket.pk}/reject/", {"comment": ""}, format="json")
    assert response.status_code in (400, 409)
    assert "意见" in str(response.json())
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL and ticket.approval == Approval.PENDING

    response = api(gm).post(
        f"/api/complaints/{ticket.pk}/reject/", {"comment": "金额过高，重新协商"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["approval"] == "rejected"
    assert response.json()["approval_comment"] == "金额过高，重新协商"


def test_rejected_compensation_cannot_be_carried_out_until_a_new_proposal(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    gm: Any,
    sales_mgr: Any,
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    ticket = workflow.complaint_reject(complaint=ticket, actor=gm, comment="不同意赔偿")
    assert ticket.status == Status.IN_PROGRESS
    with pytest.raises(ApplicationError) as info:
        workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="已赔偿")
    assert "审批" in info.value.message
    # A proposal without compensation needs no approval and can be carried out.
    ticket = workflow.complaint_propose(complaint=ticket, actor=sales_mgr, solution="当面道歉并免费检测")
    assert ticket.status == Status.IN_PROGRESS and ticket.approval == Approval.NONE
    assert ticket.compensation_amount is None
    ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="客户接受道歉")
    assert ticket.status == Status.RESOLVED


def test_proposal_with_compensation_notifies_the_gm(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], gm: Any
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL, compensation=Decimal("880.00"))
    note = Notification.objects.get(recipient=gm, key__startswith=f"complaint:{ticket.pk}:approval")
    assert "880" in note.title and ticket.number in note.title


def test_negative_compensation_is_refused(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales_mgr: Any,
    api: Callable[[Any], Any],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    with pytest.raises(ApplicationError):
        workflow.complaint_propose(
            complaint=ticket, actor=sales_mgr, solution="x", compensation_amount=Decimal(-1)
        )
    response = api(sales_mgr).post(
        f"/api/complaints/{ticket.pk}/propose/", {"solution": "x", "compensation_amount": "-5"}, format="json"
    )
    assert response.status_code == 400


# --- follow-up and reopening -------------------------------------------------------------------------


def test_unsatisfied_follow_up_reopens_with_a_new_cycle_and_keeps_history(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    agent: Any,
    sales_mgr: Any,
    sales: Any,
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)
    events_before = list(ticket.events.values_list("action", flat=True))
    clock.move_to(at(2026, 3, 16, 9, 0))  # day 5, a Monday
    ticket = workflow.complaint_follow_up(
        complaint=ticket, actor=agent, outcome="unsatisfied", note="异响仍在"
    )
    assert ticket.status == Status.DISPATCHED
    assert ticket.reopen_count == 1
    assert ticket.department == sales
    assert list(ticket.events.values_list("action", flat=True)) == [*events_before, "reopen"]
    reopen = ticket.events.get(action="reopen")
    assert (reopen.from_status, reopen.to_status, reopen.actor_id) == ("resolved", "dispatched", agent.pk)

    # The first cycle's timers are kept; a new first-contact timer starts the second cycle.
    cycle0 = Deadline.objects.filter(complaint=ticket, cycle=0)
    assert set(cycle0.values_list("kind", flat=True)) == {
        "handoff",
        "dispatch",
        "first_contact",
        "progress_report",
        "follow_up",
    }
    # Each met, but the progress report: resolved within its 3 working days, none was needed
    # (the timer stopped at the resolution, not met).
    assert all(d.met_at is not None for d in cycle0 if d.kind != DeadlineKind.PROGRESS_REPORT)
    progress = cycle0.get(kind=DeadlineKind.PROGRESS_REPORT)
    assert progress.met_at is None and progress.cancelled_at is not None
    contact = Deadline.objects.get(complaint=ticket, cycle=1, kind=DeadlineKind.FIRST_CONTACT)
    assert contact.started_at == at(2026, 3, 16, 9, 0)
    assert contact.due_at == at(2026, 3, 16, 11, 0)  # 2 working hours, inside office hours
    assert contact.department == sales and contact.met_at is None
    assert Notification.objects.filter(recipient=sales_mgr, key=f"complaint:{ticket.pk}:reopened:1").exists()

    # The second cycle runs like the first.
    ticket = workflow.complaint_contact(
        complaint=ticket, actor=sales_mgr, cause="异响源未找到", note="客户说还在响"
    )
    assert Deadline.objects.get(complaint=ticket, cycle=1, kind=DeadlineKind.PROGRESS_REPORT).sequence == 1
    ticket = workflow.complaint_resolve(complaint=ticket, actor=sales_mgr, result="更换皮带")
    assert Deadline.objects.filter(complaint=ticket, cycle=1, kind=DeadlineKind.FOLLOW_UP).count() == 1
    clock.move_to(at(2026, 3, 21, 10, 0))
    ticket = workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied")
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(action="follow_up").count() == 1
    assert ticket.events.filter(action="resolve").count() == 2


def test_follow_up_before_day_5_is_refused_with_when_it_opens(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], agent: Any
) -> None:
    ticket = advance(make_complaint(), Status.RESOLVED)  # resolved Wed 03-11 10:00
    clock.move_to(at(2026, 3, 15, 23, 59))  # day 4, one minute before the window
    with pytest.raises(ApplicationError) as info:
        workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied")
    assert "2026-03-16 00:00" in info.value.message
    assert local(info.value.extra["opens_at"]) == at(2026, 3, 16, 0, 0)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    clock.move_to(at(2026, 3, 16, 0, 0))
    assert (
        workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied").status
        == Status.CLOSED
    )


def test_progress_reports_count_up_within_a_cycle(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], sales_mgr: Any
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    with pytest.raises(ApplicationError):
        workflow.complaint_progress(complaint=ticket, actor=sales_mgr, note=" ")
    for _ in range(2):
        clock.shift(dt.timedelta(days=1))
        ticket = workflow.complaint_progress(complaint=ticket, actor=sales_mgr, note="等待配件")
    rows = list(
        Deadline.objects.filter(complaint=ticket, kind=DeadlineKind.PROGRESS_REPORT).values_list(
            "sequence", "met_at"
        )
    )
    assert [s for s, _ in rows] == [1, 2, 3]
    assert [m is not None for _, m in rows] == [True, True, False]
    assert ticket.events.filter(action="progress").count() == 2


def test_escalate_marks_the_ticket_major_and_opens_a_crisis(
    clock: Any, make_complaint: Callable[..., Complaint], ccm: Any, gm: Any
) -> None:
    ticket = make_complaint()
    ticket = workflow.complaint_escalate(complaint=ticket, actor=ccm, note="客户联系了电视台")
    assert ticket.severity == Severity.MAJOR
    assert "adverse_impact" in ticket.major_criteria
    assert ticket.status == Status.REGISTERED
    event = ticket.events.get(action="escalate")
    assert (event.actor_id, event.from_status, event.to_status) == (ccm.pk, "registered", "registered")
    assert event.data.get("crisis")
    assert Notification.objects.filter(recipient=gm).exists()


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_contacting_at_once_never_lose_an_update(
    make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], sales_mgr: Any, gm: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")
    ticket = advance(make_complaint(), Status.DISPATCHED)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def contact(actor: Any, cause: str) -> None:
        try:
            barrier.wait(timeout=10)
            workflow.complaint_contact(complaint=ticket.pk, actor=actor, cause=cause, note="客户来电")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=contact, args=a) for a in ((sales_mgr, "甲"), (gm, "乙"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, ApplicationError) and loser.status_code == 409, loser
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ComplaintEvent.objects.filter(complaint=ticket, action="contact").count() == 1
    assert Deadline.objects.filter(complaint=ticket, kind=DeadlineKind.PROGRESS_REPORT).count() == 1
