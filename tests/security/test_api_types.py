"""A reference is an integer id and a list is a JSON array (csat.apis.fields.PrimaryKeyField,
ListManyRelatedField).

Audit (hostile input): POST /api/surveys/ with "customer": 1.5 was saved against customer 1 (the
database lookup truncated it) and "９０" (full-width digits) against customer 90; "reason_codes": {}
on a survey and "complaints": {} on a preventive measure were taken as empty lists.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework import serializers

from callbacks.models import Survey
from csat.apis.fields import PrimaryKeyField
from csat.models import Vehicle
from prevention.models import PreventiveMeasure
from tests.factories import make_vin
from tests.fixtures import T0
from tests.security.world import SALES_ITEMS

pytestmark = pytest.mark.django_db


def _survey(of: Any, **extra: Any) -> dict[str, Any]:
    return {"customer": of.pk, "type": "sales", "score": 90, "items": SALES_ITEMS, **extra}


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# (what the client sends for the customer, given its id; how the message shows it)
NOT_AN_ID: list[tuple[Callable[[int], Any], Callable[[int], str]]] = [
    (lambda pk: pk + 0.5, lambda pk: f"{pk}.5"),
    (lambda pk: float(pk), lambda pk: f"{pk}.0"),
    (lambda pk: f"{pk}.5", lambda pk: f'"{pk}.5"'),
    (lambda pk: str(pk).translate(FULL_WIDTH), lambda pk: f'"{str(pk).translate(FULL_WIDTH)}"'),
    (lambda pk: f" {pk}", lambda pk: f'" {pk}"'),
    (lambda pk: {"id": pk}, lambda pk: f'{{"id": {pk}}}'),
    (lambda pk: [pk], lambda pk: f"[{pk}]"),
]


@pytest.mark.parametrize(("sent", "shown"), NOT_AN_ID)
def test_a_reference_that_is_not_an_integer_is_a_400(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    customer: Any,
    sent: Callable[[int], Any],
    shown: Callable[[int], str],
) -> None:
    response = api(agent).post("/api/surveys/", _survey(customer, customer=sent(customer.pk)), format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"customer": [f"应为记录编号（整数），收到的是 {shown(customer.pk)}。"]}
    assert not Survey.objects.exists()


def test_an_id_as_an_integer_or_as_digits_is_taken(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    client = api(agent)
    assert client.post("/api/surveys/", _survey(customer), format="json").status_code == 201
    assert (
        client.post("/api/surveys/", _survey(customer, customer=str(customer.pk)), format="json").status_code
        == 201
    )
    # Out of the database's range: no such customer (a 400, never an overflow).
    for value in (0, -1, 2**63, "99999999999999999999"):
        response = client.post("/api/surveys/", _survey(customer, customer=value), format="json")
        assert response.status_code == 400 and "customer" in response.json()
    assert Survey.objects.count() == 2


def test_the_shared_records_take_integer_ids_only(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any
) -> None:
    body = {"customer": customer.pk + 0.5, "vin": make_vin(9)}
    response = api(agent).post("/api/vehicles/", body, format="json")
    assert response.status_code == 400 and set(response.json()) == {"customer"}
    assert not Vehicle.objects.filter(vin=make_vin(9)).exists()


@pytest.mark.parametrize("value", [{}, {"late_delivery": 1}, "late_delivery", 7])
def test_a_list_of_reason_codes_is_a_json_array(
    clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any, value: Any
) -> None:
    response = api(agent).post("/api/surveys/", _survey(customer, reason_codes=value), format="json")
    assert response.status_code == 400
    [message] = response.json()["reason_codes"]
    assert message.startswith("应为列表（JSON 数组），收到的是 ")
    assert not Survey.objects.exists()


def test_the_complaints_of_a_measure_are_a_json_array(
    clock: Any, api: Callable[[Any], Any], agent: Any, business: Any
) -> None:
    body = {
        "category": "repair",
        "problem": "同一车辆三个月内返修三次",
        "measure": "完工路试并由质检签字",
        "owner_department": business.pk,
        "due_date": (T0.date() + dt.timedelta(days=30)).isoformat(),
    }
    response = api(agent).post("/api/preventive-measures/", {**body, "complaints": {}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"complaints": ["应为列表（JSON 数组），收到的是 {}。"]}
    assert not PreventiveMeasure.objects.exists()
    response = api(agent).post(
        "/api/preventive-measures/", {**body, "owner_department": business.pk + 0.5}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"owner_department"}
    # An empty array is still no complaint linked.
    assert (
        api(agent).post("/api/preventive-measures/", {**body, "complaints": []}, format="json").status_code
        == 201
    )


def test_in_english(clock: Any, api: Callable[[Any], Any], agent: Any, customer: Any) -> None:
    body = _survey(customer, customer=customer.pk + 0.5, reason_codes={})
    response = api(agent).post("/api/surveys/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {
        "customer": [f"Expected a record id (an integer), got {customer.pk}.5."],
        "reason_codes": ["Expected a list (a JSON array), got {}."],
    }


APPS = [
    "csat",
    "intake",
    "callbacks",
    "complaints",
    "prevention",
    "crisis",
    "reports",
    "audit",
    "surveylinks",
]


def _serializers() -> list[type[serializers.Serializer[Any]]]:
    found = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "migrations" in info.name or "apis" not in info.name:
                continue
            module = importlib.import_module(info.name)
            found += [
                obj
                for obj in vars(module).values()
                if inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and issubclass(obj, serializers.Serializer)
            ]
    return found


def test_every_writable_reference_of_every_serializer_takes_integer_ids_only() -> None:
    loose, walked = [], 0
    for cls in _serializers():
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue  # the API's ModelSerializer base (csat.apis.fields)
        for name, field in cls().fields.items():
            if field.read_only:
                continue
            child = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            if isinstance(child, serializers.PrimaryKeyRelatedField):
                walked += 1
                where = f"{cls.__module__}.{cls.__qualname__}.{name}"
                if not isinstance(child, PrimaryKeyField):
                    loose.append(where)
    assert walked > 15  # the walk found the serializers
    assert loose == []
