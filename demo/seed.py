"""Deterministic demo data: two stores, their staff, customers, vehicles, sales and service visits.

Every row has a natural key, and rows are inserted with ``ignore_conflicts`` on it, so running the
seed twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from csat import services
from csat.domain.identifiers import vin_check_digit
from csat.models import (
    Customer,
    Department,
    DepartmentKind,
    IdentityFlag,
    Role,
    SalesDelivery,
    ServiceKind,
    ServiceVisit,
    StaffProfile,
    Store,
    Vehicle,
)

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credential, refused without DEBUG

STORES = [
    ("SZ01", "深圳福田店", "深圳", "粤B"),
    ("GZ01", "广州天河店", "广州", "粤A"),
]
DEPARTMENT_NAMES = {
    DepartmentKind.CUSTOMER_CARE: "市场客服部",
    DepartmentKind.SALES: "销售部",
    DepartmentKind.BUSINESS: "业务部",
    DepartmentKind.SERVICE: "服务部",
    DepartmentKind.ADMIN: "综合部",
    DepartmentKind.FINANCE: "财务部",
    DepartmentKind.PARTS: "配件部",
    DepartmentKind.MANAGEMENT: "总经理室",
}
# username, display name, role, department kind — all in the first store.
DEMO_ACCOUNTS = [
    ("agent", "李小燕", Role.AGENT, DepartmentKind.CUSTOMER_CARE),
    ("ccmanager", "王敏", Role.CUSTOMER_CARE_MANAGER, DepartmentKind.CUSTOMER_CARE),
    ("sales_mgr", "张强", Role.DEPARTMENT_MANAGER, DepartmentKind.SALES),
    ("business_mgr", "刘洋", Role.DEPARTMENT_MANAGER, DepartmentKind.BUSINESS),
    ("service_mgr", "陈刚", Role.DEPARTMENT_MANAGER, DepartmentKind.SERVICE),
    ("admin_mgr", "赵丽", Role.ADMIN_ASSESSOR, DepartmentKind.ADMIN),
    ("finance_mgr", "孙静", Role.DEPARTMENT_MANAGER, DepartmentKind.FINANCE),
    ("parts_sup", "周涛", Role.DEPARTMENT_MANAGER, DepartmentKind.PARTS),
    ("gm", "吴建国", Role.GENERAL_MANAGER, DepartmentKind.MANAGEMENT),
]
# Front-line staff per store: consultants, advisors, technicians (prefix, role label, department).
FRONT_LINE = [
    ("consultant", DepartmentKind.SALES, ["黄志明", "林晓东", "何佳"]),
    ("advisor", DepartmentKind.BUSINESS, ["郭伟", "马丽娜", "罗斌"]),
    ("technician", DepartmentKind.SERVICE, ["梁师傅", "宋师傅", "郑师傅", "谢师傅"]),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国志红文斌宇浩然梓涵子轩一诺欣怡俊杰"
MODELS = ["马自达3 昂克赛拉", "阿特兹", "CX-4", "CX-5", "CX-30", "CX-50", "马自达6"]
VIN_PREFIX = "LFV"  # a mainland WMI; the rest is generated with a valid check digit
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@functools.cache
def _password_hash() -> str:
    # Hash once: thirty PBKDF2 rounds would make the seed take seconds.
    return make_password(DEMO_PASSWORD)


def _vin(rng: random.Random) -> str:
    body = VIN_PREFIX + "".join(rng.choice(VIN_CHARS) for _ in range(5))
    tail = "".join(rng.choice(VIN_CHARS) for _ in range(8))
    draft = body + "0" + tail
    return body + vin_check_digit(draft) + tail


def _plate(rng: random.Random, prefix: str) -> str:
    if rng.random() < 0.2:  # new-energy plate, 8 characters
        return (
            prefix
            + rng.choice("DF")
            + rng.choice(PLATE_CHARS)
            + "".join(rng.choice("0123456789") for _ in range(4))
        )
    return (
        prefix
        + "".join(rng.choice("0123456789") for _ in range(3))
        + "".join(rng.choice(PLATE_CHARS) for _ in range(2))
    )


def _mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "137", "150", "158", "186", "188", "135", "177", "199"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _ensure_store(code: str, name: str, city: str) -> tuple[Store, dict[str, Department]]:
    store, _ = Store.objects.get_or_create(code=code, defaults={"name": name, "city": city})
    departments: dict[str, Department] = {}
    for kind, dname in DEPARTMENT_NAMES.items():
        departments[kind], _ = Department.objects.get_or_create(
            store=store, kind=kind, defaults={"name": dname}
        )
    return store, departments


def _ensure_user(
    username: str, name: str, role: str, store: Store | None, department: Department | None
) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = services.staff_create(
            username=username,
            password_hash=_password_hash(),
            name=name,
            role=role,
            store=store,
            department=department,
            email=f"{username}@demo.csat.local",
        )
    give_extension(user)
    return user


def give_extension(user: Any) -> None:
    """A demo agent gets a telephone extension (8001, 8002 …) so that click-to-dial works as soon
    as CTI_DIAL_URL_TEMPLATE is set; other roles do not dial."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.role != Role.AGENT or profile.extension:
        return
    taken = StaffProfile.objects.filter(role=Role.AGENT).exclude(extension="").count()
    profile.extension = str(8001 + taken)
    profile.save(update_fields=["extension", "updated_at"])


