"""Fixtures for the callback work: two stores with their departments, one user per role, tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks.models import CallbackTask, SurveyType
from csat.models import DepartmentKind, Role
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    StaffFactory,
    StoreFactory,
    VehicleFactory,
)


def _departments(store: Any) -> Any:
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    return store


@pytest.fixture
def store_a() -> Any:
    return _departments(StoreFactory(code="SZ01", name="深圳福田店", city="深圳"))


@pytest.fixture
def store_b() -> Any:
    return _departments(StoreFactory(code="GZ01", name="广州天河店", city="广州"))


@pytest.fixture
def agent(store_a: Any) -> Any:
    return StaffFactory(username="agent_a", name="李小燕", role=Role.AGENT, store=store_a)


@pytest.fixture
def agent2(store_a: Any) -> Any:
    return StaffFactory(username="agent_a2", name="赵敏", role=Role.AGENT, store=store_a)


@pytest.fixture
def agent_b(store_b: Any) -> Any:
    return StaffFactory(username="agent_b", role=Role.AGENT, store=store_b)


@pytest.fixture
def ccmanager(store_a: Any) -> Any:
    return StaffFactory(username="ccm_a", role=Role.CUSTOMER_CARE_MANAGER, store=store_a)


@pytest.fixture
def sales_manager(store_a: Any) -> Any:
    return StaffFactory(
        username="sales_mgr_a",
        role=Role.DEPARTMENT_MANAGER,
        store=store_a,
        department=DepartmentFactory(store=store_a, kind=DepartmentKind.SALES),
    )


@pytest.fixture
def gm(store_a: Any) -> Any:
    return StaffFactory(username="gm_a", role=Role.GENERAL_MANAGER, store=store_a)


@pytest.fixture
def front_line(store_a: Any) -> Any:
    return StaffFactory(username="advisor_a", role=Role.STAFF, store=store_a)


@pytest.fixture
def hq(store_a: Any, store_b: Any) -> Any:
    return StaffFactory(username="hq", role=Role.GROUP_VIEWER, store=None)


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def make_task() -> Callable[..., CallbackTask]:
    """A task of the given type for a fresh customer of ``store``, due ``due_in`` from now."""

    def make(
        store: Any,
        *,
        type: str = SurveyType.SALES,
        due_in: dt.timedelta = dt.timedelta(hours=-1),
        customer: Any = None,
        **fields: Any,
    ) -> CallbackTask:
        now = timezone.now()
        customer = customer or CustomerFactory(store=store)
        vehicle = VehicleFactory(customer=customer, store=store)
        due_at = now + due_in
        source: dict[str, Any] = {}
        if type == SurveyType.SALES:
            source["sale"] = SalesDeliveryFactory(vehicle=vehicle, delivered_at=due_at - dt.timedelta(days=3))
        elif type == SurveyType.AFTER_SALES:
            handed = due_at - dt.timedelta(days=3)
            source["visit"] = ServiceVisitFactory(
                vehicle=vehicle, opened_at=handed - dt.timedelta(hours=4), handed_back_at=handed
            )
        else:
            source["period"] = "2026Q1"
        return CallbackTask.objects.create(
            store=store,
            type=type,
            customer=customer,
            vehicle=vehicle,
            due_at=due_at,
            expires_at=due_at + dt.timedelta(days=15),
            **source,
            **fields,
        )

    return make
