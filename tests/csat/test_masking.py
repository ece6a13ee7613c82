"""Mobile numbers: in full for roles that phone customers, masked (138****5678) for everyone else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from callbacks.models import CallbackTask, SurveyType
from csat import access
from csat.domain.privacy import mask_mobile
from csat.models import DepartmentKind, Role
from tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    SalesDeliveryFactory,
    StaffFactory,
    UserFactory,
    VehicleFactory,
)

FULL, MASKED = "13812345678", "138****5678"

# Who phones customers (DOMAIN.md): customer care and the department manager (2-hour first contact).
EXPECTED = {
    Role.AGENT: FULL,
    Role.CUSTOMER_CARE_MANAGER: FULL,
    Role.DEPARTMENT_MANAGER: FULL,
    Role.GENERAL_MANAGER: MASKED,
    Role.ADMIN_ASSESSOR: MASKED,
    Role.GROUP_VIEWER: MASKED,
    Role.STAFF: MASKED,
    "superuser": FULL,
}


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812345678", "138****5678"),
        ("", ""),
        (None, ""),
        ("0755-83201234", "****1234"),
        ("1234", "****"),
        ("12", "****"),
        ("1381234567", "****4567"),  # not 11 digits: only the tail
    ],
)
def test_mask_mobile(number: str | None, masked: str) -> None:
    assert mask_mobile(number) == masked


@pytest.fixture
def customer(store_a: Any) -> Any:
    return CustomerFactory(store=store_a, name="陈静", mobile=FULL, extra_phones=["13987654321"])


def user_with(role: str, store: Any) -> Any:
    if role == "superuser":
        return UserFactory(username="root", is_superuser=True, is_staff=True)
    department = None
    if role == Role.DEPARTMENT_MANAGER:
        department = DepartmentFactory(store=store, kind=DepartmentKind.SALES)
    return StaffFactory(
        username=f"u_{role}",
        role=role,
        store=None if role == Role.GROUP_VIEWER else store,
        department=department,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_customer_page_and_search(role: str, store_a: Any, customer: Any) -> None:
    client = Client()
    client.force_login(user_with(role, store_a))
    expected, other = (FULL, MASKED) if EXPECTED[role] == FULL else (MASKED, FULL)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert expected in page and other not in page
    results = client.get("/customers/", {"q": "陈静"}).content.decode()
    assert f"<td>{expected}</td>" in results
    assert FULL not in results or expected == FULL


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_customer_api_keeps_the_field_and_masks_the_value(role: str, store_a: Any, customer: Any) -> None:
    client = APIClient()
    client.force_authenticate(user_with(role, store_a))
    listed = client.get("/api/customers/").json()["results"]
    detail = client.get(f"/api/customers/{customer.pk}/").json()
    assert [row["mobile"] for row in listed] == [EXPECTED[role]]
    assert detail["mobile"] == EXPECTED[role]
    assert detail["extra_phones"] == (["13987654321"] if EXPECTED[role] == FULL else ["139****4321"])


@pytest.mark.django_db
def test_writing_through_the_api_stores_the_full_number(store_a: Any) -> None:
    client = APIClient()
    client.force_authenticate(user_with(Role.GENERAL_MANAGER, store_a))
    response = client.post("/api/customers/", {"name": "周敏", "mobile": "+86 139-0013-9000"}, format="json")
    assert response.status_code == 201
    assert response.json()["mobile"] == "139****9000"
    assert customer_mobile(response.json()["id"]) == "13900139000"


def customer_mobile(pk: int) -> str:
    from csat.models import Customer

    return Customer.objects.get(pk=pk).mobile


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENT, Role.GENERAL_MANAGER, Role.ADMIN_ASSESSOR])
def test_callback_api_and_queue(role: str, store_a: Any, customer: Any) -> None:
    vehicle = VehicleFactory(customer=customer, store=store_a)
    due = timezone.now() - dt.timedelta(hours=1)
    CallbackTask.objects.create(
        store=store_a,
        type=SurveyType.SALES,
        customer=customer,
        vehicle=vehicle,
        sale=SalesDeliveryFactory(vehicle=vehicle, delivered_at=due - dt.timedelta(days=3)),
        due_at=due,
        expires_at=due + dt.timedelta(days=15),
    )
    client = APIClient()
    client.force_authenticate(user_with(role, store_a))
    rows = client.get("/api/callbacks/").json()["results"]
    assert [row["customer_mobile"] for row in rows] == [EXPECTED[role]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_template_filter(role: str, store_a: Any) -> None:
    user = user_with(role, store_a)
    html = Template("{% load csat_tags %}{{ number|mobile_for:user }}").render(
        Context({"number": FULL, "user": user})
    )
    assert html == EXPECTED[role]
    assert access.sees_full_mobile(user) is (EXPECTED[role] == FULL)


@pytest.mark.django_db
def test_anonymous_sees_masked() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert access.mobile_for(AnonymousUser(), FULL) == MASKED
