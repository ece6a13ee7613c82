"""Fixtures of the complaint tests: one store with every role, a second store, and helpers that drive a
ticket through the real workflow services to any status.

Time is frozen at ``T0`` (Wednesday 2026-03-11 10:00, Asia/Shanghai: a plain working day inside
office hours) by the ``clock`` fixture; tests that need another moment travel themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from complaints.models import Complaint, Status
from complaints.services import workflow
from csat.models import Department, DepartmentKind, Role
from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, StoreFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def at(*args: int) -> dt.datetime:
    """A Shanghai wall-clock moment: at(2026, 3, 11, 10, 0)."""
    return dt.datetime(*args, tzinfo=SH)  # type: ignore[misc]


def local(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(SH)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Uploaded agreements land in a temporary folder, never in the project's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def store() -> Any:
    return StoreFactory(code="SZ01", name="深圳福田店", city="深圳")


@pytest.fixture
def other_store() -> Any:
    return StoreFactory(code="GZ01", name="广州天河店", city="广州")


@pytest.fixture
def dept(store: Any) -> Callable[[str], Department]:
    """dept(DepartmentKind.SALES) → that department of ``store`` (one per kind)."""
    return lambda kind: DepartmentFactory(store=store, kind=kind)


@pytest.fixture
def care(dept: Callable[[str], Department]) -> Department:
    return dept(DepartmentKind.CUSTOMER_CARE)


@pytest.fixture
def sales(dept: Callable[[str], Department]) -> Department:
    return dept(DepartmentKind.SALES)


@pytest.fixture
def business(dept: Callable[[str], Department]) -> Department:
    return dept(DepartmentKind.BUSINESS)


@pytest.fixture
def service_dept(dept: Callable[[str], Department]) -> Department:
    return dept(DepartmentKind.SERVICE)


def _staff(username: str, role: str, store: Any, department: Any = None, **kw: Any) -> Any:
    return StaffFactory(
        username=username,
        role=role,
        store=store,
        department=department,
        email=f"{username}@example.com",
        **kw,
    )


@pytest.fixture
def agent(store: Any, care: Department) -> Any:
    return _staff("agent", Role.AGENT, store, care)


@pytest.fixture
def ccm(store: Any, care: Department) -> Any:
    return _staff("ccmanager", Role.CUSTOMER_CARE_MANAGER, store, care)


@pytest.fixture
def sales_mgr(store: Any, sales: Department) -> Any:
    return _staff("sales_mgr", Role.DEPARTMENT_MANAGER, store, sales)


@pytest.fixture
def business_mgr(store: Any, business: Department) -> Any:
    return _staff("business_mgr", Role.DEPARTMENT_MANAGER, store, business)


@pytest.fixture
def gm(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("gm", Role.GENERAL_MANAGER, store, dept(DepartmentKind.MANAGEMENT))


@pytest.fixture
def assessor(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("admin_mgr", Role.ADMIN_ASSESSOR, store, dept(DepartmentKind.ADMIN))


@pytest.fixture
def front_line(store: Any, service_dept: Department) -> Any:
    """A service advisor (role staff) in the service department: records complaints only."""
    return _staff("advisor", Role.STAFF, store, service_dept)


@pytest.fixture
def viewer() -> Any:
    return StaffFactory(username="group_viewer", role=Role.GROUP_VIEWER, store=None, department=None)


@pytest.fixture
def other_agent(other_store: Any) -> Any:
    return _staff("agent_gz", Role.AGENT, other_store, DepartmentFactory(store=other_store))


@pytest.fixture
def customer(store: Any) -> Any:
    customer = CustomerFactory(store=store, name="王先生")
    VehicleFactory(customer=customer, plate="粤B12345")
    return customer


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def people(agent: Any, ccm: Any, sales_mgr: Any, business_mgr: Any, gm: Any) -> dict[str, Any]:
    """The cast of a full workflow, keyed by role."""
    return {"agent": agent, "ccm": ccm, "sales_mgr": sales_mgr, "business_mgr": business_mgr, "gm": gm}


@pytest.fixture
def make_complaint(agent: Any, care: Department, customer: Any) -> Callable[..., Complaint]:
    """A ticket received by customer care (so registered at once), with overridable arguments."""

    def make(**kwargs: Any) -> Complaint:
        defaults: dict[str, Any] = {
            "actor": agent,
            "customer": customer,
            "content": "保养后发动机异响，要求说明原因。",
            "received_by_department": care,
            "category": "sales",
        }
        defaults.update(kwargs)
        return workflow.complaint_create(**defaults)

    return make


# The order of the workflow, and the action that moves a ticket one step along it.
PATH = [
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL,
    Status.RESOLVED,
    Status.CLOSED,
]


@pytest.fixture
def advance(people: dict[str, Any], sales: Department) -> Callable[..., Complaint]:
    """advance(ticket, Status.RESOLVED) drives a registered ticket to that status with the services.

    The path dispatches to sales and goes through a proposal with compensation (GM-approved on the
    way to resolved). Reaching closed travels 5 days on (the follow-up window), so use it under
    ``clock`` or another frozen time.
    """
    agent, mgr, gm = people["agent"], people["sales_mgr"], people["gm"]

    def step(ticket: Complaint, target: str, *, compensation: Decimal = Decimal("500.00")) -> Complaint:
        ticket.refresh_from_db()
        if ticket.status == Status.RECEIVED and target != Status.RECEIVED:
            ticket = workflow.complaint_register(complaint=ticket, actor=agent)
        if ticket.status == target:
            return ticket
        if ticket.status == Status.REGISTERED:
            ticket = workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
        if ticket.status == target:
            return ticket
        if ticket.status == Status.DISPATCHED:
            ticket = workflow.complaint_contact(complaint=ticket, actor=mgr, cause="漏检", expectation="道歉")
        if ticket.status == target:
            return ticket
        if ticket.status == Status.IN_PROGRESS and ticket.approval != "approved":
            ticket = workflow.complaint_propose(
                complaint=ticket, actor=mgr, solution="免费复检并赠送保养", compensation_amount=compensation
            )
        if ticket.status == target:
            return ticket
        if ticket.status == Status.AWAITING_APPROVAL:
            ticket = workflow.complaint_approve(complaint=ticket, actor=gm, comment="同意")
        if ticket.status == target:
            return ticket
        if ticket.status == Status.IN_PROGRESS:
            ticket = workflow.complaint_resolve(complaint=ticket, actor=mgr, result="客户接受方案")
        if ticket.status == target:
            return ticket
        if ticket.status == Status.RESOLVED:
            with time_machine.travel(dt.timedelta(days=5, hours=1)):
                ticket = workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="satisfied")
        assert ticket.status == target, f"could not reach {target}, stuck at {ticket.status}"
        return ticket

    return step
