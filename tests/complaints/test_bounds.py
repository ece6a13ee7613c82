"""Hostile input on the points a person types and on a repeated "confirm major" (audit of the demo data).

- The GM's penalty on a neglected dissatisfied callback or grievance (DOMAIN §9, default −1) lies
  between −10 and −1, and the admin assessor's adjustment (DOMAIN §5) between −100 and +100, never 0:
  in the form (400), the API (400 with a field error) and the service (the last line); nothing saved.
- Confirming a ticket as major is safe to repeat: once major, nothing is written and the user is told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation

from complaints.models import (
    AssessmentAdjustment,
    Complaint,
    ComplaintEvent,
    Kind,
    PenaltyDecision,
    PenaltyRequest,
    Severity,
)
from complaints.services import accountability, steps
from complaints.services.assessment import ADJUSTMENT_POINTS_ERROR, PENALTY_POINTS_ERROR, assessment_adjust
from csat.domain.assessment import adjustment_in_bounds, penalty_in_bounds
from csat.exceptions import ApplicationError
from csat.models import Department

pytestmark = pytest.mark.django_db

HOSTILE = ["-99999", "99999", "-10.5", "-0.5", "0", "1"]


@pytest.fixture
def requested(
    make_complaint: Callable[..., Complaint], ccm: Any, sales: Department
) -> Callable[[], Complaint]:
    """A dissatisfied callback dispatched to sales with a pending penalty request."""

    def make() -> Complaint:
        ticket = make_complaint(kind=Kind.DISSATISFIED, dispatch_to=sales)
        accountability.complaint_penalty_request(complaint=ticket, actor=ccm, reason="部门两天未理会")
        return ticket

    return make


def _untouched(ticket: Complaint) -> bool:
    request = PenaltyRequest.objects.get(complaint=ticket)
    return (
        request.decision == PenaltyDecision.PENDING
        and request.points is None
        and not ComplaintEvent.objects.filter(complaint=ticket, action="penalty_decide").exists()
    )


# --- 1. Penalty points ---------------------------------------------------------------------------


def test_domain_bounds() -> None:
    assert [penalty_in_bounds(Decimal(p)) for p in ("-10", "-1", "-2.5", "-10.1", "-0.9", "0")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert [adjustment_in_bounds(Decimal(p)) for p in ("-100", "100", "-1.5", "0", "100.1", "-99999")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert not penalty_in_bounds(Decimal("-Infinity")) and not adjustment_in_bounds(Decimal("NaN"))


@pytest.mark.parametrize("points", HOSTILE)
def test_api_penalty_out_of_bounds_is_400_with_a_field_error_and_nothing_saved(
    clock: Any, api: Callable[[Any], Any], gm: Any, requested: Callable[[], Complaint], points: str
) -> None:
    ticket = requested()
    response = api(gm).post(
        f"/api/complaints/{ticket.pk}/penalty_decide/",
        {"approved": True, "points": points, "comment": "同意"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400, response.content
    assert response.json()["points"] == ["考核分值须在 -10 到 -1 分之间。"]
    assert _untouched(ticket)


@pytest.mark.parametrize(("points", "expected"), [("-10", Decimal("-10")), ("-1.5", Decimal("-1.5"))])
def test_api_penalty_within_bounds_is_the_gms(
    clock: Any,
    api: Callable[[Any], Any],
    gm: Any,
    requested: Callable[[], Complaint],
    points: str,
    expected: Decimal,
) -> None:
    ticket = requested()
    response = api(gm).post(
        f"/api/complaints/{ticket.pk}/penalty_decide/", {"approved": True, "points": points}, format="json"
    )
    assert response.status_code == 200, response.content
    assert PenaltyRequest.objects.get(complaint=ticket).points == expected


@pytest.mark.parametrize("points", ["-99999", "-11", "0"])
def test_page_penalty_out_of_bounds_is_400_and_nothing_saved(
    clock: Any, web: Callable[[Any], Client], gm: Any, requested: Callable[[], Complaint], points: str
) -> None:
    ticket = requested()
    response = web(gm).post(
        f"/complaints/{ticket.pk}/penalty_decide/", {"approved": "1", "points": points, "comment": "同意"}
    )
    assert response.status_code == 400
    assert "考核分值须在 -10 到 -1 分之间。" in response.content.decode()
    assert _untouched(ticket)


@pytest.mark.parametrize("points", ["-99999", "-10.5", "0", "5"])
def test_service_refuses_a_penalty_out_of_bounds(
    clock: Any, gm: Any, requested: Callable[[], Complaint], points: str
) -> None:
    ticket = requested()
    with pytest.raises(ApplicationError, match="考核分值须在 -10 到 -1 分之间"):
        accountability.complaint_penalty_decide(
            complaint=ticket, actor=gm, approved=True, points=Decimal(points), comment=""
        )
    assert _untouched(ticket)


def test_messages_in_english() -> None:
    with translation.override("en"):
        assert str(PENALTY_POINTS_ERROR) == "The penalty must be between -10 and -1 points."
        assert str(ADJUSTMENT_POINTS_ERROR) == (
            "The adjustment must be between -100 and +100 points, and not zero."
        )


# --- 1b. The admin assessor's adjustment ---------------------------------------------------------


@pytest.mark.parametrize("points", ["99999", "-99999", "100.5", "-100.1", "0"])
def test_page_adjustment_out_of_bounds_is_400_and_nothing_saved(
    clock: Any, web: Callable[[Any], Client], assessor: Any, sales: Department, points: str
) -> None:
    response = web(assessor).post(
        "/complaints/assessment/?month=2026-12", {"department": sales.pk, "points": points, "reason": "x"}
    )
    assert response.status_code == 400
    assert "调整分值须在 -100 到 +100 分之间，且不能为 0。" in response.content.decode()
    assert not AssessmentAdjustment.objects.exists()


@pytest.mark.parametrize("points", ["100", "-100", "-1.5"])
def test_page_adjustment_within_bounds_is_saved(
    clock: Any, web: Callable[[Any], Client], assessor: Any, sales: Department, points: str
) -> None:
    response = web(assessor).post(
        "/complaints/assessment/?month=2026-12", {"department": sales.pk, "points": points, "reason": "核实"}
    )
    assert response.status_code == 302
    assert AssessmentAdjustment.objects.get().points == Decimal(points)


@pytest.mark.parametrize("points", ["99999", "-99999", "0", "100.1"])
def test_service_refuses_an_adjustment_out_of_bounds(
    clock: Any, assessor: Any, sales: Department, points: str
) -> None:
    with pytest.raises(ApplicationError, match="调整分值须在"):
        assessment_adjust(
            actor=assessor, department=sales, month=dt.date(2026, 12, 1), points=Decimal(points), reason="x"
        )
    assert not AssessmentAdjustment.objects.exists()


# --- 2. Confirm major, repeated ------------------------------------------------------------------


def _confirmations(ticket: Complaint) -> int:
    return ComplaintEvent.objects.filter(complaint=ticket, action="confirm_major").count()


def test_confirm_major_repeated_writes_once_and_says_so(
    clock: Any, web: Callable[[Any], Client], ccm: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint(content="再不处理我就找记者曝光")
    client = web(ccm)
    url = f"/complaints/{ticket.pk}/confirm-major/"
    assert url in client.get(f"/complaints/{ticket.pk}/").content.decode()  # an early-warning signal
    first = client.post(url)
    assert first.status_code == 302
    ticket.refresh_from_db()
    assert ticket.severity == Severity.MAJOR and _confirmations(ticket) == 1
    stamp = ticket.updated_at
    client.get(first["Location"])  # the page shows (and uses up) the first message
    for _ in range(2):
        again = client.post(url)
        assert again.status_code == 302
        assert [str(m) for m in get_messages(again.wsgi_request)] == ["该投诉已是重大投诉。"]
        page = client.get(again["Location"]).content.decode()
        assert "该投诉已是重大投诉。" in page
        # The ticket page offers no confirm button once the ticket is major.
        assert 'data-testid="signals"' in page and url not in page
    ticket.refresh_from_db()
    assert _confirmations(ticket) == 1 and ticket.updated_at == stamp


def test_confirm_major_on_a_ticket_major_at_intake_writes_nothing(
    clock: Any, ccm: Any, make_complaint: Callable[..., Complaint]
) -> None:
    ticket = make_complaint(major_criteria=["compensation"])
    assert ticket.severity == Severity.MAJOR
    done = steps.complaint_confirm_major(complaint=ticket, actor=ccm)
    done.refresh_from_db()
    assert _confirmations(ticket) == 0 and done.major_criteria == ["compensation"]
