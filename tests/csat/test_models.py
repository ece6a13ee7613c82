"""csat.models: validation in Chinese, natural keys unique per store, database constraints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from csat.models import Customer, Department, DepartmentKind, Role, ServiceVisit, StaffProfile, Vehicle
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    StoreFactory,
    UserFactory,
    VehicleFactory,
    make_vin,
)

pytestmark = pytest.mark.django_db


def errors_of(exc_info: Any) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# --- validation messages ------------------------------------------------------------------------


def test_factories_build_valid_records() -> None:
    for obj in (CustomerFactory(), VehicleFactory(), SalesDeliveryFactory(), ServiceVisitFactory()):
        obj.full_clean()  # raises if a factory produced an invalid row


def test_bad_mobile_is_reported_in_chinese() -> None:
    customer = CustomerFactory.build(store=StoreFactory(), mobile="010-12345678")
    with pytest.raises(ValidationError) as exc_info:
        customer.full_clean()
    assert any("11 位大陆手机号" in m for m in errors_of(exc_info)["mobile"])


def test_full_clean_normalises_a_decorated_mobile() -> None:
    customer = CustomerFactory.build(store=StoreFactory(), mobile="+86 139-1234-5678")
    customer.full_clean()
    assert customer.mobile == "13912345678"


def test_do_not_contact_needs_a_reason() -> None:
    customer = CustomerFactory.build(store=StoreFactory(), do_not_contact=True, do_not_contact_reason=" ")
    with pytest.raises(ValidationError) as exc_info:
        customer.full_clean()
    assert errors_of(exc_info)["do_not_contact_reason"] == ["设置勿扰时必须填写原因。"]


def test_unknown_identity_flag_is_rejected() -> None:
    customer = CustomerFactory.build(store=StoreFactory(), identity_flags=["vip"])
    with pytest.raises(ValidationError) as exc_info:
        customer.full_clean()
    assert errors_of(exc_info)["identity_flags"] == ["身份标记无效。"]


def test_bad_plate_is_reported_in_chinese() -> None:
    vehicle = VehicleFactory.build(customer=CustomerFactory(), plate="粤B1234")
    with pytest.raises(ValidationError) as exc_info:
        vehicle.full_clean()
    assert any("车牌号格式不正确" in m for m in errors_of(exc_info)["plate"])


def test_plate_and_vin_are_normalised_by_full_clean() -> None:
    customer = CustomerFactory()
    vin = make_vin(777)
    vehicle = Vehicle(store=customer.store, customer=customer, plate="粤 b · d12345", vin=" " + vin.lower())
    vehicle.full_clean()
    assert (vehicle.plate, vehicle.vin) == ("粤BD12345", vin)
    assert vehicle.plate_display == "粤B·D12345"


def test_plate_is_optional() -> None:
    customer = CustomerFactory()
    vehicle = Vehicle(store=customer.store, customer=customer, plate="", vin=make_vin(5))
    vehicle.full_clean()
    assert vehicle.plate_display == ""


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        ("1M8GDM9A1KP042788", "车架号校验位不正确"),
        ("1M8GDM9AXKP04278", "17 位字母数字"),
        ("1M8GDM9AXKPO42788", "17 位字母数字"),
    ],
)
def test_bad_vin_is_reported_in_chinese(vin: str, message: str) -> None:
    customer = CustomerFactory()
    vehicle = Vehicle(store=customer.store, customer=customer, plate="粤B12345", vin=vin)
    with pytest.raises(ValidationError) as exc_info:
        vehicle.full_clean()
    assert any(message in m for m in errors_of(exc_info)["vin"])


# --- natural keys unique per store --------------------------------------------------------------


def test_same_mobile_in_two_stores_is_allowed() -> None:
    first = CustomerFactory(mobile="13800138000")
    second = CustomerFactory(mobile="13800138000")
    assert first.store_id != second.store_id
    assert Customer.objects.filter(mobile="13800138000").count() == 2


def test_same_mobile_twice_in_one_store_is_an_integrity_error() -> None:
    first = CustomerFactory(mobile="13800138000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(store=first.store, name="重复", mobile="13800138000")


def test_same_mobile_twice_in_one_store_fails_full_clean() -> None:
    first = CustomerFactory(mobile="13800138000")
    duplicate = Customer(store=first.store, name="重复", mobile="138 0013 8000")
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_vin_unique_per_store() -> None:
    vehicle = VehicleFactory()
    other_store_customer = CustomerFactory()
    Vehicle.objects.create(store=other_store_customer.store, customer=other_store_customer, vin=vehicle.vin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vehicle.objects.create(store=vehicle.store, customer=vehicle.customer, vin=vehicle.vin)


def test_repair_order_unique_per_store() -> None:
    visit = ServiceVisitFactory(repair_order_no="RO-1")
    ServiceVisitFactory(repair_order_no="RO-1")  # another store
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceVisitFactory(repair_order_no="RO-1", vehicle=visit.vehicle)


def test_one_sale_per_vehicle_and_store() -> None:
    sale = SalesDeliveryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesDeliveryFactory(vehicle=sale.vehicle)


def test_one_department_of_each_kind_per_store() -> None:
    store = StoreFactory()
    Department.objects.create(store=store, kind=DepartmentKind.SALES, name="销售部")
    Department.objects.create(store=StoreFactory(), kind=DepartmentKind.SALES, name="销售部")
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(store=store, kind=DepartmentKind.SALES, name="销售二部")


# --- cross-store consistency ----------------------------------------------------------------------


def test_vehicle_owner_must_be_in_the_same_store() -> None:
    customer = CustomerFactory()
    vehicle = Vehicle(store=StoreFactory(), customer=customer, plate="粤B12345", vin=make_vin(9))
    with pytest.raises(ValidationError) as exc_info:
        vehicle.full_clean()
    assert errors_of(exc_info)["customer"] == ["车主必须属于同一门店。"]


def test_sale_customer_must_own_the_vehicle() -> None:
    vehicle = VehicleFactory()
    stranger = CustomerFactory(store=vehicle.store)
    sale = SalesDeliveryFactory.build(vehicle=vehicle, customer=stranger)
    with pytest.raises(ValidationError) as exc_info:
        sale.full_clean()
    assert errors_of(exc_info)["customer"] == ["客户必须是该车辆的车主。"]


def test_service_visit_vehicle_must_be_in_the_same_store() -> None:
    vehicle = VehicleFactory()
    visit = ServiceVisitFactory.build(vehicle=vehicle, store=StoreFactory())
    with pytest.raises(ValidationError) as exc_info:
        visit.full_clean()
    assert errors_of(exc_info)["vehicle"] == ["车辆必须属于同一门店。"]


# --- service visit times ------------------------------------------------------------------------


def test_handed_back_before_opened_fails_clean() -> None:
    opened = timezone.now() - dt.timedelta(days=1)
    visit = ServiceVisitFactory.build(
        vehicle=VehicleFactory(), opened_at=opened, handed_back_at=opened - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as exc_info:
        visit.full_clean()
    assert "交车时间不能早于进厂时间。" in errors_of(exc_info)["handed_back_at"]


def test_handed_back_before_opened_violates_the_check_constraint() -> None:
    opened = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceVisitFactory(opened_at=opened, handed_back_at=opened - dt.timedelta(seconds=1))
    assert not ServiceVisit.objects.exists()


def test_still_in_workshop_and_same_instant_are_allowed() -> None:
    opened = timezone.now()
    ServiceVisitFactory(opened_at=opened, handed_back_at=None)
    same = ServiceVisitFactory(opened_at=opened, handed_back_at=opened)
    same.full_clean()
    assert ServiceVisit.objects.count() == 2


# --- staff profiles -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AGENT, Role.GENERAL_MANAGER, Role.STAFF])
def test_store_required_unless_group_viewer(role: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.create(user=UserFactory(), role=role, store=None)


def test_group_viewer_needs_no_store() -> None:
    profile = StaffProfile.objects.create(user=UserFactory(), role=Role.GROUP_VIEWER, store=None)
    assert profile.pk is not None


def test_department_must_belong_to_the_staff_members_store() -> None:
    other_department = DepartmentFactory(kind=DepartmentKind.SALES)
    profile = StaffProfile(
        user=UserFactory(), role=Role.DEPARTMENT_MANAGER, store=StoreFactory(), department=other_department
    )
    with pytest.raises(ValidationError) as exc_info:
        profile.full_clean()
    assert errors_of(exc_info)["department"] == ["部门必须属于该员工所在门店。"]


def test_masked_mobile_and_vip() -> None:
    customer = CustomerFactory(mobile="13812345678", identity_flags=["lawyer"])
    assert customer.masked_mobile == "138****5678"
    assert "138****5678" in str(customer)
    assert customer.is_vip
    assert not CustomerFactory().is_vip
