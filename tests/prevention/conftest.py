"""Fixtures of the prevention tests: everyone who may (or may not) move a measure, cause codes, a
helper that records a resolved complaint with a cause at any moment through the real workflow
services, and a helper that drives a preventive measure to any status with the right people.

The world (stores, users, ``clock`` at ``T0``, clients) comes from tests/fixtures.py; helpers that
need another moment travel themselves (time-machine nests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from complaints.models import CauseCode, Complaint, Status
from complaints.services import workflow
from csat.domain.transitions import MEASURE_TRANSITIONS
from csat.models import Department, DepartmentKind, Role, Store
from prevention import services as prevention
from prevention.models import MeasureStatus, PreventiveMeasure
from tests.factories import CustomerFactory, DepartmentFactory, VehicleFactory
from tests.fixtures import T0, make_staff

# The path from draft to every status, and who takes each step (a fixture name).
PATH_TO: dict[str, list[str]] = {
    MeasureStatus.DRAFT: [],
    MeasureStatus.AWAITING_APPROVAL: ["submit"],
    MeasureStatus.REJECTED: ["submit", "reject"],
    MeasureStatus.APPROVED: ["submit", "approve"],
    MeasureStatus.IN_PROGRESS: ["submit", "approve", "start"],
    MeasureStatus.DONE: ["submit", "approve", "start", "complete"],
    MeasureStatus.VERIFIED: ["submit", "approve", "start", "complete", "verify"],
}
ACTOR_OF = {
    "submit": "agent",
    "approve": "gm",
    "reject": "gm",
    "start": "business_mgr",
    "complete": "business_mgr",
    "verify": "assessor",
}

# Who may take each step (fixture names of ``everyone``); everybody else gets a 403.
ALLOWED = {
    "submit": {"agent", "ccm"},
    "approve": {"gm"},
    "reject": {"gm"},
    "start": {"business_mgr", "gm"},
    "complete": {"business_mgr", "gm"},
    "verify": {"assessor"},
}
# The status each step starts from in the role matrix.
SOURCE = {
    "submit": MeasureStatus.DRAFT,
    "approve": MeasureStatus.AWAITING_APPROVAL,
    "reject": MeasureStatus.AWAITING_APPROVAL,
    "start": MeasureStatus.APPROVED,
    "complete": MeasureStatus.IN_PROGRESS,
    "verify": MeasureStatus.DONE,
}
TARGET = {
    "submit": MeasureStatus.AWAITING_APPROVAL,
    "approve": MeasureStatus.APPROVED,
    "reject": MeasureStatus.REJECTED,
    "start": MeasureStatus.IN_PROGRESS,
    "complete": MeasureStatus.DONE,
    "verify": MeasureStatus.VERIFIED,
}
ROLES = ["agent", "ccm", "gm", "business_mgr", "business_staff", "sales_mgr", "assessor", "viewer"]
WRONG_STATES = [
    (action, status)
    for action in ALLOWED
    for status in MeasureStatus.values
    if status not in MEASURE_TRANSITIONS[action].sources
]


@pytest.fixture
def everyone(
    agent: Any,
    ccm: Any,
    gm: Any,
    business_mgr: Any,
    business_staff: Any,
    sales_mgr: Any,
    assessor: Any,
    viewer: Any,
) -> dict[str, Any]:
    """Every kind of user of the store (plus head office), keyed by fixture name."""
    return {
        "agent": agent,
        "ccm": ccm,
        "gm": gm,
        "business_mgr": business_mgr,
        "business_staff": business_staff,
        "sales_mgr": sales_mgr,
        "assessor": assessor,
        "viewer": viewer,
    }


def _cause(code: str, category: str, label: str) -> CauseCode:
    # Seeded by complaints/migrations/0003; get_or_create keeps the fixture working after a
    # transactional test has flushed the seeded rows.
    return CauseCode.objects.get_or_create(code=code, defaults={"category": category, "label": label})[0]


@pytest.fixture
def cause() -> CauseCode:
    return _cause("repeat_repair_unfixed", "repair", "重复维修仍未修好")


@pytest.fixture
def other_cause() -> CauseCode:
    return _cause("insufficient_skill", "repair", "维修技术不过关")


@pytest.fixture
def recorded(
    store: Store, care: Department, business: Department, agent: Any, business_mgr: Any
) -> Callable[..., Complaint]:
    """recorded(when=…, cause=…, category="repair", store=…) → a complaint received at ``when`` and
    resolved there with that cause code, through the real services (create → dispatch → contact →
    resolve). Another store gets its own customer care, business manager and customer once."""
    casts: dict[int, dict[str, Any]] = {
        store.pk: {"care": care, "business": business, "agent": agent, "mgr": business_mgr}
    }

    def cast_of(target: Store) -> dict[str, Any]:
        if target.pk not in casts:
            c = DepartmentFactory(store=target, kind=DepartmentKind.CUSTOMER_CARE)
            b = DepartmentFactory(store=target, kind=DepartmentKind.BUSINESS)
            casts[target.pk] = {
                "care": c,
                "business": b,
                "agent": make_staff(f"agent_{target.code}", Role.AGENT, target, c),
                "mgr": make_staff(f"business_mgr_{target.code}", Role.DEPARTMENT_MANAGER, target, b),
            }
        cast = casts[target.pk]
        if "customer" not in cast:
            customer = CustomerFactory(store=target)
            VehicleFactory(customer=customer)
            cast["customer"] = customer
        return cast

    def record(
        *, when: dt.datetime, cause: CauseCode | None, category: str = "repair", store: Store = store
    ) -> Complaint:
        cast = cast_of(store)
        with time_machine.travel(when, tick=False):
            ticket = workflow.complaint_create(
                actor=cast["agent"],
                customer=cast["customer"],
                content="车辆维修后同一故障再次出现。",
                received_by_department=cast["care"],
                category=category,
                dispatch_to=cast["business"],
            )
            ticket = workflow.complaint_contact(
                complaint=ticket, actor=cast["mgr"], cause="返修", expectation="修好", note="客户说又坏了"
            )
            ticket = workflow.complaint_resolve(
                complaint=ticket, actor=cast["mgr"], result="已重新维修", cause_code=cause
            )
        assert ticket.status == Status.RESOLVED and ticket.received_at == when
        return ticket

    return record


@pytest.fixture
def propose(
    agent: Any, store: Store, business: Department, cause: CauseCode
) -> Callable[..., PreventiveMeasure]:
    """A measure proposed by the agent for repeated repairs, owned by the business department, due
    in 30 days; submitted to the GM unless ``submit=False``."""

    def make(**kwargs: Any) -> PreventiveMeasure:
        values: dict[str, Any] = {
            "actor": agent,
            "store": store,
            "category": "repair",
            "cause": cause,
            "problem": "近三个月同一车辆重复返修。",
            "root_cause": "交车前未路试。",
            "measure": "维修完工后必须路试并由质检签字。",
            "owner_department": business,
            "due_date": T0.date() + dt.timedelta(days=30),
        }
        values.update(kwargs)
        return prevention.measure_create(**values)

    return make


@pytest.fixture
def drive(
    request: pytest.FixtureRequest, propose: Callable[..., PreventiveMeasure]
) -> Callable[..., PreventiveMeasure]:
    """drive(MeasureStatus.IN_PROGRESS) → a new measure taken there by the right people."""

    def make(target: str, **kwargs: Any) -> PreventiveMeasure:
        measure = propose(submit=False, **kwargs)
        for action in PATH_TO[target]:
            actor = request.getfixturevalue(ACTOR_OF[action])
            comment = "措施不够具体，请补充。" if action == "reject" else ""
            measure = prevention.measure_step(measure=measure, actor=actor, action=action, comment=comment)
        assert measure.status == target
        return measure

    return make


# Each linked ticket's own words, which only those who may open the ticket may read.
BUSINESS_WORDS = "保养后发动机异响，跑了三趟还没修好。"
SALES_WORDS = "销售顾问承诺的脚垫和贴膜交车时没有给。"


@pytest.fixture
def finance_mgr(store: Store, dept: Callable[[str], Department]) -> Any:
    """The finance department's manager: neither linked ticket of ``split_measure`` is theirs."""
    return make_staff("finance_mgr", Role.DEPARTMENT_MANAGER, store, dept(DepartmentKind.FINANCE))


@pytest.fixture
def split_tickets(
    store: Store, care: Department, business: Department, sales: Department, agent: Any, customer: Any
) -> dict[str, Complaint]:
    """One ticket dispatched to the business department and one to sales, keyed by department."""
    return {
        key: workflow.complaint_create(
            actor=agent,
            customer=customer,
            content=words,
            received_by_department=care,
            category=category,
            dispatch_to=department,
        )
        for key, words, category, department in [
            ("business", BUSINESS_WORDS, "repair", business),
            ("sales", SALES_WORDS, "sales", sales),
        ]
    }


@pytest.fixture
def split_measure(
    propose: Callable[..., PreventiveMeasure], ccm: Any, split_tickets: dict[str, Complaint]
) -> PreventiveMeasure:
    """A measure the customer-care manager proposed linking both departments' tickets (awaiting the GM)."""
    measure = propose(actor=ccm, complaints=list(split_tickets.values()))
    assert measure.complaints.count() == 2
    return measure