@transaction.atomic
def seed_demo(*, customers: int = 300, months: int = 6, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    before = {m.__name__: m.objects.count() for m in (Customer, Vehicle, SalesDelivery, ServiceVisit)}

    stores = []
    for index, (code, name, city, plate_prefix) in enumerate(STORES):
        store, departments = _ensure_store(code, name, city)
        staff: dict[str, list[Any]] = {}
        for prefix, kind, names in FRONT_LINE:
            staff[prefix] = [
                _ensure_user(f"{code.lower()}_{prefix}{i + 1}", person, Role.STAFF, store, departments[kind])
                for i, person in enumerate(names)
            ]
        if index == 0:
            for username, person, role, kind in DEMO_ACCOUNTS:
                _ensure_user(username, person, role, store, departments[kind])
        stores.append((store, plate_prefix, staff))
    _ensure_user("hq", "集团客服总监", Role.GROUP_VIEWER, None, None)
    superuser = get_user_model().objects.filter(username="sysadmin").first()
    if superuser is None:
        get_user_model().objects.create_superuser("sysadmin", "sysadmin@demo.csat.local", DEMO_PASSWORD)

    start = now - dt.timedelta(days=30 * months)
    for store_index, (store, plate_prefix, staff) in enumerate(stores):
        count = customers // len(stores) + (1 if store_index < customers % len(stores) else 0)
        _seed_store(rng, store, plate_prefix, staff, count, start, now)

    after = {m.__name__: m.objects.count() for m in (Customer, Vehicle, SalesDelivery, ServiceVisit)}
    summary = {f"{name} added": after[name] - before[name] for name in after}
    # Callback tasks, call attempts and surveys (callbacks app; idempotent on its own).
    from demo.callbacks import seed_callbacks

    summary.update(seed_callbacks(seed=seed, now=now))
    from demo.complaints import seed_complaints

    summary["Complaint added (every state)"] = seed_complaints(store=stores[0][0], seed=seed)
    return summary


def _seed_store(
    rng: random.Random,
    store: Store,
    plate_prefix: str,
    staff: dict[str, list[Any]],
    count: int,
    start: dt.datetime,
    now: dt.datetime,
) -> None:
    # The steps draw from one generator in a fixed order: the same seed gives the same data.
    customer_rows, by_mobile = _seed_customers(rng, store, count)
    vehicles = _seed_vehicles(rng, store, plate_prefix, customer_rows, by_mobile)
    _seed_sales_and_visits(rng, store, staff, vehicles, start, now)


def _seed_customers(
    rng: random.Random, store: Store, count: int
) -> tuple[list[Customer], dict[str, Customer]]:
    customer_rows = []
    for i in range(count):
        flags: list[str] = []
        roll = rng.random()
        if roll < 0.01:
            flags = [IdentityFlag.LAWYER]
        elif roll < 0.02:
            flags = [IdentityFlag.MEDIA]
        elif roll < 0.04:
            flags = [IdentityFlag.TAXI_DRIVER]
        dnc = rng.random() < 0.02
        customer_rows.append(
            Customer(
                store=store,
                name=_name(rng),
                mobile=_mobile(rng),
                identity_flags=flags,
                do_not_contact=dnc,
                do_not_contact_reason="客户要求不再来电" if dnc else "",
                remarks="" if i % 7 else "喜欢微信联系",
            )
        )
    Customer.objects.bulk_create(customer_rows, ignore_conflicts=True, batch_size=500)
    by_mobile = {
        c.mobile: c
        for c in Customer.objects.filter(store=store, mobile__in=[c.mobile for c in customer_rows])
    }
    return customer_rows, by_mobile


def _seed_vehicles(
    rng: random.Random,
    store: Store,
    plate_prefix: str,
    customer_rows: list[Customer],
    by_mobile: dict[str, Customer],
) -> list[Vehicle]:
    vehicle_rows = []
    for row in customer_rows:
        owner = by_mobile[row.mobile]
        for _ in range(1 if rng.random() < 0.85 else 2):
            vehicle_rows.append(
                Vehicle(
                    store=store,
                    customer=owner,
                    plate=_plate(rng, plate_prefix),
                    vin=_vin(rng),
                    model=rng.choice(MODELS),
                )
            )
    Vehicle.objects.bulk_create(vehicle_rows, ignore_conflicts=True, batch_size=500)
    return list(
        Vehicle.objects.filter(store=store, vin__in=[v.vin for v in vehicle_rows]).select_related("customer")
    )


def _seed_sales_and_visits(
    rng: random.Random,
    store: Store,
    staff: dict[str, list[Any]],
    vehicles: list[Vehicle],
    start: dt.datetime,
    now: dt.datetime,
) -> None:
    span = (now - start).total_seconds()
    sales: list[SalesDelivery] = []
    visits: list[ServiceVisit] = []
    for vehicle in vehicles:
        if rng.random() < 0.45:  # bought in the demo window
            # Hours of the store's own day (Asia/Shanghai): replacing the hour of a UTC time put
            # deliveries and visits at night and their callbacks due at 01:40.
            delivered = timezone.localtime(start + dt.timedelta(seconds=rng.uniform(0, span)))
            delivered = delivered.replace(
                hour=rng.randint(9, 17), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0
            )
            if delivered > now:
                delivered = now - dt.timedelta(hours=2)
            sales.append(
                SalesDelivery(
                    store=store,
                    vehicle=vehicle,
                    customer=vehicle.customer,
                    consultant=rng.choice(staff["consultant"]),
                    delivered_at=delivered,
                )
            )
            vehicle.purchase_date = timezone.localtime(delivered).date()
        else:
            vehicle.purchase_date = (start - dt.timedelta(days=rng.randint(30, 1500))).date()
        mileage = rng.randint(3000, 60000)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            opened = timezone.localtime(start + dt.timedelta(seconds=rng.uniform(0, span)))
            opened = opened.replace(
                hour=rng.randint(8, 16), minute=rng.choice([0, 10, 20, 30, 40, 50]), second=0, microsecond=0
            )
            if opened > now:
                opened = now - dt.timedelta(hours=3)
            kind = rng.choices(list(ServiceKind.values), weights=[55, 20, 12, 8, 5])[0]
            back: dt.datetime | None = opened + dt.timedelta(hours=rng.choice([2, 4, 6, 26, 50]))
            if back is not None and back > now:
                back = None  # still in the workshop
            mileage += rng.randint(2000, 8000)
            visits.append(
                ServiceVisit(
                    store=store,
                    # Numbered, not dated: the same seed gives the same orders on any day.
                    repair_order_no=f"RO{store.code}{len(visits) + 1:07d}",
                    vehicle=vehicle,
                    customer=vehicle.customer,
                    kind=kind,
                    service_advisor=rng.choice(staff["advisor"]),
                    technician=rng.choice(staff["technician"]),
                    opened_at=opened,
                    handed_back_at=back,
                    mileage=mileage,
                    quality_related=kind == ServiceKind.REPAIR and rng.random() < 0.25,
                    parts_backorder_days=rng.choice([0] * 12 + [2, 4, 6]),
                )
            )
    Vehicle.objects.bulk_update(vehicles, ["purchase_date"], batch_size=500)
    SalesDelivery.objects.bulk_create(sales, ignore_conflicts=True, batch_size=500)
    ServiceVisit.objects.bulk_create(visits, ignore_conflicts=True, batch_size=500)
