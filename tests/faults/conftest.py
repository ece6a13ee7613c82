"""Fixtures of the fault tests: one store, its customer care, sales manager and GM, and a ticket."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.services import workflow
from csat.models import DepartmentKind, Role
from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, StoreFactory


@pytest.fixture
def store() -> Any:
    return StoreFactory(code="SZ01", name="深圳福田店")


@pytest.fixture
def care(store: Any) -> Any:
    return DepartmentFactory(store=store, kind=DepartmentKind.CUSTOMER_CARE)


@pytest.fixture
def sales(store: Any) -> Any:
    return DepartmentFactory(store=store, kind=DepartmentKind.SALES)


@pytest.fixture
def agent(store: Any, care: Any) -> Any:
    return StaffFactory(username="agent", role=Role.AGENT, store=store, department=care)


@pytest.fixture
def sales_mgr(store: Any, sales: Any) -> Any:
    return StaffFactory(username="sales_mgr", role=Role.DEPARTMENT_MANAGER, store=store, department=sales)


@pytest.fixture
def ticket(agent: Any, care: Any, store: Any) -> Any:
    """A complaint registered by customer care, waiting to be dispatched."""
    return workflow.complaint_create(
        actor=agent,
        customer=CustomerFactory(store=store),
        content="保养后异响。",
        received_by_department=care,
        category="sales",
    )
