"""Issue #18, department accountability a dealership will accept (DOMAIN §9 "What counts against a
department" and "Who is responsible", complaint-handling-procedure §考核, cs-survey-management: a
dissatisfied callback or grievance "不在公司质量目标的要求上直接体现")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints import selectors
from complaints.models import (
    AssessmentDispute,
    Complaint,
    Deadline,
    DeadlineKind,
    Kind,
    PenaltyRequest,
    Severity,
    Status,
)
from complaints.selectors import assessment_rows
from complaints.services import accountability, workflow
from complaints.services import assessment as assessment_services
from complaints.services.deadlines import deadline_breach
from complaints.services.ticket import RequiredTextError
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Department, IdentityFlag, Notification, Role
from tests.factories import CustomerFactory, StaffFactory
from tests.fixtures import at

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def _events(department: Department) -> list[tuple[str, Any, str]]:
    rows = assessment_rows(departments=Department.objects.filter(pk=department.pk), month=MARCH)
    return sorted((e["kind"], e["points"], e.get("complaint", "")) for e in rows[0]["events"])


@pytest.fixture
def ticket_of_kind(make_complaint: Callable[..., Complaint], agent: Any) -> Callable[..., Complaint]:
    def make(kind: str, department: Department, moment: dt.datetime, **kwargs: Any) -> Complaint:
        with time_machine.travel(moment, tick=False):
            return make_complaint(kind=kind, dispatch_to=department, **kwargs)

    return make


def _breach(complaint: Complaint, kind: str, moment: dt.datetime) -> None:
    row = Deadline.objects.get(complaint=complaint, kind=kind)
    with time_machine.travel(moment, tick=False):
        assert deadline_breach(deadline_id=row.pk, now=moment)


# --- 1. What counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.DISSATISFIED, Kind.GRIEVANCE])
def test_rule_only_complaints_cost_minus_one_or_five_dissatisfied_and_grievance_cost_none(
    ticket_of_kind: Callable[..., Complaint], sales: Department, kind: str
) -> None:
    """DOMAIN §9: only kind ``complaint`` costs −1/−5; a dissatisfied callback or a grievance does not,
    even when major ("不在公司质量目标的要求上直接体现")."""
    ticket_of_kind(kind, sales, at(2026, 3, 2, 10, 0))
    ticket_of_kind(kind, sales, at(2026, 3, 3, 10, 0), major_criteria=["compensation"])
    complaint = ticket_of_kind(Kind.COMPLAINT, sales, at(2026, 3, 4, 10, 0))
    assert _events(sales) == [("general_complaint", -1, complaint.number)]


@pytest.mark.parametrize("kind", [Kind.DISSATISFIED, Kind.GRIEVANCE])
def test_rule_dissatisfied_and_grievance_missed_deadline_still_costs_two(
    ticket_of_kind: Callable[..., Complaint], sales: Department, kind: str
) -> None:
    """DOMAIN §9: their deadlines still hold; a missed one costs −2 (the department did not act in time)."""
    ticket = ticket_of_kind(kind, sales, at(2026, 3, 2, 10, 0))
    _breach(ticket, DeadlineKind.FIRST_CONTACT, at(2026, 3, 2, 13, 0))
    assert _events(sales) == [("missed_deadline", -2, ticket.number)]


def test_rule_identity_f_alone_never_makes_a_ticket_major(
    make_complaint: Callable[..., Complaint], store: Any, sales: Department, gm: Any
) -> None:
    """DOMAIN §9: severity follows the §5 criteria only, on every channel; a customer's F identity
    (lawyer, media, authority) raises the grade, it is not a major-complaint criterion."""
    for flag in (IdentityFlag.LAWYER, IdentityFlag.MEDIA, IdentityFlag.AUTHORITY):
        flagged = CustomerFactory(store=store, identity_flags=[flag])
        direct = make_complaint(customer=flagged)
        assert (direct.severity, direct.major_criteria) == (Severity.GENERAL, [])
        # A callback ticket carries the survey's grade F: still general.
        callback = make_complaint(
            customer=flagged, kind=Kind.DISSATISFIED, channel="callback", grade="F", dispatch_to=sales
        )
        assert (callback.severity, callback.major_criteria) == (Severity.GENERAL, [])
        assert callback.grade == "F"
    # A real criterion still makes it major, whoever the customer is.
    lawyer = CustomerFactory(store=store, identity_flags=[IdentityFlag.LAWYER])
    major = make_complaint(customer=lawyer, major_criteria=["media_or_authority"])
    assert major.severity == Severity.MAJOR


def test_rule_f_customer_ticket_page_still_shows_the_identity_guidance(
    make_complaint: Callable[..., Complaint], store: Any, web: Callable[[Any], Any], agent: Any
) -> None:
    lawyer = CustomerFactory(store=store, identity_flags=[IdentityFlag.LAWYER])
    ticket = make_complaint(customer=lawyer, grade="F")
    html = web(agent).get(f"/complaints/{ticket.pk}/").content.decode()
    assert "vip-banner" in html


def test_rule_rate_counts_only_complaints(
    ticket_of_kind: Callable[..., Complaint], sales: Department, store: Any
) -> None:
    """DOMAIN §9: the ‰ complaint rate counts kind ``complaint`` only; the others are own lines."""
    from reports import selectors as report_selectors

    ticket_of_kind(Kind.DISSATISFIED, sales, at(2026, 3, 2, 10, 0))
    ticket_of_kind(Kind.GRIEVANCE, sales, at(2026, 3, 2, 11, 0))
    ticket_of_kind(Kind.COMPLAINT, sales, at(2026, 3, 2, 12, 0))
    stats = report_selectors.complaint_stats(month=MARCH, store_ids=[store.pk])
    rates = {
        r["key"]: r for r in report_selectors.complaint_rates(month=MARCH, store_ids=[store.pk], stats=stats)
    }
    assert rates["sales"]["complaints"] == 1 and rates["service"]["complaints"] == 0
    assert {r["key"]: r["count"] for r in stats["by_kind"]} == {
        "complaint": 1,
        "dissatisfied": 1,
        "grievance": 1,
    }


# --- 2. Contact requires a note -------------------------------------------------------------------


@pytest.mark.parametrize("payload", [{}, {"note": "   "}, {"cause": "漏检", "expectation": "道歉"}])
def test_rule_contact_without_what_the_customer_said_is_400_and_changes_nothing(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    payload: dict[str, str],
) -> None:
    """DOMAIN §9 / CONTRACT: ``contact`` needs ``note`` (what the customer said); 400 without it."""
    ticket = advance(make_complaint(), Status.DISPATCHED)
    response = api(people["sales_mgr"]).post(f"/api/complaints/{ticket.pk}/contact/", payload, format="json")
    assert response.status_code == 400, response.content
    assert "note" in response.json()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.first_contact_at is None
    assert ticket.cause == "" and not ticket.events.filter(action="contact").exists()
    ok = api(people["sales_mgr"]).post(
        f"/api/complaints/{ticket.pk}/contact/", {**payload, "note": "客户说交车时脚垫没给"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ticket.events.get(action="contact").note == "客户说交车时脚垫没给"


def test_rule_contact_without_note_is_a_form_error_on_the_page(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    page = web(people["sales_mgr"])
    html = page.get(f"/complaints/{ticket.pk}/").content.decode()
    # The form asks for what the customer said, the cause and the expectation.
    for field in ("id_contact_note", "id_contact_cause", "id_contact_expectation"):
        assert f'id="{field}"' in html
    response = page.post(f"/complaints/{ticket.pk}/contact/", {"cause": "漏检", "expectation": "道歉"})
    assert response.status_code == 400
    assert "请填写通话记录" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.cause == ""
    response = page.post(f"/complaints/{ticket.pk}/contact/", {"note": "客户说", "cause": "漏检"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_rule_contact_service_refuses_a_blank_note(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    with pytest.raises(RequiredTextError):
        workflow.complaint_contact(complaint=ticket, actor=people["sales_mgr"], cause="漏检")
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED


# --- 3. Transfer and return -----------------------------------------------------------------------


def _steps(ticket: Complaint, kind: str) -> list[Deadline]:
    return list(Deadline.objects.filter(complaint=ticket, kind=kind).order_by("sequence"))


def test_rule_transfer_moves_the_department_restarts_the_2_hour_step_and_breaches_stay_charged(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
    business: Department,
) -> None:
    """DOMAIN §9 "Who is responsible": the department changes, a new 2-hour step starts for it, an
    earlier breach stays charged to the department that owned the step, and the −1/−5 follows the
    department that resolved it."""
    ticket = advance(make_complaint(), Status.DISPATCHED)  # to sales at T0
    first = _steps(ticket, DeadlineKind.FIRST_CONTACT)[0]
    clock.shift(dt.timedelta(hours=3))
    assert deadline_breach(deadline_id=first.pk, now=first.due_at + dt.timedelta(minutes=1))

    url = f"/api/complaints/{ticket.pk}/transfer/"
    refused = api(people["agent"]).post(url, {"department": business.pk}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    ticket.refresh_from_db()
    assert ticket.department == sales
    assert (
        api(people["sales_mgr"])
        .post(url, {"department": business.pk, "reason": "x"}, format="json")
        .status_code
        == 403
    )

    moved = api(people["agent"]).post(url, {"department": business.pk, "reason": "属维修问题"}, format="json")
    assert moved.status_code == 200, moved.content
    ticket.refresh_from_db()
    assert (ticket.department, ticket.status) == (business, Status.DISPATCHED)
    old, new = _steps(ticket, DeadlineKind.FIRST_CONTACT)
    assert old.cancelled_at is not None and old.alerts.get(kind="breach").department == sales
    assert (new.department, new.sequence, new.met_at, new.cancelled_at) == (business, 2, None, None)
    assert new.started_at == timezone.now()
    event = ticket.events.get(action="transfer")
    assert event.note == "属维修问题" and event.data["from_department"] == sales.pk

    # The business department works it to the end: the −1 lands on business, the −2 stays on sales.
    mgr = people["business_mgr"]
    workflow.complaint_contact(complaint=ticket, actor=mgr, note="客户说异响")
    workflow.complaint_resolve(complaint=ticket, actor=mgr, result="已处理")
    assert [e[:2] for e in _events(sales)] == [("missed_deadline", -2)]
    assert [e[:2] for e in _events(business)] == [("general_complaint", -1)]


def _open_steps(ticket: Complaint, kind: str) -> list[Deadline]:
    return list(
        Deadline.objects.filter(complaint=ticket, kind=kind, cancelled_at__isnull=True, met_at__isnull=True)
    )


def test_rule_transfer_of_a_contacted_ticket_restarts_the_progress_timer_for_the_new_department(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Department,
    sales: Department,
) -> None:
    """DOMAIN §9 "Timers that were missing or shifted": the 3-working-day progress report counts from
    the department's receipt of the form; after a transfer the new department received it then
    (the old department's timer stops). A transferred ticket had no progress timer at all."""
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    clock.shift(dt.timedelta(hours=1))
    accountability.complaint_transfer(
        complaint=ticket, actor=people["agent"], department=business, reason="转"
    )
    old = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.PROGRESS_REPORT, department=sales)
    assert old.cancelled_at is not None
    (progress,) = _open_steps(ticket, DeadlineKind.PROGRESS_REPORT)
    (contact,) = _open_steps(ticket, DeadlineKind.FIRST_CONTACT)
    assert (progress.department, progress.started_at, progress.sequence) == (business, timezone.now(), 2)
    assert contact.department == business
    # Due when a ticket dispatched to the department at that moment would be due.
    fresh = workflow.complaint_dispatch(
        complaint=make_complaint(), actor=people["agent"], department=business
    )
    assert progress.due_at == _open_steps(fresh, DeadlineKind.PROGRESS_REPORT)[0].due_at

    # The new department calls and reports: the timer is met and the next one runs.
    mgr = people["business_mgr"]
    workflow.complaint_contact(complaint=ticket, actor=mgr, note="客户说异响")
    assert _open_steps(ticket, DeadlineKind.PROGRESS_REPORT) == [progress]
    workflow.complaint_progress(complaint=ticket, actor=mgr, note="已订配件")
    progress.refresh_from_db()
    assert progress.met_at == timezone.now()
    (following,) = _open_steps(ticket, DeadlineKind.PROGRESS_REPORT)
    assert (following.department, following.sequence) == (business, 3)


