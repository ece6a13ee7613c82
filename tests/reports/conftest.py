"""A fixture month with known answers: March 2026 in store SZ01 (plus a second store GZ01, and the
months around it), built row by row so each test can recompute every figure from ``MARCH`` itself.

Time is frozen at 2026-04-02 10:00 Beijing time: March is closed, April is the current month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from callbacks.models import CallbackTask, CloseReason, Survey, SurveyType
from complaints.models import Approval, AssessmentAdjustment, Complaint, ComplaintEvent, DeadlineAlert
from csat.models import DepartmentKind, Role
from prevention.models import MeasureStatus, PreventiveMeasure
from tests.factories import (
    CustomerFactory,
    ServiceVisitFactory,
    StaffFactory,
    VehicleFactory,
)
from tests.reports.builders import (
    AFTER_OK,
    AFTER_POOR,
    ATTITUDE,
    MONTH,
    NOW,
    OVERALL,
    PARTS,
    SALES_OK,
    SALES_POOR,
    SKILL,
    TIMELINESS,
    at,
    deadline,
    departments,
    dept,
    make_complaint,
    make_survey,
    make_task,
)


@dataclass
class Month:
    """What was built, for the tests to recompute from."""

    store: Any
    other: Any
    users: dict[str, Any]
    surveys: list[Survey] = field(default_factory=list)  # store SZ01, March
    complaints: dict[str, Complaint] = field(default_factory=dict)
    tasks: list[CallbackTask] = field(default_factory=list)  # store SZ01, due in March


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def _surveys(m: Month, agent: Any, agent2: Any, consultant: Any, advisor: Any) -> None:
    s = m.store
    tasks = [
        make_task(s, type=SurveyType.SALES, due=at(3, 2), reached=at(3, 2), staff=consultant, model="CX-5"),
        make_task(s, type=SurveyType.SALES, due=at(3, 3), reached=at(3, 3), staff=consultant, model="CX-5"),
        make_task(s, type=SurveyType.SALES, due=at(3, 4), reached=at(3, 4), staff=consultant, model="CX-30"),
        make_task(s, type=SurveyType.SALES, due=at(3, 5), reached=at(3, 5), staff=consultant, model="CX-30"),
        make_task(s, type=SurveyType.AFTER_SALES, due=at(3, 6), reached=at(3, 6), staff=advisor),
        make_task(s, type=SurveyType.AFTER_SALES, due=at(3, 9), reached=at(3, 9), staff=advisor),
        make_task(s, type=SurveyType.AFTER_SALES, due=at(3, 10), reached=at(3, 10), staff=advisor),
        make_task(s, type=SurveyType.AFTER_SALES, due=at(3, 11), reached=at(3, 11), staff=advisor),
        make_task(s, type=SurveyType.AFTER_SALES, due=at(3, 12)),  # never reached
        make_task(s, type=SurveyType.SALES, due=at(3, 31, 23, 30)),  # never reached, last half hour
    ]
    m.tasks = tasks
    # Not required: a do-not-contact customer; due in February; due in April; another store.
    make_task(s, type=SurveyType.SALES, due=at(3, 13), close_reason=CloseReason.DO_NOT_CONTACT)
    make_task(s, type=SurveyType.SALES, due=at(2, 28, 23, 59))
    make_task(s, type=SurveyType.SALES, due=at(4, 1, 0, 0))
    make_task(m.other, type=SurveyType.SALES, due=at(3, 2))

    sv = [
        make_survey(s, type="sales", at=at(3, 2), agent=agent, score=95, task=tasks[0], items=SALES_OK),
        make_survey(
            s,
            type="sales",
            at=at(3, 3),
            agent=agent,
            score=60,
            task=tasks[1],
            items=SALES_POOR,
            says_unsatisfied=True,
            remarks="交车太慢",
        ),
        make_survey(
            s,
            type="sales",
            at=at(3, 4),
            agent=agent2,
            score=85,
            task=tasks[2],
            items=SALES_OK,
            remarks="希望多回访",
            channel="letter",
        ),
        make_survey(
            s,
            type="sales",
            at=at(3, 5),
            agent=agent2,
            score=75,
            task=tasks[3],
            items=SALES_OK,
            remarks="价格解释不清",
        ),
        make_survey(
            s,
            type="after_sales",
            at=at(3, 6),
            agent=agent,
            score=100,
            task=tasks[4],
            items=AFTER_OK,
            channel="on_site",
        ),
        make_survey(
            s,
            type="after_sales",
            at=at(3, 9),
            agent=agent,
            score=88,
            task=tasks[5],
            items=AFTER_POOR,
            grievance=True,
            remarks="向总经理反映",
        ),
        make_survey(
            s,
            type="after_sales",
            at=at(3, 10),
            agent=agent2,
            task=tasks[6],
            items=AFTER_POOR,
            not_rated_reason="客户忙，不愿评分",
        ),
    ]
    for i in range(38):
        ratings = {
            "skill": SKILL[i],
            "attitude": ATTITUDE[i],
            "timeliness": TIMELINESS[i],
            "parts": PARTS[i],
            "overall": OVERALL[i],
        }
        reasons = tuple(
            code for code, low in (("arrived_late", TIMELINESS[i] <= 6), ("long_wait", PARTS[i] <= 6)) if low
        )
        sv.append(
            make_survey(
                s, type="five_dimension", at=at(3, 15, 9, i), agent=agent, ratings=ratings, reasons=reasons
            )
        )
    sv.append(make_survey(s, type="sales", at=at(3, 20), agent=agent2, not_rated_reason="客户忙，不愿评分"))
    sv.append(make_survey(s, type="after_sales", at=at(3, 31, 23, 59), agent=agent, score=90, model="CX-30"))
    m.surveys = sv
    # Around the month: February, January, April, and another store in March.
    make_survey(s, type="sales", at=at(2, 10), agent=agent, score=80)
    make_survey(s, type="sales", at=at(2, 28, 23, 59), agent=agent, score=90)
    make_survey(s, type="sales", at=at(1, 10), agent=agent, score=70)
    make_survey(s, type="sales", at=at(4, 1, 0, 0), agent=agent, score=10)
    make_survey(m.other, type="sales", at=at(3, 10), agent=agent, score=50, remarks="其他门店")


def _complaints(m: Month, ccm: Any, gm: Any) -> None:
    s = m.store
    service, sales = dept(s, DepartmentKind.SERVICE), dept(s, DepartmentKind.SALES)
    c1 = make_complaint(
        s,
        "TS-1",
        received=at(3, 3),
        received_by=ccm,
        kind="complaint",
        severity="major",
        category="repair",
        grade="E",
        department=service,
        status="in_progress",
        compensation_amount=Decimal("500.00"),
        approval=Approval.APPROVED,
        approved_by=gm,
        approved_at=at(3, 10),
    )
    c2 = make_complaint(
        s,
        "TS-2",
        received=at(3, 4),
        received_by=ccm,
        kind="dissatisfied",
        category="sales",
        grade="D",
        department=sales,
        status="resolved",
        resolved_at=at(3, 5),
    )
    c3 = make_complaint(
        s,
        "TS-3",
        received=at(3, 20),
        received_by=ccm,
        kind="grievance",
        category="parts",
        status="registered",
    )
    c4 = make_complaint(
        s,
        "TS-4",
        received=at(2, 20),
        received_by=ccm,
        category="repair",
        department=service,
        status="in_progress",
        reopen_count=1,
        compensation_amount=Decimal("200.00"),
        approval=Approval.PENDING,
    )
    c5 = make_complaint(m.other, "TS-5", received=at(3, 6), received_by=ccm, category="sales")
    m.complaints = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}

    deadline(c1, "handoff", due=at(3, 3, 10, 30), met_at=at(3, 3, 10, 10))
    deadline(c1, "dispatch", due=at(3, 3, 11, 0), met_at=at(3, 3, 11, 20))  # met late: missed
    first = deadline(
        c1, "first_contact", due=at(3, 3, 13, 0), breached_at=at(3, 3, 13, 1), department=service
    )
    deadline(c1, "progress_report", due=at(3, 6, 13, 0))  # unresolved since: open past 3 working days
    deadline(c2, "handoff", due=at(3, 4, 10, 30), met_at=at(3, 4, 10, 5))
    # Resolved before it came due (the resolve step meets the timer and is in the history).
    deadline(c2, "progress_report", due=at(3, 9, 10, 0), started_at=at(3, 4), met_at=at(3, 5))
    resolved = ComplaintEvent.objects.create(complaint=c2, actor=ccm, action="resolve")
    ComplaintEvent.objects.filter(pk=resolved.pk).update(created_at=at(3, 5))
    deadline(c3, "handoff", due=at(3, 20, 10, 30), cancelled_at=at(3, 20, 10, 1))  # cancelled: not counted
    deadline(c3, "dispatch", due=at(3, 20, 11, 0))  # still open
    deadline(c4, "progress_report", due=at(2, 25, 10, 0))  # February, never resolved: open past in March
    deadline(c5, "handoff", due=at(3, 6, 10, 30), breached_at=at(3, 6, 10, 31))  # other store

    alert = DeadlineAlert.objects.create(deadline=first, kind="breach", department=service)
    DeadlineAlert.objects.filter(pk=alert.pk).update(created_at=at(3, 3, 13, 1))
    reopen = ComplaintEvent.objects.create(complaint=c4, actor=ccm, action="reopen")
    ComplaintEvent.objects.filter(pk=reopen.pk).update(created_at=at(3, 12))
    old = ComplaintEvent.objects.create(complaint=c2, actor=ccm, action="reopen")
    ComplaintEvent.objects.filter(pk=old.pk).update(created_at=at(2, 12))  # not in March
    AssessmentAdjustment.objects.create(
        department=sales, month=MONTH, points=Decimal("1.0"), reason="客户撤诉", created_by=gm
    )

    for status, created, extra in (
        (MeasureStatus.IN_PROGRESS, at(3, 8), {}),
        (MeasureStatus.REJECTED, at(3, 9), {"decided_at": at(3, 10)}),
        (MeasureStatus.VERIFIED, at(1, 9), {"verified_at": at(2, 10)}),  # finished before March
        (MeasureStatus.AWAITING_APPROVAL, at(4, 1, 9), {}),  # after March
    ):
        measure = PreventiveMeasure.objects.create(
            store=s,
            category="repair",
            problem="返修多",
            measure="加强检验",
            owner_department=service,
            due_date=dt.date(2026, 3, 31),
            status=status,
            created_by=gm,
            **extra,
        )
        PreventiveMeasure.objects.filter(pk=measure.pk).update(created_at=created)

    # Service intakes and cars delivered in March (besides those behind the callback tasks above).
    ServiceVisitFactory(
        vehicle=VehicleFactory(customer=CustomerFactory(store=s), store=s),
        opened_at=at(3, 25),
        handed_back_at=at(3, 25, 15),
    )


@pytest.fixture
def store(store: Any) -> Any:
    """The shared world's SZ01, with every department."""
    return departments(store)


