"""The one fixture world of the test suite (registered by tests/conftest.py through ``pytest_plugins``).

Every area builds on the same cast: the store SZ01 (``store``) and a second store GZ01
(``other_store``), their departments by kind, one user per role, a customer with a car, a clock
frozen at ``T0`` and signed-in clients for any user. An area's conftest keeps only what is its own
(tickets in a given state, measures, a reporting month…) and may override a fixture by name, e.g.
``store`` to give it every department, or ``accounts`` to give the users other usernames.

Canonical names, and the aliases kept for the older dialect: ``store``/``other_store``
(``store_a``/``store_b``), ``ccm`` (``ccmanager``), ``sales_mgr`` (``sales_manager``), ``viewer``
(``hq``, which also brings both stores), ``other_agent`` (``agent_b``), ``api`` (``client_for``),
``web`` (``browser``).

Time is frozen at ``T0`` (Wednesday 2026-03-11 10:00, Asia/Shanghai: a plain working day inside
office hours) by the ``clock`` fixture; tests that need another moment travel themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from csat.models import Department, DepartmentKind, Role, Store
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    StaffFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
)

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


def make_staff(username: str, role: str, store: Any, department: Any = None, **fields: Any) -> Any:
    """A user with a staff profile and the e-mail ``<username>@example.com``."""
    return StaffFactory(
        username=username,
        role=role,
        store=store,
        department=department,
        email=f"{username}@example.com",
        **fields,
    )


# --- Time and files ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files land in a temporary folder, never in the project's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# --- Stores and departments --------------------------------------------------------------------


@pytest.fixture
def store() -> Store:
    return StoreFactory(code="SZ01", name="深圳福田店", city="深圳")


@pytest.fixture
def other_store() -> Store:
    return StoreFactory(code="GZ01", name="广州天河店", city="广州")


def every_department(store: Store) -> Store:
    """``store`` with one department of every kind (areas that want them override ``store`` with this)."""
    for kind in DepartmentKind.values:
        DepartmentFactory(store=store, kind=kind)
    return store


@pytest.fixture
def store_a(store: Store) -> Store:
    return store


@pytest.fixture
def store_b(other_store: Store) -> Store:
    return other_store


@pytest.fixture
def dept(store: Store) -> Callable[[str], Department]:
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
    """The business department (业务部): repair complaints and their measures go here."""
    return dept(DepartmentKind.BUSINESS)


@pytest.fixture
def service_dept(dept: Callable[[str], Department]) -> Department:
    return dept(DepartmentKind.SERVICE)


# --- Users ---------------------------------------------------------------------------------------


def _mail(username: str) -> dict[str, str]:
    return {"username": username, "email": f"{username}@example.com"}


# The account (username, and e-mail where there is one) behind each user fixture.
ACCOUNTS: dict[str, dict[str, str]] = {
    "agent": _mail("agent"),
    "agent2": _mail("agent2"),
    "ccm": _mail("ccmanager"),
    "sales_mgr": _mail("sales_mgr"),
    "business_mgr": _mail("business_mgr"),
    "service_mgr": _mail("service_mgr"),
    "business_staff": _mail("business_staff"),
    "gm": _mail("gm"),
    "assessor": _mail("admin_mgr"),
    "front_line": _mail("advisor"),
    "viewer": {"username": "group_viewer"},
    "other_agent": _mail("agent_gz"),
    "other_gm": _mail("gm_gz"),
}
# The store-A accounts of the shared-record, callback and import tests: the users those tests always
# had carry the store's suffix and no e-mail (tests log in as ``agent_a``); other roles as above.
ACCOUNTS_A: dict[str, dict[str, str]] = {
    **ACCOUNTS,
    "agent": {"username": "agent_a"},
    "agent2": {"username": "agent_a2"},
    "ccm": {"username": "ccm_a"},
    "sales_mgr": {"username": "sales_mgr_a"},
    "gm": {"username": "gm_a"},
    "front_line": {"username": "advisor_a"},
    "viewer": {"username": "hq"},
    "other_agent": {"username": "agent_b"},
}


def accounts_fixture(table: dict[str, dict[str, str]]) -> Any:
    """An ``accounts`` fixture returning ``table``: ``accounts = accounts_fixture(ACCOUNTS_A)`` in an
    area's conftest gives that area's users those accounts."""

    @pytest.fixture
    def accounts() -> dict[str, dict[str, str]]:
        return table

    return accounts


# Who each user fixture is; an area overrides this to keep its own usernames.
accounts = accounts_fixture(ACCOUNTS)


@pytest.fixture
def staff(accounts: dict[str, dict[str, str]]) -> Callable[..., Any]:
    """staff("gm", Role.GENERAL_MANAGER, store, department) → the user of account ``gm``."""

    def make(key: str, role: str, store: Any, department: Any = None) -> Any:
        return StaffFactory(role=role, store=store, department=department, **accounts[key])

    return make


@pytest.fixture
def agent(staff: Callable[..., Any], store: Store, care: Department) -> Any:
    return staff("agent", Role.AGENT, store, care)


@pytest.fixture
def agent2(staff: Callable[..., Any], store: Store, care: Department) -> Any:
    """Another agent of the same store, on no team."""
    return staff("agent2", Role.AGENT, store, care)


@pytest.fixture
def ccm(staff: Callable[..., Any], store: Store, care: Department) -> Any:
    return staff("ccm", Role.CUSTOMER_CARE_MANAGER, store, care)


@pytest.fixture
def sales_mgr(staff: Callable[..., Any], store: Store, sales: Department) -> Any:
    return staff("sales_mgr", Role.DEPARTMENT_MANAGER, store, sales)


@pytest.fixture
def business_mgr(staff: Callable[..., Any], store: Store, business: Department) -> Any:
    """The business department's manager (业务经理)."""
    return staff("business_mgr", Role.DEPARTMENT_MANAGER, store, business)


