"""Department assessment (DOMAIN §5): −2 per missed deadline charged to the department that owned the
step, −1 per general and −5 per major complaint, plus the admin assessor's adjustments with a reason —
recomputed here from the raw rows and compared with /api/assessment/?month=YYYY-MM and the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from complaints.models import AssessmentAdjustment, Complaint, Deadline, DeadlineAlert, DeadlineKind
from complaints.services import workflow
from complaints.services.assessment import assessment_adjust
from complaints.services.deadlines import deadline_breach
from csat.exceptions import ApplicationError, NotAllowedError
from tests.fixtures import at

pytestmark = pytest.mark.django_db

MARCH_START, APRIL_START = at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0)


def independent_totals(store: Any) -> dict[int, Decimal]:
    """The month's points per department straight from the rows, without the selector."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    breaches = DeadlineAlert.objects.filter(
        kind="breach",
        created_at__gte=MARCH_START,
        created_at__lt=APRIL_START,
        deadline__complaint__store=store,
    )
    for department_id in breaches.values_list("department_id", flat=True):
        totals[department_id] -= 2
    tickets = Complaint.objects.filter(  # DOMAIN §9: complaints only, not callbacks or grievances
        store=store,
        kind="complaint",
        received_at__gte=MARCH_START,
        received_at__lt=APRIL_START,
        department__isnull=False,
    )
    for department_id, severity in tickets.values_list("department_id", "severity"):
        totals[department_id] -= 5 if severity == "major" else 1
    for department_id, points in AssessmentAdjustment.objects.filter(
        month=dt.date(2026, 3, 1), department__store=store
    ).values_list("department_id", "points"):
        totals[department_id] += points
    return dict(totals)


@pytest.fixture
def march(
    make_complaint: Callable[..., Complaint],
    people: dict[str, Any],
    sales: Any,
    business: Any,
    service_dept: Any,
    front_line: Any,
    assessor: Any,
) -> dict[str, Any]:
    agent = people["agent"]

    def ticket(moment: dt.datetime, department: Any | None, **kwargs: Any) -> Complaint:
        with time_machine.travel(moment, tick=False):
            complaint = make_complaint(**kwargs)
            if department is not None:
                complaint = workflow.complaint_dispatch(
                    complaint=complaint, actor=agent, department=department
                )
        return complaint

    def breach(complaint: Complaint, kind: str, moment: dt.datetime) -> None:
        row = Deadline.objects.get(complaint=complaint, kind=kind)
        with time_machine.travel(moment, tick=False):
            assert deadline_breach(deadline_id=row.pk, now=moment)

    s1 = ticket(at(2026, 3, 2, 10, 0), sales)
    s2 = ticket(at(2026, 3, 3, 10, 0), sales, major_criteria=["compensation"])
    b1 = ticket(at(2026, 3, 1, 0, 10), business)  # 2026-02-28 16:10 UTC: March in Shanghai
    feb = ticket(at(2026, 2, 28, 23, 50), business)  # February
    apr = ticket(at(2026, 4, 1, 0, 5), sales)  # April
    with time_machine.travel(at(2026, 3, 20, 10, 0), tick=False):
        handoff = make_complaint(actor=front_line, received_by_department=service_dept)  # never handed over
    breach(s1, DeadlineKind.FIRST_CONTACT, at(2026, 3, 2, 13, 0))  # sales −2
    breach(feb, DeadlineKind.FIRST_CONTACT, at(2026, 3, 2, 11, 0))  # February ticket, missed in March
    breach(handoff, DeadlineKind.HANDOFF, at(2026, 3, 20, 11, 0))  # the receiving department: service
    breach(apr, DeadlineKind.FIRST_CONTACT, at(2026, 4, 1, 12, 0))  # April

    with time_machine.travel(at(2026, 3, 31, 16, 0), tick=False):
        assessment_adjust(
            actor=assessor,
            department=sales,
            month=dt.date(2026, 3, 15),
            points=Decimal("2"),
            reason="投诉不实，核实后撤销",
        )
        assessment_adjust(
            actor=assessor,
            department=business,
            month=dt.date(2026, 3, 1),
            points=Decimal("-1.5"),
            reason="隐瞒投诉",
        )
        assessment_adjust(
            actor=assessor, department=sales, month=dt.date(2026, 2, 1), points=Decimal("10"), reason="上月"
        )
    return {"s1": s1, "s2": s2, "b1": b1, "feb": feb, "apr": apr, "handoff": handoff}


