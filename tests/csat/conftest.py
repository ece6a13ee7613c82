"""Fixtures for the shared records: two stores, a user of each interesting role, API clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from csat.models import DepartmentKind, Role
from tests.factories import DepartmentFactory, StaffFactory, StoreFactory, UserFactory


@pytest.fixture
def store_a() -> Any:
    return StoreFactory(code="SZ01", name="深圳福田店", city="深圳")


@pytest.fixture
def store_b() -> Any:
    return StoreFactory(code="GZ01", name="广州天河店", city="广州")


@pytest.fixture
def agent(store_a: Any) -> Any:
    return StaffFactory(username="agent_a", role=Role.AGENT, store=store_a)


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
    """A service advisor: role ``staff`` records complaints but maintains no customer data."""
    return StaffFactory(username="advisor_a", role=Role.STAFF, store=store_a)


@pytest.fixture
def hq(store_a: Any, store_b: Any) -> Any:
    """Head office: sees both stores, changes nothing."""
    return StaffFactory(username="hq", role=Role.GROUP_VIEWER, store=None)


@pytest.fixture
def superuser() -> Any:
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    return user


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client signed in as the given user (``force_authenticate``)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
