"""csat.access: store scoping, department rules, read-only head office."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from csat import access
from csat.models import Customer, DepartmentKind, Role, ServiceVisit, Store, Vehicle
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    ServiceVisitFactory,
    StaffFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stores_of_data(store_a: Any, store_b: Any) -> dict[str, list[Any]]:
    return {
        "a": [CustomerFactory(store=store_a) for _ in range(3)],
        "b": [CustomerFactory(store=store_b) for _ in range(2)],
    }


def ids(queryset: Any) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def test_agent_sees_only_their_own_store(agent: Any, two_stores_of_data: dict[str, list[Any]]) -> None:
    scoped = access.scope_to_user(Customer.objects.all(), agent)
    assert ids(scoped) == {c.id for c in two_stores_of_data["a"]}
    assert list(access.visible_stores(agent)) == [agent.profile.store]


def test_agent_of_the_other_store_sees_the_other_rows(
    agent_b: Any, two_stores_of_data: dict[str, list[Any]]
) -> None:
    assert ids(access.scope_to_user(Customer.objects.all(), agent_b)) == {
        c.id for c in two_stores_of_data["b"]
    }


def test_scope_follows_a_custom_store_field(agent: Any, store_a: Any, store_b: Any) -> None:
    mine = ServiceVisitFactory(vehicle=VehicleFactory(customer__store=store_a))
    ServiceVisitFactory(vehicle=VehicleFactory(customer__store=store_b))
    scoped = access.scope_to_user(ServiceVisit.objects.all(), agent, store_field="vehicle__store")
    assert ids(scoped) == {mine.id}


@pytest.mark.parametrize("who", ["hq", "superuser"])
def test_group_viewer_and_superuser_see_all(
    who: str, request: pytest.FixtureRequest, two_stores_of_data: dict[str, list[Any]]
) -> None:
    user = request.getfixturevalue(who)
    assert ids(access.scope_to_user(Customer.objects.all(), user)) == ids(Customer.objects.all())
    assert access.scope_to_user(Customer.objects.all(), user).count() == 5
    assert access.visible_stores(user).count() == Store.objects.count() == 2
    assert access.sees_all_stores(user)


def test_user_without_profile_sees_nothing(two_stores_of_data: dict[str, list[Any]]) -> None:
    user = UserFactory()
    assert access.profile_of(user) is None
    assert access.role_of(user) is None
    assert not access.scope_to_user(Customer.objects.all(), user).exists()
    assert not access.visible_stores(user).exists()
    assert not access.sees_all_stores(user)


def test_anonymous_sees_nothing(two_stores_of_data: dict[str, list[Any]]) -> None:
    anonymous = AnonymousUser()
    assert not access.scope_to_user(Customer.objects.all(), anonymous).exists()
    assert not access.visible_stores(anonymous).exists()
    assert not access.has_role(anonymous, Role.AGENT)
    assert not access.can_manage_customers(anonymous)
    assert access.user_store_id(anonymous) is None


def test_scoping_applies_to_vehicles_too(agent: Any, store_a: Any, store_b: Any) -> None:
    mine = VehicleFactory(customer__store=store_a)
    VehicleFactory(customer__store=store_b)
    assert ids(access.scope_to_user(Vehicle.objects.all(), agent)) == {mine.id}


# --- departments --------------------------------------------------------------------------------


def test_department_manager_acts_only_in_their_department(sales_manager: Any, store_a: Any) -> None:
    sales = sales_manager.profile.department
    service = DepartmentFactory(store=store_a, kind=DepartmentKind.SERVICE)
    assert access.in_department(sales_manager, sales.id)
    assert not access.in_department(sales_manager, service.id)
    assert not access.in_department(sales_manager, None)
    assert access.department_kind_of(sales_manager) == DepartmentKind.SALES


@pytest.mark.parametrize("who", ["gm", "ccmanager"])
def test_gm_and_customer_care_manager_act_in_every_department_of_their_store(
    who: str, request: pytest.FixtureRequest, store_a: Any, store_b: Any
) -> None:
    user = request.getfixturevalue(who)
    for kind in (DepartmentKind.SALES, DepartmentKind.SERVICE, DepartmentKind.PARTS):
        assert access.in_department(user, DepartmentFactory(store=store_a, kind=kind).id)
    # ... but not in another store's departments.
    assert not access.in_department(user, DepartmentFactory(store=store_b, kind=DepartmentKind.SALES).id)


def test_agent_in_department_only_for_their_own(agent: Any, store_a: Any) -> None:
    assert access.in_department(agent, agent.profile.department_id)
    assert not access.in_department(agent, DepartmentFactory(store=store_a, kind=DepartmentKind.SALES).id)


def test_superuser_is_in_every_department(superuser: Any) -> None:
    assert access.in_department(superuser, DepartmentFactory().id)


def test_no_profile_is_in_no_department() -> None:
    assert not access.in_department(UserFactory(), DepartmentFactory().id)
    assert not access.in_department(AnonymousUser(), DepartmentFactory().id)


# --- roles --------------------------------------------------------------------------------------


def test_group_viewer_is_read_only(hq: Any, agent: Any, gm: Any) -> None:
    assert access.is_read_only(hq)
    assert not access.is_read_only(agent)
    assert not access.is_read_only(gm)
    assert not access.can_manage_customers(hq)


def test_a_superuser_group_viewer_is_not_read_only(hq: Any) -> None:
    hq.is_superuser = True
    hq.save(update_fields=["is_superuser"])
    assert not access.is_read_only(hq)


@pytest.mark.parametrize(
    ("role", "manages", "imports", "care"),
    [
        (Role.AGENT, True, True, True),
        (Role.CUSTOMER_CARE_MANAGER, True, True, True),
        (Role.DEPARTMENT_MANAGER, True, True, False),
        (Role.GENERAL_MANAGER, True, True, False),
        (Role.ADMIN_ASSESSOR, True, True, False),
        (Role.STAFF, False, False, False),
        (Role.GROUP_VIEWER, False, False, False),
    ],
)
def test_role_predicates(role: str, manages: bool, imports: bool, care: bool) -> None:
    user = StaffFactory(role=role)
    assert access.role_of(user) == role
    assert access.can_manage_customers(user) is manages
    assert access.can_import(user) is imports
    assert access.is_customer_care(user) is care