def test_api_totals_equal_an_independent_recomputation(
    march: dict[str, Any],
    api: Callable[[Any], Any],
    gm: Any,
    store: Any,
    sales: Any,
    business: Any,
    service_dept: Any,
    care: Any,
) -> None:
    response = api(gm).get("/api/assessment/?month=2026-03")
    assert response.status_code == 200, response.content
    rows = {row["department"]: row for row in response.json()["results"]}
    expected = independent_totals(store)
    assert set(expected) <= set(rows)
    for department_id, row in rows.items():
        assert Decimal(row["total"]) == expected.get(department_id, Decimal(0)), row["department_name"]
    # …and the recomputation itself matches the rules worked out by hand.
    assert expected == {sales.pk: Decimal(-6), business.pk: Decimal("-4.5"), service_dept.pk: Decimal(-2)}
    assert rows[sales.pk]["deductions"] == -8 and Decimal(rows[sales.pk]["adjustments"]) == 2
    assert rows[care.pk]["total"] in ("0", "0.0")

    # The events behind the points.
    sales_events = rows[sales.pk]["events"]
    assert sorted((e["kind"], e["points"]) for e in sales_events if e["kind"] != "adjustment") == [
        ("general_complaint", -1),
        ("major_complaint", -5),
        ("missed_deadline", -2),
    ]
    missed = next(e for e in sales_events if e["kind"] == "missed_deadline")
    assert missed["complaint"] == march["s1"].number and missed["step"] == "first_contact"
    # Moments in business time, ISO 8601 as the other APIs give them (was "2026-03-… 02:00:00+00:00").
    at = dt.datetime.fromisoformat(missed["at"])
    assert missed["at"].endswith("+08:00") and "T" in missed["at"]
    step = Deadline.objects.get(complaint=march["s1"], kind="first_contact", cycle=0, sequence=1)
    assert at == step.due_at
    adjustment = next(e for e in sales_events if e["kind"] == "adjustment")
    assert adjustment["reason"] == "投诉不实，核实后撤销" and Decimal(adjustment["points"]) == 2
    business_numbers = {e.get("complaint") for e in rows[business.pk]["events"]}
    assert march["b1"].number in business_numbers and march["feb"].number in business_numbers  # its breach
    assert not any(
        e["kind"] == "general_complaint" and e["complaint"] == march["feb"].number
        for e in rows[business.pk]["events"]
    )


def test_other_months_and_bad_input(
    march: dict[str, Any], api: Callable[[Any], Any], gm: Any, sales: Any
) -> None:
    april = {r["department"]: r for r in api(gm).get("/api/assessment/?month=2026-04").json()["results"]}
    assert Decimal(april[sales.pk]["total"]) == -3  # the April ticket and its breach
    february = {r["department"]: r for r in api(gm).get("/api/assessment/?month=2026-02").json()["results"]}
    assert Decimal(february[sales.pk]["total"]) == 10
    assert api(gm).get("/api/assessment/?month=March").status_code == 400


def test_page_shows_the_same_totals(
    march: dict[str, Any], gm: Any, store: Any, sales: Any, business: Any, service_dept: Any
) -> None:
    client = Client()
    client.force_login(gm)
    html = client.get("/complaints/assessment/?month=2026-03").content.decode()
    expected = independent_totals(store)
    for department in (sales, business, service_dept):
        match = re.search(
            rf"<td[^>]*>{re.escape(str(department.name))}</td><td[^>]*>(-?[\d.]+)</td><td[^>]*>(-?[\d.]+)</td>"
            r'<td class="fw-bold[^"]*"[^>]*>(-?[\d.]+)</td>',
            html,
        )
        assert match, str(department.name)
        assert Decimal(match.group(3)) == expected[department.pk]
    assert march["s1"].number in html and "投诉不实，核实后撤销" in html


def test_only_the_admin_assessor_adjusts_and_always_with_a_reason(
    clock: Any, assessor: Any, sales_mgr: Any, gm: Any, sales: Any, other_store: Any
) -> None:
    for user in (sales_mgr, gm):
        with pytest.raises(NotAllowedError):
            assessment_adjust(
                actor=user, department=sales, month=dt.date(2026, 3, 1), points=Decimal(1), reason="x"
            )
        client = Client()
        client.force_login(user)
        response = client.post(
            "/complaints/assessment/?month=2026-03", {"department": sales.pk, "points": "5", "reason": "照顾"}
        )
        assert response.status_code == 403
    assert not AssessmentAdjustment.objects.exists()

    with pytest.raises(ApplicationError):
        assessment_adjust(
            actor=assessor, department=sales, month=dt.date(2026, 3, 1), points=Decimal(1), reason=" "
        )
    from tests.factories import DepartmentFactory

    foreign = DepartmentFactory(store=other_store, kind="sales")
    with pytest.raises(NotAllowedError):
        assessment_adjust(
            actor=assessor, department=foreign, month=dt.date(2026, 3, 1), points=Decimal(1), reason="x"
        )

    client = Client()
    client.force_login(assessor)
    response = client.post(
        "/complaints/assessment/?month=2026-03",
        {"department": sales.pk, "points": "-1.5", "reason": "瞒报投诉"},
    )
    assert response.status_code == 302
    adjustment = AssessmentAdjustment.objects.get()
    assert (adjustment.department, adjustment.month, adjustment.points, adjustment.created_by) == (
        sales,
        dt.date(2026, 3, 1),
        Decimal("-1.5"),
        assessor,
    )
    response = client.post(
        "/complaints/assessment/?month=2026-03", {"department": sales.pk, "points": "1", "reason": ""}
    )
    assert response.status_code == 400  # the form error is shown again
    assert AssessmentAdjustment.objects.count() == 1
