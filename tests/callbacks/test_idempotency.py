"""Idempotency-Key on creating API POSTs (issue #21 item 5): five unhappy surveys for a customer
without a callback task, sent at once with one key, make one survey and one ticket."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from knox.models import AuthToken
from rest_framework.test import APIClient

from callbacks.models import Survey
from complaints.models import Complaint
from csat.models import Customer, IdempotencyKey
from tests.callbacks.test_services_surveys import SALES_ITEMS

pytestmark = pytest.mark.django_db


def _unhappy(customer: Any) -> dict[str, Any]:
    return {"customer": customer.pk, "type": "sales", "channel": "on_site", "score": 50, "items": SALES_ITEMS}


def _signed_in(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_repeat_with_the_key_replays_the_first_response(agent: Any, store_a: Any, make_task: Any) -> None:
    customer = make_task(store_a).customer
    client = _signed_in(agent)
    first = client.post("/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Survey.objects.count() == 1 and Complaint.objects.count() == 1
    # Without a key, or with another key, it is a new request.
    assert (
        client.post(
            "/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
        ).status_code
        == 201
    )
    assert Survey.objects.count() == 2


def test_the_same_key_with_another_body_is_422(agent: Any, store_a: Any, make_task: Any) -> None:
    customer = make_task(store_a).customer
    client = _signed_in(agent)
    assert (
        client.post("/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 201
    )
    other = {**_unhappy(customer), "score": 40}
    response = client.post("/api/surveys/", other, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
    assert Survey.objects.count() == 1


def test_keys_are_per_user_and_token_users_are_covered(agent: Any, ccmanager: Any) -> None:
    def token_client(user: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
        return client

    body = {"name": "钱七", "mobile": "13900004444"}
    first = token_client(ccmanager).post("/api/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == 201
    replay = token_client(ccmanager).post("/api/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert Customer.objects.filter(mobile="13900004444").count() == 1
    assert IdempotencyKey.objects.filter(user=ccmanager, key="same").count() == 1


def test_a_refused_or_failed_request_frees_the_key(agent: Any, front_line: Any) -> None:
    body = {"name": "孙八", "mobile": "13900005555"}
    refused = _signed_in(front_line).post("/api/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert refused.status_code == 403
    assert not IdempotencyKey.objects.exists()


def test_a_malformed_key_is_400(agent: Any) -> None:
    response = _signed_in(agent).post("/api/surveys/", {}, format="json", HTTP_IDEMPOTENCY_KEY="a" * 300)
    assert response.status_code == 400


def test_expired_keys_are_forgotten(agent: Any, store_a: Any, make_task: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from csat.idempotency import idempotency_keys_expire

    customer = make_task(store_a).customer
    client = _signed_in(agent)
    client.post("/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    again = client.post("/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again and Survey.objects.count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_keys_expire() == 1


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_unhappy_surveys_with_one_key_make_one_survey_and_one_ticket(
    agent: Any, store_a: Any, make_task: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to show")
    customer = make_task(store_a).customer
    barrier = threading.Barrier(5)
    codes: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = _signed_in(agent)
            barrier.wait(timeout=10)
            response = client.post(
                "/api/surveys/", _unhappy(customer), format="json", HTTP_IDEMPOTENCY_KEY="burst"
            )
            codes.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert codes.count(201) >= 1 and all(code in (201, 409) for code in codes), codes
    assert Survey.objects.count() == 1 and Complaint.objects.count() == 1