def test_rule_a_ticket_dispatched_again_after_a_return_has_a_progress_timer(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Department,
) -> None:
    """DOMAIN §9: the department that receives the form again starts its 3-working-day report."""
    ticket = advance(make_complaint(), Status.DISPATCHED)
    accountability.complaint_return(complaint=ticket, actor=people["sales_mgr"], reason="不属销售部")
    assert _open_steps(ticket, DeadlineKind.PROGRESS_REPORT) == []
    clock.shift(dt.timedelta(minutes=10))
    workflow.complaint_dispatch(complaint=ticket, actor=people["agent"], department=business)
    (progress,) = _open_steps(ticket, DeadlineKind.PROGRESS_REPORT)
    assert (progress.department, progress.started_at) == (business, timezone.now())
    workflow.complaint_contact(complaint=ticket, actor=people["business_mgr"], note="客户说异响")
    assert _open_steps(ticket, DeadlineKind.PROGRESS_REPORT) == [progress]


def test_rule_return_within_the_2_hour_step_goes_back_to_customer_care(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Department,
) -> None:
    """DOMAIN §9: the receiving department may return it to customer care within its 2-hour step,
    with a reason; customer care dispatches it again and a new 2-hour step starts."""
    ticket = advance(make_complaint(), Status.DISPATCHED)
    url = f"/api/complaints/{ticket.pk}/return/"
    assert api(people["sales_mgr"]).post(url, {}, format="json").status_code == 400
    assert api(people["agent"]).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api(people["sales_mgr"]).post(url, {"reason": "不属销售部"}, format="json")
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == (Status.REGISTERED, None)
    assert _steps(ticket, DeadlineKind.FIRST_CONTACT)[0].cancelled_at is not None
    dispatch_again = _steps(ticket, DeadlineKind.DISPATCH)[-1]
    assert dispatch_again.sequence == 2 and dispatch_again.is_open
    workflow.complaint_dispatch(complaint=ticket, actor=people["agent"], department=business)
    steps = _steps(ticket, DeadlineKind.FIRST_CONTACT)
    assert len(steps) == 2 and steps[1].department == business and steps[1].is_open


