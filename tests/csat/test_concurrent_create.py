"""The same customer created by concurrent requests (issue #21 item 10): one row; the service's
find-or-create returns it to every caller, the API answers the losers 409 naming it — never 503."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from csat import services
from csat.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def _race(work: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to show")
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_concurrent_find_or_create_returns_the_one_customer(store_a: Any) -> None:
    results, errors = _race(
        lambda: services.customer_find_or_create(store=store_a, mobile="13900001111", name="王五")
    )
    assert errors == []
    assert len({customer.pk for customer in results}) == 1
    assert Customer.objects.filter(mobile="13900001111").count() == 1


def test_concurrent_api_creates_answer_201_once_and_409_naming_it(store_a: Any, ccmanager: Any) -> None:
    def post() -> Any:
        client = APIClient()
        client.force_authenticate(ccmanager)
        return client.post("/api/customers/", {"name": "赵六", "mobile": "13900002222"}, format="json")

    responses, errors = _race(post)
    assert errors == []
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and all(code in (201, 400, 409) for code in codes), codes
    created = Customer.objects.get(mobile="13900002222")
    for response in responses:
        if response.status_code == 409:
            assert response.json()["id"] == created.pk and "已存在" in response.json()["detail"]


def test_creating_an_existing_customer_again_is_a_field_error(store_a: Any, ccmanager: Any) -> None:
    client = APIClient()
    client.force_authenticate(ccmanager)
    assert (
        client.post("/api/customers/", {"name": "甲", "mobile": "13900003333"}, format="json").status_code
        == 201
    )
    again = client.post("/api/customers/", {"name": "甲", "mobile": "13900003333"}, format="json")
    assert again.status_code == 400 and "mobile" in again.json()