@pytest.fixture
def service_mgr(staff: Callable[..., Any], store: Store, service_dept: Department) -> Any:
    return staff("service_mgr", Role.DEPARTMENT_MANAGER, store, service_dept)


@pytest.fixture
def business_staff(staff: Callable[..., Any], store: Store, business: Department) -> Any:
    """A front-line member of the business department: not its manager."""
    return staff("business_staff", Role.STAFF, store, business)


@pytest.fixture
def gm(staff: Callable[..., Any], store: Store, dept: Callable[[str], Department]) -> Any:
    return staff("gm", Role.GENERAL_MANAGER, store, dept(DepartmentKind.MANAGEMENT))


@pytest.fixture
def assessor(staff: Callable[..., Any], store: Store, dept: Callable[[str], Department]) -> Any:
    return staff("assessor", Role.ADMIN_ASSESSOR, store, dept(DepartmentKind.ADMIN))


@pytest.fixture
def front_line(staff: Callable[..., Any], store: Store, service_dept: Department) -> Any:
    """A service advisor (role staff) in the service department: records complaints only."""
    return staff("front_line", Role.STAFF, store, service_dept)


@pytest.fixture
def viewer(staff: Callable[..., Any]) -> Any:
    """Head office (group viewer): sees every store, changes nothing."""
    return staff("viewer", Role.GROUP_VIEWER, None)


@pytest.fixture
def other_agent(staff: Callable[..., Any], other_store: Store) -> Any:
    care = DepartmentFactory(store=other_store, kind=DepartmentKind.CUSTOMER_CARE)
    return staff("other_agent", Role.AGENT, other_store, care)


@pytest.fixture
def other_gm(staff: Callable[..., Any], other_store: Store) -> Any:
    management = DepartmentFactory(store=other_store, kind=DepartmentKind.MANAGEMENT)
    return staff("other_gm", Role.GENERAL_MANAGER, other_store, management)


@pytest.fixture
def superuser() -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def ccmanager(ccm: Any) -> Any:
    return ccm


@pytest.fixture
def sales_manager(sales_mgr: Any) -> Any:
    return sales_mgr


@pytest.fixture
def agent_b(other_agent: Any) -> Any:
    return other_agent


@pytest.fixture
def hq(store_a: Store, store_b: Store, viewer: Any) -> Any:
    """Head office, with both stores in the world."""
    return viewer


# --- Customers -----------------------------------------------------------------------------------


@pytest.fixture
def customer(store: Store) -> Any:
    customer = CustomerFactory(store=store, name="王先生")
    VehicleFactory(customer=customer, plate="粤B12345")
    return customer


# --- Clients -------------------------------------------------------------------------------------


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """api(user) → an API client authenticated as ``user``."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def web() -> Callable[[Any], Client]:
    """web(user) → a browser-like client with ``user`` signed in."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def client_for(api: Callable[[Any], APIClient]) -> Callable[[Any], APIClient]:
    return api


@pytest.fixture
def browser(web: Callable[[Any], Client]) -> Callable[[Any], Client]:
    return web