def test_rule_return_after_the_2_hour_step_is_409(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    step = _steps(ticket, DeadlineKind.FIRST_CONTACT)[0]
    clock.move_to(step.due_at + dt.timedelta(minutes=1))
    response = api(people["sales_mgr"]).post(
        f"/api/complaints/{ticket.pk}/return/", {"reason": "晚了"}, format="json"
    )
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == (Status.DISPATCHED, sales)


def test_transfer_and_return_on_the_ticket_page(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Department,
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    assert 'id="id_transfer_reason"' in web(people["agent"]).get(f"/complaints/{ticket.pk}/").content.decode()
    assert (
        'id="id_return_reason"' in web(people["sales_mgr"]).get(f"/complaints/{ticket.pk}/").content.decode()
    )
    no_reason = web(people["agent"]).post(f"/complaints/{ticket.pk}/transfer/", {"department": business.pk})
    assert no_reason.status_code == 400
    done = web(people["agent"]).post(
        f"/complaints/{ticket.pk}/transfer/", {"department": business.pk, "reason": "属维修"}
    )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.department == business


# --- 4. Assign / responsible / accountability -----------------------------------------------------


def test_rule_assign_to_a_person_of_the_department_who_sees_it_and_hears_of_it(
    clock: Any,
    api: Callable[[Any], Any],
    web: Callable[[Any], Any],
    people: dict[str, Any],
    store: Any,
    sales: Department,
    business: Department,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    consultant = StaffFactory(username="consultant", role=Role.STAFF, store=store, department=sales)
    outsider = StaffFactory(username="outsider", role=Role.STAFF, store=store, department=business)
    url = f"/api/complaints/{ticket.pk}/assign/"
    assert api(people["sales_mgr"]).post(url, {"user": outsider.pk}, format="json").status_code == 409
    assert api(people["agent"]).post(url, {"user": consultant.pk}, format="json").status_code == 403
    assert selectors.complaint_list(user=consultant).filter(pk=ticket.pk).count() == 0
    response = api(people["sales_mgr"]).post(url, {"user": consultant.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == consultant.pk
    assert [t.pk for t in selectors.assigned_to(user=consultant)] == [ticket.pk]
    assert Notification.objects.filter(recipient=consultant, url=f"/complaints/{ticket.pk}/").exists()
    html = web(consultant).get("/complaints/").content.decode()
    assert 'data-testid="my-tickets"' in html and ticket.number in html


def test_rule_responsible_staff_and_accountability_on_the_ticket_and_the_printed_form(
    clock: Any,
    api: Callable[[Any], Any],
    web: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    general = advance(make_complaint(), Status.IN_PROGRESS)
    refused = api(people["gm"]).post(
        f"/api/complaints/{general.pk}/accountability/", {"text": "检讨"}, format="json"
    )
    assert refused.status_code == 409  # major complaints only
    ticket = advance(make_complaint(major_criteria=["compensation"]), Status.IN_PROGRESS)
    url = f"/api/complaints/{ticket.pk}/"
    assert (
        api(people["sales_mgr"]).post(url + "responsible/", {"measure": "x"}, format="json").status_code
        == 400
    )
    assert api(people["gm"]).post(url + "responsible/", {"staff": "王明"}, format="json").status_code == 403
    ok = api(people["sales_mgr"]).post(
        url + "responsible/", {"staff": "销售顾问 王明", "measure": "扣当月绩效 200 元"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert (
        api(people["sales_mgr"]).post(url + "accountability/", {"text": "x"}, format="json").status_code
        == 403
    )
    ok = api(people["gm"]).post(url + "accountability/", {"text": "销售经理书面检讨"}, format="json")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert (body["responsible_staff"], body["internal_measure"], body["accountability"]) == (
        "销售顾问 王明",
        "扣当月绩效 200 元",
        "销售经理书面检讨",
    )
    for page in (f"/complaints/{ticket.pk}/", f"/complaints/{ticket.pk}/print/"):
        html = web(people["gm"]).get(page).content.decode()
        assert "销售顾问 王明" in html and "扣当月绩效 200 元" in html and "销售经理书面检讨" in html, page


# --- 5. Penalty request -------------------------------------------------------------------------


def test_rule_penalty_request_only_on_dissatisfied_or_grievance_once_and_approved_is_one_event(
    clock: Any,
    api: Callable[[Any], Any],
    web: Callable[[Any], Any],
    people: dict[str, Any],
    ccm: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    """DOMAIN §9: customer care's manager may request a penalty on a neglected dissatisfied callback
    or grievance (reason required), the GM approves (points, default −1) or rejects; one request per
    ticket."""
    complaint = advance(make_complaint(), Status.DISPATCHED)
    r = api(ccm).post(f"/api/complaints/{complaint.pk}/penalty_request/", {"reason": "怠慢"}, format="json")
    assert r.status_code == 409  # a complaint already costs −1/−5
    ticket = make_complaint(kind=Kind.DISSATISFIED, dispatch_to=sales)
    url = f"/api/complaints/{ticket.pk}/"
    assert api(ccm).post(url + "penalty_request/", {}, format="json").status_code == 400
    assert (
        api(people["agent"]).post(url + "penalty_request/", {"reason": "x"}, format="json").status_code == 403
    )
    assert (
        api(ccm).post(url + "penalty_request/", {"reason": "部门两天未理会"}, format="json").status_code
        == 200
    )
    again = api(ccm).post(url + "penalty_request/", {"reason": "再次"}, format="json")
    assert again.status_code == 409 and PenaltyRequest.objects.filter(complaint=ticket).count() == 1
    assert api(ccm).post(url + "penalty_decide/", {"approved": True}, format="json").status_code == 403
    approvals = web(people["gm"]).get("/complaints/approvals/").content.decode()
    assert 'data-testid="penalty-queue"' in approvals and ticket.number in approvals
    decided = api(people["gm"]).post(
        url + "penalty_decide/", {"approved": True, "comment": "同意"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["penalty"]["decision"] == "approved"
    # Exactly one assessment event, −1 by default, linked to the ticket.
    penalties = [e for e in _events(sales) if e[0] == "penalty"]
    assert penalties == [("penalty", Decimal("-1.0"), ticket.number)]
    again = api(people["gm"]).post(url + "penalty_decide/", {"approved": True}, format="json")
    assert again.status_code == 409
    assert [e for e in _events(sales) if e[0] == "penalty"] == penalties
    # Shown on the ticket and the assessment page.
    assert "部门两天未理会" in web(people["gm"]).get(f"/complaints/{ticket.pk}/").content.decode()
    assessment_html = web(people["gm"]).get("/complaints/assessment/?month=2026-03").content.decode()
    assert ticket.number in assessment_html and 'data-testid="penalty-event"' in assessment_html


def test_rule_rejected_penalty_is_no_event_and_points_are_the_gms(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    ccm: Any,
    make_complaint: Callable[..., Complaint],
    sales: Department,
) -> None:
    rejected = make_complaint(kind=Kind.GRIEVANCE, dispatch_to=sales)
    accountability.complaint_penalty_request(complaint=rejected, actor=ccm, reason="怠慢")
    no_comment = api(people["gm"]).post(
        f"/api/complaints/{rejected.pk}/penalty_decide/", {"approved": False}, format="json"
    )
    assert no_comment.status_code == 409
    accountability.complaint_penalty_decide(
        complaint=rejected, actor=people["gm"], approved=False, comment="已处理"
    )
    assert [e for e in _events(sales) if e[0] == "penalty"] == []
    heavier = make_complaint(kind=Kind.GRIEVANCE, dispatch_to=sales)
    accountability.complaint_penalty_request(complaint=heavier, actor=ccm, reason="多次怠慢")
    accountability.complaint_penalty_decide(
        complaint=heavier, actor=people["gm"], approved=True, points=Decimal("-3"), comment=""
    )
    assert [e for e in _events(sales) if e[0] == "penalty"] == [("penalty", Decimal("-3.0"), heavier.number)]


def test_rule_one_penalty_request_per_ticket_is_a_database_constraint(
    clock: Any, ccm: Any, make_complaint: Callable[..., Complaint], sales: Department
) -> None:
    ticket = make_complaint(kind=Kind.GRIEVANCE, dispatch_to=sales)
    PenaltyRequest.objects.create(complaint=ticket, reason="a", requested_by=ccm, requested_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        PenaltyRequest.objects.create(
            complaint=ticket, reason="b", requested_by=ccm, requested_at=timezone.now()
        )


def test_rule_the_assignee_hears_of_the_tickets_deadline_warning_and_breach(
    clock: Any,
    people: dict[str, Any],
    store: Any,
    sales: Department,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    consultant = StaffFactory(username="consultant2", role=Role.STAFF, store=store, department=sales)
    accountability.complaint_assign(complaint=ticket, actor=people["sales_mgr"], user=consultant)
    step = _steps(ticket, DeadlineKind.FIRST_CONTACT)[0]
    assert deadline_breach(deadline_id=step.pk, now=step.due_at + dt.timedelta(minutes=1))
    assert Notification.objects.filter(recipient=consultant, key=f"deadline:{step.pk}:breach").exists()


# --- 6. Disputes ---------------------------------------------------------------------------------


def test_rule_dispute_accepted_is_a_linked_adjustment_cancelling_the_event(
    clock: Any,
    web: Callable[[Any], Any],
    people: dict[str, Any],
    assessor: Any,
    sales: Department,
    make_complaint: Callable[..., Complaint],
) -> None:
    """Issue #18: a department manager disputes an event with a reason; the admin assessor accepts
    (an adjustment cancelling it, linked) or rejects with a comment."""
    ticket = make_complaint(dispatch_to=sales)
    page = web(people["sales_mgr"])
    html = page.get("/complaints/assessment/?month=2026-03").content.decode()
    assert 'data-testid="dispute-form"' in html
    event = f"complaint:{ticket.pk}"
    form = {"department": sales.pk, "month": "2026-03", "event": event, "reason": "客户误会，已澄清"}
    assert page.post("/complaints/assessment/disputes/", form).status_code == 302
    dispute = AssessmentDispute.objects.get(event=event)
    assert (dispute.points, dispute.status, dispute.complaint) == (Decimal("-1.0"), "open", ticket)
    # A second dispute of the same event is refused (one per event, a unique column).
    page.post("/complaints/assessment/disputes/", {**form, "reason": "再次"})
    assert AssessmentDispute.objects.filter(event=event).count() == 1
    # Only the assessor decides.
    assert (
        page.post(f"/complaints/assessment/disputes/{dispute.pk}/decide/", {"accept": "1"}).status_code == 403
    )
    done = web(assessor).post(f"/complaints/assessment/disputes/{dispute.pk}/decide/", {"accept": "1"})
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "accepted" and dispute.adjustment is not None
    assert dispute.adjustment.points == Decimal("1.0") and dispute.adjustment.department == sales
    rows = assessment_rows(departments=Department.objects.filter(pk=sales.pk), month=MARCH)
    assert rows[0]["total"] == 0


def test_rule_dispute_rejected_needs_a_comment_and_changes_no_points(
    clock: Any,
    people: dict[str, Any],
    assessor: Any,
    sales: Department,
    make_complaint: Callable[..., Complaint],
) -> None:
    ticket = make_complaint(dispatch_to=sales)
    dispute = assessment_services.assessment_dispute_raise(
        actor=people["sales_mgr"],
        department=sales,
        month=MARCH,
        event=f"complaint:{ticket.pk}",
        reason="不服",
    )
    with pytest.raises(ApplicationError):
        assessment_services.assessment_dispute_decide(actor=assessor, dispute=dispute, accept=False)
    assessment_services.assessment_dispute_decide(
        actor=assessor, dispute=dispute, accept=False, comment="属实"
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.adjustment, dispute.comment) == ("rejected", None, "属实")
    rows = assessment_rows(departments=Department.objects.filter(pk=sales.pk), month=MARCH)
    assert rows[0]["total"] == -1
    with pytest.raises(NotAllowedError):
        assessment_services.assessment_dispute_raise(
            actor=people["business_mgr"],
            department=sales,
            month=MARCH,
            event=f"complaint:{ticket.pk}",
            reason="x",
        )