@pytest.fixture
def other_store(other_store: Any) -> Any:
    return departments(other_store)


@pytest.fixture
def users(store: Any, other_store: Any) -> dict[str, Any]:
    def staff(username: str, role: str, st: Any, kind: str | None, name: str) -> Any:
        return StaffFactory(
            username=username, role=role, store=st, department=dept(st, kind) if kind else None, name=name
        )

    return {
        "agent": staff("agent", Role.AGENT, store, DepartmentKind.CUSTOMER_CARE, "李小燕"),
        "agent2": staff("agent2", Role.AGENT, store, DepartmentKind.CUSTOMER_CARE, "赵敏"),
        "consultant": staff("consultant", Role.STAFF, store, DepartmentKind.SALES, "王顾问"),
        "advisor": staff("advisor", Role.STAFF, store, DepartmentKind.SERVICE, "陈顾问"),
        "ccm": staff("ccmanager", Role.CUSTOMER_CARE_MANAGER, store, DepartmentKind.CUSTOMER_CARE, "周经理"),
        "sales_mgr": staff("sales_mgr", Role.DEPARTMENT_MANAGER, store, DepartmentKind.SALES, "销售经理"),
        "gm": staff("gm", Role.GENERAL_MANAGER, store, DepartmentKind.MANAGEMENT, "总经理"),
        "other_mgr": staff(
            "other_mgr", Role.DEPARTMENT_MANAGER, other_store, DepartmentKind.SALES, "广州经理"
        ),
        "hq": StaffFactory(username="hq", role=Role.GROUP_VIEWER, store=None, name="集团"),
    }


@pytest.fixture
def march(store: Any, other_store: Any, users: dict[str, Any]) -> Month:
    m = Month(store=store, other=other_store, users=users)
    _surveys(m, users["agent"], users["agent2"], users["consultant"], users["advisor"])
    _complaints(m, users["ccm"], users["gm"])
    return m


# The report dashboard's figures cache on (tests/reports/test_dashboard_*.py), fresh this long.
DASHBOARD_FRESH = 300


@pytest.fixture
def dashboard_cache(settings: Any) -> None:
    settings.CSAT = {**settings.CSAT, "REPORT_DASHBOARD_FRESH_SECONDS": DASHBOARD_FRESH}
