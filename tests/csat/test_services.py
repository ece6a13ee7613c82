"""csat.services: writes normalise, validate (full_clean) and hit the real database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from csat import services
from csat.models import CalendarOverride, Customer, DepartmentKind, Role, StaffProfile, Vehicle
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    StoreFactory,
    VehicleFactory,
    make_vin,
)

pytestmark = pytest.mark.django_db


# --- customers ----------------------------------------------------------------------------------


def test_customer_create_normalises_the_mobile(store_a: Any) -> None:
    customer = services.customer_create(
        store=store_a, name="张伟", mobile="+86 138-0013-8000", remarks="微信"
    )
    assert customer.pk is not None
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.mobile, stored.remarks, stored.store_id) == ("13800138000", "微信", store_a.id)


@pytest.mark.parametrize("mobile", ["12345", "010-12345678", "1380013800x", ""])
def test_customer_create_rejects_a_bad_mobile(store_a: Any, mobile: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.customer_create(store=store_a, name="张伟", mobile=mobile)
    assert "mobile" in exc_info.value.message_dict
    assert not Customer.objects.exists()


def test_customer_create_rejects_a_duplicate_in_the_store(store_a: Any, store_b: Any) -> None:
    services.customer_create(store=store_a, name="张伟", mobile="13800138000")
    with pytest.raises(ValidationError):
        services.customer_create(store=store_a, name="张伟", mobile="138 0013 8000")
    services.customer_create(store=store_b, name="张伟", mobile="138 0013 8000")
    assert Customer.objects.count() == 2


def test_customer_create_validates_other_fields(store_a: Any) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.customer_create(store=store_a, name="张伟", mobile="13800138000", do_not_contact=True)
    assert "do_not_contact_reason" in exc_info.value.message_dict
    with pytest.raises(ValidationError):
        services.customer_create(store=store_a, name="张伟", mobile="13800138000", identity_flags=["king"])
    assert not Customer.objects.exists()


def test_customer_update_normalises_and_saves(store_a: Any) -> None:
    customer = CustomerFactory(store=store_a, name="张伟", mobile="13800138000")
    before = customer.updated_at
    updated = services.customer_update(
        customer=customer,
        data={"name": "张伟强", "mobile": "0086 139 0000 1111", "identity_flags": ["media"]},
    )
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.mobile, stored.identity_flags) == ("张伟强", "13900001111", ["media"])
    assert updated.mobile == "13900001111"
    assert stored.updated_at >= before


def test_customer_update_with_the_same_mobile_in_another_format(store_a: Any) -> None:
    customer = CustomerFactory(store=store_a, mobile="13800138000")
    services.customer_update(customer=customer, data={"mobile": "138-0013-8000"})
    assert Customer.objects.get(pk=customer.pk).mobile == "13800138000"


def test_customer_update_rejects_bad_data_and_changes_nothing(store_a: Any) -> None:
    customer = CustomerFactory(store=store_a, name="张伟", mobile="13800138000")
    taken = CustomerFactory(store=store_a, mobile="13900000000")
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, data={"name": "新名字", "mobile": "12345"})
    with pytest.raises(ValidationError):
        services.customer_update(customer=customer, data={"mobile": taken.mobile})
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.mobile) == ("张伟", "13800138000")


# --- vehicles -----------------------------------------------------------------------------------


def test_vehicle_create_normalises(store_a: Any) -> None:
    customer = CustomerFactory(store=store_a)
    vin = make_vin(31)
    vehicle = services.vehicle_create(store=store_a, customer=customer, vin=vin.lower(), plate="粤b·d12345")
    stored = Vehicle.objects.get(pk=vehicle.pk)
    assert (stored.vin, stored.plate) == (vin, "粤BD12345")


def test_vehicle_create_rejects_an_owner_from_another_store(store_a: Any, store_b: Any) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.vehicle_create(store=store_a, customer=CustomerFactory(store=store_b), vin=make_vin(32))
    assert "customer" in exc_info.value.message_dict
    assert not Vehicle.objects.exists()


def test_vehicle_update_normalises_plate_and_vin() -> None:
    vehicle = VehicleFactory(plate="粤B12345")
    new_vin = make_vin(555)
    services.vehicle_update(
        vehicle=vehicle, data={"plate": "粤 b-54321", "vin": new_vin.lower(), "model": "CX-50"}
    )
    stored = Vehicle.objects.get(pk=vehicle.pk)
    assert (stored.plate, stored.vin, stored.model) == ("粤B54321", new_vin, "CX-50")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"plate": "粤I12345"}, "plate"),
        ({"vin": "1M8GDM9A1KP042788"}, "vin"),
        ({"vin": "SHORT"}, "vin"),
    ],
)
def test_vehicle_update_rejects_bad_identifiers(data: dict[str, str], field: str) -> None:
    vehicle = VehicleFactory(plate="粤B12345")
    with pytest.raises(ValidationError) as exc_info:
        services.vehicle_update(vehicle=vehicle, data=data)
    assert field in exc_info.value.message_dict
    stored = Vehicle.objects.get(pk=vehicle.pk)
    assert (stored.plate, stored.vin) == ("粤B12345", vehicle.vin)


def test_vehicle_update_clearing_the_plate() -> None:
    vehicle = VehicleFactory(plate="粤B12345")
    services.vehicle_update(vehicle=vehicle, data={"plate": ""})
    assert Vehicle.objects.get(pk=vehicle.pk).plate == ""


# --- sales and service visits -------------------------------------------------------------------


def test_sales_delivery_create_defaults_the_customer_to_the_owner() -> None:
    vehicle = VehicleFactory()
    sale = services.sales_delivery_create(store=vehicle.store, vehicle=vehicle, delivered_at=timezone.now())
    assert sale.customer_id == vehicle.customer_id


def test_service_visit_create_and_update_validate_times() -> None:
    vehicle = VehicleFactory()
    opened = timezone.now() - dt.timedelta(hours=5)
    visit = services.service_visit_create(
        store=vehicle.store, vehicle=vehicle, repair_order_no="RO1", kind="repair", opened_at=opened
    )
    assert visit.customer_id == vehicle.customer_id and visit.handed_back_at is None
    with pytest.raises(ValidationError) as exc_info:
        services.service_visit_update(visit=visit, data={"handed_back_at": opened - dt.timedelta(hours=1)})
    assert "handed_back_at" in exc_info.value.message_dict
    services.service_visit_update(visit=visit, data={"handed_back_at": opened + dt.timedelta(hours=2)})
    visit.refresh_from_db()
    assert visit.handed_back_at == opened + dt.timedelta(hours=2)


def test_service_visit_create_rejects_a_vehicle_of_another_store(store_a: Any) -> None:
    vehicle = VehicleFactory()
    with pytest.raises(ValidationError):
        services.service_visit_create(
            store=store_a, vehicle=vehicle, repair_order_no="RO1", kind="repair", opened_at=timezone.now()
        )


def test_sales_delivery_update() -> None:
    sale = SalesDeliveryFactory()
    when = timezone.now() - dt.timedelta(days=1)
    services.sales_delivery_update(sale=sale, data={"delivered_at": when})
    sale.refresh_from_db()
    assert sale.delivered_at == when


def test_service_visit_factory_rows_are_valid() -> None:
    ServiceVisitFactory().full_clean()


# --- staff --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_staff_create_puts_the_user_in_the_roles_group(role: Role) -> None:
    group = Group.objects.get(name=role.value)  # created by migration csat/0002_roles
    assert group.permissions.exists()
    store = None if role == Role.GROUP_VIEWER else StoreFactory()
    user = services.staff_create(
        username=f"u_{role.value}", password="a-long-password", name="王敏", role=role, store=store
    )
    assert list(user.groups.values_list("name", flat=True)) == [role.value]
    assert user.check_password("a-long-password")
    assert user.first_name == "王敏"
    assert StaffProfile.objects.get(user=user).role == role


def test_staff_create_gives_the_roles_permissions() -> None:
    agent = services.staff_create(
        username="perm_agent",
        password="a-long-password",
        name="李小燕",
        role=Role.AGENT,
        store=StoreFactory(),
    )
    assert agent.has_perm("csat.change_customer")
    assert not agent.has_perm("csat.add_calendaroverride")


def test_staff_create_rejects_a_department_of_another_store() -> None:
    with pytest.raises(ValidationError):
        services.staff_create(
            username="wrong_dept",
            password="a-long-password",
            name="张强",
            role=Role.DEPARTMENT_MANAGER,
            store=StoreFactory(),
            department=DepartmentFactory(kind=DepartmentKind.SALES),
        )
    assert not StaffProfile.objects.filter(user__username="wrong_dept").exists()
    assert not get_user_model().objects.filter(username="wrong_dept").exists()  # the whole call rolled back


# --- calendar -----------------------------------------------------------------------------------


def test_calendar_override_set_upserts() -> None:
    day = dt.date(2031, 10, 8)
    first = services.calendar_override_set(date=day, is_working_day=False, note="国庆")
    second = services.calendar_override_set(date=day, is_working_day=True, note="调休上班")
    assert first.pk == second.pk
    assert CalendarOverride.objects.count() == 1
    stored = CalendarOverride.objects.get(date=day)
    assert (stored.is_working_day, stored.note) == (True, "调休上班")


def test_calendar_overrides_feed_the_selector() -> None:
    from csat.selectors import calendar_overrides

    services.calendar_override_set(date=dt.date(2031, 1, 1), is_working_day=False)
    services.calendar_override_set(date=dt.date(2031, 1, 4), is_working_day=True)
    assert calendar_overrides() == {dt.date(2031, 1, 1): False, dt.date(2031, 1, 4): True}
