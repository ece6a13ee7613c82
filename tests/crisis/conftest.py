"""Fixtures of the crisis tests: one store with every role, a second store, a customer, and helpers
that open a crisis case and drive it with the real services.

Time is frozen at ``T0`` (Wednesday 2026-03-11 10:00, Asia/Shanghai) by the ``clock`` fixture.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from complaints.models import Complaint
from complaints.services import workflow
from crisis import services
from crisis.models import CrisisCase, Phase
from csat.models import Department, DepartmentKind, Role
from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, StoreFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# The order of the phases, and the allowed path to reach each one from latent.
PATH_TO = {
    Phase.LATENT: [],
    Phase.OUTBREAK: [Phase.OUTBREAK],
    Phase.AFTERMATH: [Phase.OUTBREAK, Phase.AFTERMATH],
    Phase.RECOVERY: [Phase.OUTBREAK, Phase.AFTERMATH, Phase.RECOVERY],
}


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def store() -> Any:
    return StoreFactory(code="SZ01", name="深圳福田店", city="深圳")


@pytest.fixture
def other_store() -> Any:
    return StoreFactory(code="GZ01", name="广州天河店", city="广州")


@pytest.fixture
def dept(store: Any) -> Callable[[str], Department]:
    return lambda kind: DepartmentFactory(store=store, kind=kind)


def _staff(username: str, role: str, store: Any, department: Any = None) -> Any:
    return StaffFactory(
        username=username, role=role, store=store, department=department, email=f"{username}@example.com"
    )


@pytest.fixture
def agent(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("agent", Role.AGENT, store, dept(DepartmentKind.CUSTOMER_CARE))


@pytest.fixture
def agent2(store: Any, dept: Callable[[str], Department]) -> Any:
    """Another agent of the same store, on no team."""
    return _staff("agent2", Role.AGENT, store, dept(DepartmentKind.CUSTOMER_CARE))


@pytest.fixture
def ccm(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("ccmanager", Role.CUSTOMER_CARE_MANAGER, store, dept(DepartmentKind.CUSTOMER_CARE))


@pytest.fixture
def sales_mgr(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("sales_mgr", Role.DEPARTMENT_MANAGER, store, dept(DepartmentKind.SALES))


@pytest.fixture
def service_mgr(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("service_mgr", Role.DEPARTMENT_MANAGER, store, dept(DepartmentKind.SERVICE))


@pytest.fixture
def gm(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("gm", Role.GENERAL_MANAGER, store, dept(DepartmentKind.MANAGEMENT))


@pytest.fixture
def assessor(store: Any, dept: Callable[[str], Department]) -> Any:
    return _staff("admin_mgr", Role.ADMIN_ASSESSOR, store, dept(DepartmentKind.ADMIN))


@pytest.fixture
def front_line(store: Any, dept: Callable[[str], Department]) -> Any:
    """A service advisor (role staff): may not open a crisis case."""
    return _staff("advisor", Role.STAFF, store, dept(DepartmentKind.SERVICE))


@pytest.fixture
def viewer() -> Any:
    return StaffFactory(username="group_viewer", role=Role.GROUP_VIEWER, store=None, department=None)


@pytest.fixture
def other_gm(other_store: Any) -> Any:
    return _staff(
        "gm_gz",
        Role.GENERAL_MANAGER,
        other_store,
        DepartmentFactory(store=other_store, kind=DepartmentKind.MANAGEMENT),
    )


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
def web() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def open_crisis(agent: Any, store: Any, customer: Any) -> Callable[..., CrisisCase]:
    """open_crisis(**overrides) → a case opened with ``crisis_open`` (default: by the agent, type e)."""

    def make(**kwargs: Any) -> CrisisCase:
        defaults: dict[str, Any] = {
            "actor": agent,
            "store": store,
            "type": "e",
            "title": "客户扬言向电视台投诉",
            "summary": "客户多次来电，情绪激动。",
            "customer": customer,
        }
        defaults.update(kwargs)
        return services.crisis_open(**defaults)

    return make


@pytest.fixture
def to_phase(gm: Any) -> Callable[[CrisisCase, str], CrisisCase]:
    """to_phase(case, Phase.RECOVERY) walks the allowed path there with the GM as actor."""

    def step(crisis: CrisisCase, target: str) -> CrisisCase:
        for phase in PATH_TO[Phase(target)]:
            crisis = services.crisis_change_phase(
                crisis=crisis.pk, actor=gm, phase=phase, reason=f"进入{phase}"
            )
        return crisis

    return step


@pytest.fixture
def make_complaint(agent: Any, dept: Callable[[str], Department], customer: Any) -> Callable[..., Complaint]:
    """A ticket received by customer care (registered at once)."""

    def make(**kwargs: Any) -> Complaint:
        defaults: dict[str, Any] = {
            "actor": agent,
            "customer": customer,
            "content": "刹车异响，多次维修未解决，客户称要找记者。",
            "received_by_department": dept(DepartmentKind.CUSTOMER_CARE),
            "category": "repair",
        }
        defaults.update(kwargs)
        return workflow.complaint_create(**defaults)

    return make
