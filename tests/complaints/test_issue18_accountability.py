"""Issue #18, department accountability a dealership will accept (DOMAIN §9 "What counts against a
department" and "Who is responsible", complaint-handling-procedure §考核, cs-survey-management: a
dissatisfied callback or grievance "不在公司质量目标的要求上直接体现")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from complaints.models import Complaint, Deadline, DeadlineKind, Kind, Severity, Status
from complaints.selectors import assessment_rows
from complaints.services import workflow
from complaints.services.deadlines import deadline_breach
from complaints.services.ticket import RequiredTextError
from csat.models import Department, IdentityFlag
from tests.factories import CustomerFactory
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
