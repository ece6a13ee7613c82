"""The references of /api/complaints/ and its actions are integer ids (csat.apis.fields.PrimaryKeyField).

Before: complaints/apis.py declared DRF's own PrimaryKeyRelatedField, which hands the value to the
database lookup: "customer": 1.5 registered a ticket for customer 1, "９０" (full-width digits) one
for customer 90, and "department": 2.5 dispatched the ticket to department 2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from complaints.models import CauseCode, Complaint, Status
from csat.models import Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# (what the client sends, given the id; how the message shows it)
NOT_AN_ID: list[tuple[Callable[[int], Any], Callable[[int], str]]] = [
    (lambda pk: pk + 0.5, lambda pk: f"{pk}.5"),
    (lambda pk: float(pk), lambda pk: f"{pk}.0"),
    (lambda pk: str(pk).translate(FULL_WIDTH), lambda pk: f'"{str(pk).translate(FULL_WIDTH)}"'),
    (lambda pk: True, lambda pk: "true"),
    (lambda pk: [pk], lambda pk: f"[{pk}]"),
]


def _message(shown: str) -> list[str]:
    return [f"应为记录编号（整数），收到的是 {shown}。"]


@pytest.fixture
def vehicle(customer: Any) -> Any:
    return customer.vehicles.get()


def _ticket(of: Any, **extra: Any) -> dict[str, Any]:
    return {"customer": of.pk, "content": "保养后异响。", "category": "sales", **extra}


@pytest.mark.parametrize(("sent", "shown"), NOT_AN_ID)
@pytest.mark.parametrize("field", ["customer", "vehicle", "received_by_department"])
def test_create_refuses_a_reference_that_is_not_an_integer(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    care: Any,
    vehicle: Any,
    field: str,
    sent: Callable[[int], Any],
    shown: Callable[[int], str],
) -> None:
    customer = vehicle.customer
    pk = {"customer": customer.pk, "vehicle": vehicle.pk, "received_by_department": care.pk}[field]
    response = api(agent).post("/api/complaints/", _ticket(customer, **{field: sent(pk)}), format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {field: _message(shown(pk))}
    assert not Complaint.objects.exists()


def test_create_takes_an_integer_or_ascii_digits(
    clock: Any, api: Callable[[Any], Any], agent: Any, care: Any, vehicle: Any
) -> None:
    customer = vehicle.customer
    client = api(agent)
    first = client.post("/api/complaints/", _ticket(customer, vehicle=vehicle.pk), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["customer"] == customer.pk and first.json()["vehicle"] == vehicle.pk
    # A form post sends digits as text.
    body = _ticket(customer, customer=str(customer.pk), received_by_department=str(care.pk))
    second = client.post("/api/complaints/", body, format="multipart")
    assert second.status_code == 201, second.content
    assert second.json()["received_by_department"] == care.pk
    # Out of the database's range: no such customer, never an overflow.
    for value in (0, -1, 2**63, "99999999999999999999"):
        response = client.post("/api/complaints/", _ticket(customer, customer=value), format="json")
        assert response.status_code == 400 and set(response.json()) == {"customer"}
    assert Complaint.objects.count() == 2


def test_dispatch_refuses_a_department_that_is_not_an_integer(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    sales: Any,
    make_complaint: Callable[..., Complaint],
) -> None:
    ticket = make_complaint()
    url = f"/api/complaints/{ticket.pk}/dispatch/"
    for sent, shown in NOT_AN_ID:
        response = api(agent).post(url, {"department": sent(sales.pk)}, format="json")
        assert response.status_code == 400, response.content
        assert response.json() == {"department": _message(shown(sales.pk))}
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED and ticket.department is None
    response = api(agent).post(url, {"department": str(sales.pk)}, format="multipart")
    assert response.status_code == 200 and response.json()["department"] == sales.pk


def test_assign_refuses_a_user_that_is_not_an_integer(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    store: Any,
    sales: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    consultant = StaffFactory(username="consultant", role=Role.STAFF, store=store, department=sales)
    url = f"/api/complaints/{ticket.pk}/assign/"
    response = api(people["sales_mgr"]).post(url, {"user": consultant.pk + 0.5}, format="json")
    assert response.status_code == 400 and response.json() == {"user": _message(f"{consultant.pk}.5")}
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_resolve_refuses_a_cause_code_that_is_not_an_integer(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    cause = CauseCode.objects.create(category="sales", code="test_delivery_check", label="交车漏检")
    url = f"/api/complaints/{ticket.pk}/resolve/"
    sent = str(cause.pk).translate(FULL_WIDTH)
    response = api(people["sales_mgr"]).post(url, {"result": "已处理", "cause_code": sent}, format="json")
    assert response.status_code == 400 and response.json() == {"cause_code": _message(f'"{sent}"')}
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.cause_code is None
    response = api(people["sales_mgr"]).post(url, {"result": "已处理", "cause_code": cause.pk}, format="json")
    assert response.status_code == 200 and response.json()["cause_code"] == cause.pk
