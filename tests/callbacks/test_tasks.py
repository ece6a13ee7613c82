"""The Celery entry point: thin, idempotent, also when beat fires it twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from callbacks.models import CallbackTask, CloseReason
from callbacks.tasks import generate_callback_tasks
from tests.factories import CustomerFactory, SalesDeliveryFactory, ServiceVisitFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_generate_callback_tasks_twice_has_the_effect_of_once(store_a: Any, make_task: Any) -> None:
    vehicle = VehicleFactory(customer=CustomerFactory(store=store_a), store=store_a)
    sale = SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - dt.timedelta(days=2))
    stale = make_task(store_a, due_in=-dt.timedelta(days=16))
    first = generate_callback_tasks.delay().get()
    second = generate_callback_tasks.delay().get()
    assert first["created_sales"] == 1 and first["expired"] == 1
    assert second["created_sales"] == 0 and second["expired"] == 0
    assert CallbackTask.objects.filter(sale=sale).count() == 1
    stale.refresh_from_db()
    assert stale.close_reason == CloseReason.EXPIRED


def test_task_is_in_the_beat_schedule() -> None:
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "callbacks.tasks.generate_callback_tasks" in tasks


def test_three_runs_in_a_row_are_the_same_as_one(clock: Any, store_a: Any, make_task: Any) -> None:
    """Stale tasks are expired before the sample is drawn: the expired task's customer is eligible
    for the five-dimension sample in the first run already, not only in the next one (issue #21)."""
    visit = ServiceVisitFactory(
        vehicle=VehicleFactory(customer=CustomerFactory(store=store_a), store=store_a),
        opened_at=timezone.now() - dt.timedelta(days=40, hours=3),
        handed_back_at=timezone.now() - dt.timedelta(days=40),
    )
    stale = make_task(store_a, due_in=-dt.timedelta(days=16), customer=visit.customer)

    def state() -> set[tuple[Any, ...]]:
        return set(CallbackTask.objects.values_list("customer_id", "type", "status", "close_reason"))

    first = generate_callback_tasks.delay().get()
    once = state()
    runs = [generate_callback_tasks.delay().get() for _ in range(2)]
    assert state() == once
    assert first["expired"] == 1 and first["created_five_dimension"] == 1
    assert all(
        run["expired"] == 0 and sum(v for k, v in run.items() if k.startswith("created")) == 0 for run in runs
    )
    stale.refresh_from_db()
    assert stale.close_reason == CloseReason.EXPIRED
