"""Builders of the fixture month's rows: callback tasks, surveys, complaints and their timers, each
with exactly the fields a test names (no workflow side effects), so every figure can be recomputed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from callbacks.models import CallbackTask, ReasonCode, Survey, SurveyType, TaskStatus
from complaints.models import (
    Complaint,
    Deadline,
)
from csat.domain import classification, scoring
from csat.models import DepartmentKind
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 2, 10, 0, tzinfo=SH)
MONTH = dt.date(2026, 3, 1)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


# DOMAIN §2 worked example as the timeliness ratings of the 38 five-dimension surveys:
# 6×1, 7×2, 8×34, 9×1 → 79.2; target 80 → 3 points short, 3 lifts.
TIMELINESS = [6] + [7] * 2 + [8] * 34 + [9]
SKILL = [9] * 38
ATTITUDE = [10] * 38
PARTS = [5] * 8 + [8] * 30
OVERALL = [9] * 20 + [8] * 18

SALES_OK = {
    "consultant_knowledge": "satisfied",
    "consultant_attitude": "satisfied",
    "consultant_follow_up": "yes",
    "vehicle_introduction": "satisfied",
    "delivery": "satisfied",
}
SALES_POOR = {
    **SALES_OK,
    "consultant_attitude": "dissatisfied",
    "delivery": "average",
    "consultant_follow_up": "no",
}
AFTER_OK = {
    "repair_quality": "satisfied",
    "running_since": "normal",
    "service_attitude": "satisfied",
    "service_reception": "satisfied",
    "technique_mechanical": "satisfied",
    "technique_body_paint": "not_applicable",
    "handover_explained": "yes",
    "handover_advice": "yes",
    "handover_prices": "yes",
}
AFTER_POOR = {**AFTER_OK, "technique_mechanical": "dissatisfied", "technique_body_paint": "average"}


def departments(store: Any) -> Any:
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    return store


def dept(store: Any, kind: str) -> Any:
    return DepartmentFactory(store=store, kind=kind)


def make_task(
    store: Any,
    *,
    type: str,
    due: dt.datetime,
    reached: dt.datetime | None = None,
    staff: Any = None,
    model: str = "CX-5",
    **fields: Any,
) -> CallbackTask:
    customer = CustomerFactory(store=store)
    vehicle = VehicleFactory(customer=customer, store=store, model=model)
    source: dict[str, Any] = {}
    if type == SurveyType.SALES:
        source["sale"] = SalesDeliveryFactory(
            vehicle=vehicle, delivered_at=due - dt.timedelta(days=3), consultant=staff
        )
    elif type == SurveyType.AFTER_SALES:
        handed = due - dt.timedelta(days=3)
        source["visit"] = ServiceVisitFactory(
            vehicle=vehicle,
            opened_at=handed - dt.timedelta(hours=4),
            handed_back_at=handed,
            service_advisor=staff,
        )
    else:
        source["period"] = "2026Q1"
    return CallbackTask.objects.create(
        store=store,
        type=type,
        customer=customer,
        vehicle=vehicle,
        due_at=due,
        expires_at=due + dt.timedelta(days=15),
        reached_at=reached,
        status=TaskStatus.DONE if reached else TaskStatus.PENDING,
        **source,
        **fields,
    )


def make_survey(
    store: Any,
    *,
    type: str,
    at: dt.datetime,
    agent: Any,
    score: int | None = None,
    not_rated_reason: str = "",
    ratings: dict[str, int] | None = None,
    task: CallbackTask | None = None,
    channel: str = "phone",
    items: dict[str, str] | None = None,
    remarks: str = "",
    says_unsatisfied: bool = False,
    grievance: bool = False,
    complained: bool = False,
    reasons: tuple[str, ...] = (),
    model: str = "CX-5",
) -> Survey:
    if ratings:
        score = int(scoring.overall_score([scoring.dimension_score([r]) for r in ratings.values()]) + 0.5)
    customer = task.customer if task else CustomerFactory(store=store)
    vehicle = task.vehicle if task else VehicleFactory(customer=customer, store=store, model=model)
    survey = Survey.objects.create(
        store=store,
        customer=customer,
        vehicle=vehicle,
        callback=task,
        type=type,
        channel=channel,
        surveyed_at=at,
        surveyed_by=agent,
        score=None if ratings else score,
        not_rated_reason=not_rated_reason,
        ratings=ratings or {},
        items=items or {},
        remarks=remarks,
        says_unsatisfied=says_unsatisfied,
        grievance=grievance,
        complained_externally=complained,
        score_used=score,
        classification=classification.classify_survey(
            score=score,
            is_complaint=complained,
            is_grievance=grievance,
            says_unsatisfied=says_unsatisfied,
            has_remarks=bool(remarks),
        ),
        suggested_grade="B",
        grade="B",
    )
    if reasons:
        survey.reason_codes.set(ReasonCode.objects.filter(code__in=reasons))
    return survey


def make_complaint(
    store: Any, number: str, *, received: dt.datetime, received_by: Any, **fields: Any
) -> Complaint:
    customer = CustomerFactory(store=store)
    return Complaint.objects.create(
        store=store,
        number=number,
        customer=customer,
        content="客户原话",
        received_at=received,
        received_by=received_by,
        received_by_department=dept(store, DepartmentKind.CUSTOMER_CARE),
        **fields,
    )


def deadline(complaint: Complaint, kind: str, *, due: dt.datetime, **fields: Any) -> Deadline:
    return Deadline.objects.create(
        complaint=complaint,
        kind=kind,
        cycle=fields.pop("cycle", 0),
        started_at=fields.pop("started_at", due - dt.timedelta(minutes=30)),
        opens_at=due - dt.timedelta(minutes=30),
        warn_at=due - dt.timedelta(minutes=10),
        due_at=due,
        **fields,
    )


def dashboard_page(client: Any, **params: str) -> str:
    """The report dashboard of March 2026 (``params``: scope, drill …) as the client sees it."""
    response = client.get("/reports/", {"month": "2026-03", **params})
    assert response.status_code == 200
    return str(response.content.decode())


def dashboard_total(html: str) -> int:
    """The complaints total of a dashboard page."""
    found = re.search(r'data-testid="complaints-total">(\d+)<', html)
    assert found is not None
    return int(found.group(1))


def dashboard_drilled(html: str) -> set[int]:
    """The tickets a dashboard page lists under its figures."""
    return {int(pk) for pk in re.findall(r'data-complaint="(\d+)"', html)}
