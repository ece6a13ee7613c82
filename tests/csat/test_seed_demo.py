"""python manage.py seed_demo: demo accounts per role, idempotent, refused without DEBUG, valid data."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from csat.domain.identifiers import normalize_mobile, normalize_plate, normalize_vin
from csat.models import (
    Customer,
    Department,
    DepartmentKind,
    Role,
    SalesDelivery,
    ServiceVisit,
    StaffProfile,
    Store,
    Vehicle,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

# The CONTRACT's demo accounts: username → (role, department kind).
CONTRACT_ACCOUNTS = {
    "agent": (Role.AGENT, DepartmentKind.CUSTOMER_CARE),
    "ccmanager": (Role.CUSTOMER_CARE_MANAGER, DepartmentKind.CUSTOMER_CARE),
    "sales_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.SALES),
    "business_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.BUSINESS),
    "service_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.SERVICE),
    "admin_mgr": (Role.ADMIN_ASSESSOR, DepartmentKind.ADMIN),
    "finance_mgr": (Role.DEPARTMENT_MANAGER, DepartmentKind.FINANCE),
    "parts_sup": (Role.DEPARTMENT_MANAGER, DepartmentKind.PARTS),
    "gm": (Role.GENERAL_MANAGER, DepartmentKind.MANAGEMENT),
}
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the CONTRACT's published demo password

SEEDED_MODELS = (Store, Department, User, StaffProfile, Group, Customer, Vehicle, SalesDelivery, ServiceVisit)


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", customers=30, months=2, force=True, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def test_creates_the_contract_accounts_with_the_demo_password() -> None:
    output = seed()
    for username, (role, kind) in CONTRACT_ACCOUNTS.items():
        user = User.objects.select_related("profile__store", "profile__department").get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert user.is_active
        assert user.profile.role == role, username
        assert user.profile.department.kind == kind, username
        assert user.profile.department.store_id == user.profile.store_id, username
        assert user.groups.filter(name=role).exists(), f"{username} is not in the {role} group"
        assert username in output  # the command prints the accounts
    assert DEMO_PASSWORD in output


def test_all_contract_accounts_work_in_the_same_store() -> None:
    seed()
    stores = set(
        StaffProfile.objects.filter(user__username__in=CONTRACT_ACCOUNTS).values_list(
            "store__code", flat=True
        )
    )
    assert len(stores) == 1


def test_head_office_account_sees_every_store() -> None:
    seed()
    hq = User.objects.get(username="hq")
    assert hq.profile.role == Role.GROUP_VIEWER
    assert hq.profile.store is None
    assert hq.check_password(DEMO_PASSWORD)


def test_creates_two_stores_with_every_department_and_the_requested_customers() -> None:
    seed()
    assert Store.objects.count() == 2
    for store in Store.objects.all():
        assert set(store.departments.values_list("kind", flat=True)) == set(DepartmentKind.values)
    # Random mobiles may collide inside a store; a collision is skipped, never duplicated.
    assert 25 <= Customer.objects.count() <= 30
    assert Vehicle.objects.count() >= Customer.objects.count()
    assert SalesDelivery.objects.exists()
    assert ServiceVisit.objects.exists()


def test_cars_are_delivered_and_taken_in_during_the_stores_working_day() -> None:
    """Deliveries at 9–17 and workshop visits opened at 8–16, Beijing time: the hour was set on a UTC
    time, so the demo's cars came in at midnight and their callbacks fell due at 01:40. (A time that
    would lie in the future is moved to a few hours ago, whatever the hour.)"""
    from django.utils import timezone

    seed()
    now = timezone.now()
    for field, model, hours in (
        ("delivered_at", SalesDelivery, range(9, 18)),
        ("opened_at", ServiceVisit, range(8, 17)),
    ):
        times = [t for t in model.objects.values_list(field, flat=True) if now - t > dt.timedelta(hours=4)]
        assert times, field
        outside = [t for t in times if timezone.localtime(t).hour not in hours]
        assert not outside, (field, [timezone.localtime(t).isoformat() for t in outside[:3]])


def test_running_twice_adds_nothing() -> None:
    seed()
    first = counts()
    output = seed()
    assert counts() == first
    assert "Customer added: 0" in output
    assert "ServiceVisit added: 0" in output


def test_same_seed_gives_the_same_data() -> None:
    seed(seed=7)
    mobiles = set(Customer.objects.values_list("store__code", "mobile"))
    vins = set(Vehicle.objects.values_list("vin", flat=True))
    seed(seed=7)
    assert set(Customer.objects.values_list("store__code", "mobile")) == mobiles
    assert set(Vehicle.objects.values_list("vin", flat=True)) == vins


def test_refuses_without_debug(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", customers=5, months=1, stdout=StringIO())
    assert not User.objects.filter(username="agent").exists()
    assert not Customer.objects.exists()


def test_force_runs_without_debug(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    call_command("seed_demo", customers=5, months=1, force=True, stdout=StringIO())
    assert User.objects.filter(username="agent").exists()


def test_runs_with_debug_on_without_force(settings: object) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    call_command("seed_demo", customers=5, months=1, stdout=StringIO())
    assert User.objects.filter(username="gm").exists()


@pytest.mark.parametrize("option", [{"customers": 0}, {"months": 0}])
def test_rejects_empty_sizes(option: dict[str, int]) -> None:
    args = {"customers": 5, "months": 1, **option}
    with pytest.raises(CommandError):
        call_command("seed_demo", force=True, stdout=StringIO(), **args)


def test_generated_identifiers_all_validate() -> None:
    seed()
    for mobile in Customer.objects.values_list("mobile", flat=True):
        assert normalize_mobile(mobile) == mobile
    for plate, vin in Vehicle.objects.values_list("plate", "vin"):
        assert normalize_plate(plate) == plate
        assert normalize_vin(vin) == vin


def test_generated_rows_pass_full_clean() -> None:
    seed()
    rows = [
        *Customer.objects.all(),
        *Vehicle.objects.select_related("customer"),
        *SalesDelivery.objects.select_related("vehicle"),
        *ServiceVisit.objects.select_related("vehicle"),
    ]
    errors = []
    for row in rows:
        try:
            row.full_clean()
        except ValidationError as exc:
            errors.append((type(row).__name__, row.pk, exc.message_dict))
    assert errors == []


def test_demo_data_is_chinese_and_timezone_aware() -> None:
    seed()
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in Customer.objects.values_list("name", flat=True))
    plates = list(Vehicle.objects.values_list("plate", flat=True))
    assert any(p.startswith("粤B") for p in plates) and any(p.startswith("粤A") for p in plates)
    visit = ServiceVisit.objects.first()
    assert visit is not None and visit.opened_at.tzinfo is not None


def test_demo_agents_have_distinct_extensions_for_click_to_dial() -> None:
    """Issue #22 (agent queue: click-to-dial via CTI_DIAL_URL_TEMPLATE): every demo agent has its
    own extension, so the dial button works once the CTI's URL is set; other roles have none."""
    seed()
    agents = StaffProfile.objects.filter(role=Role.AGENT)
    extensions = list(agents.values_list("extension", flat=True))
    assert extensions and all(extensions) and len(set(extensions)) == len(extensions)
    assert StaffProfile.objects.get(user__username="agent").extension == "8001"
    assert not StaffProfile.objects.exclude(role=Role.AGENT).exclude(extension="").exists()
    seed()  # a second run keeps them
    assert sorted(StaffProfile.objects.filter(role=Role.AGENT).values_list("extension", flat=True)) == sorted(
        extensions
    )
