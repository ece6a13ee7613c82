"""factory-boy factories for the shared records (csat.models).

Every factory produces rows that pass ``full_clean()``: unique mainland mobiles, VINs with a correct
check digit, plates in the 粤B12345 form, timezone-aware datetimes, and records whose store,
customer and vehicle agree with each other.

``StaffFactory`` goes through ``services.staff_create`` (so the user lands in the role's auth group)
and returns the *user*; its department defaults to the one the role works in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from csat import services
from csat.domain.identifiers import vin_check_digit
from csat.models import (
    Customer,
    Department,
    DepartmentKind,
    Role,
    SalesDelivery,
    ServiceKind,
    ServiceVisit,
    Store,
    Vehicle,
)

DEFAULT_PASSWORD = "test-pass-2026"  # noqa: S105 - test credential

# The department each role normally works in (None: no department).
ROLE_DEPARTMENT: dict[str, str | None] = {
    Role.AGENT: DepartmentKind.CUSTOMER_CARE,
    Role.CUSTOMER_CARE_MANAGER: DepartmentKind.CUSTOMER_CARE,
    Role.DEPARTMENT_MANAGER: DepartmentKind.SALES,
    Role.GENERAL_MANAGER: DepartmentKind.MANAGEMENT,
    Role.ADMIN_ASSESSOR: DepartmentKind.ADMIN,
    Role.STAFF: DepartmentKind.SERVICE,
    Role.GROUP_VIEWER: None,
}


def make_vin(n: int, wmi: str = "LFV") -> str:
    """A 17-character VIN with a valid check digit, unique for each ``n`` below 10**8."""
    body = f"{wmi}AB2C1"  # WMI + vehicle descriptor, no I/O/Q
    tail = f"{n % 10**8:08d}"  # model year, plant and serial (digits only)
    return body + vin_check_digit(body + "0" + tail) + tail


def make_mobile(n: int, prefix: str = "138") -> str:
    return f"{prefix}{n % 10**8:08d}"


def make_plate(n: int, prefix: str = "粤B") -> str:
    return f"{prefix}{n % 10**5:05d}"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"测试{n}店")
    city = "深圳"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("store", "kind")  # one department of each kind per store

    store = factory.SubFactory(StoreFactory)
    kind = DepartmentKind.CUSTOMER_CARE
    name = factory.LazyAttribute(lambda o: DepartmentKind(o.kind).label)


class UserFactory(factory.django.DjangoModelFactory):
    """A bare user, without a staff profile."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)


def _default_store(o: Any) -> Store | None:
    return None if o.role == Role.GROUP_VIEWER else StoreFactory()


def _default_department(o: Any) -> Department | None:
    kind = ROLE_DEPARTMENT.get(o.role)
    if o.store is None or kind is None:
        return None
    return DepartmentFactory(store=o.store, kind=kind)


class StaffFactory(factory.Factory):
    """A user with a StaffProfile (role, store, department), created by ``services.staff_create``.

    Returns the user: ``StaffFactory(role=Role.AGENT, store=store)``; ``user.profile`` is the profile.
    """

    class Meta:
        model = dict  # replaced by _create below

    username = factory.Sequence(lambda n: f"staff{n}")
    password = DEFAULT_PASSWORD
    name = factory.Faker("name", locale="zh_CN")
    role = Role.AGENT
    store = factory.LazyAttribute(_default_store)
    department = factory.LazyAttribute(_default_department)
    is_staff = False

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("StaffFactory needs the database: use StaffFactory(), not .build()")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return services.staff_create(**kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    store = factory.SubFactory(StoreFactory)
    name = factory.Faker("name", locale="zh_CN")
    mobile = factory.Sequence(make_mobile)


class VehicleFactory(factory.django.DjangoModelFactory):
    """A vehicle of ``customer`` in the customer's store (pass ``customer__store=`` to pick one)."""

    class Meta:
        model = Vehicle

    customer = factory.SubFactory(CustomerFactory)
    store = factory.SelfAttribute("customer.store")
    plate = factory.Sequence(make_plate)
    vin = factory.Sequence(make_vin)
    model = "CX-5"
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=400))


class SalesDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesDelivery

    vehicle = factory.SubFactory(VehicleFactory)
    store = factory.SelfAttribute("vehicle.store")
    customer = factory.SelfAttribute("vehicle.customer")
    consultant = None
    delivered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=5))


class ServiceVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceVisit

    vehicle = factory.SubFactory(VehicleFactory)
    store = factory.SelfAttribute("vehicle.store")
    customer = factory.SelfAttribute("vehicle.customer")
    repair_order_no = factory.Sequence(lambda n: f"RO{n:08d}")
    kind = ServiceKind.MAINTENANCE
    service_advisor = None
    technician = None
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    handed_back_at = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(hours=4))
    mileage = 12000
