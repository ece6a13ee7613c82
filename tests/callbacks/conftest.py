"""Fixtures of the callback tests: the shared world (tests/fixtures.py) with every department in both
stores and the store-A accounts (agents named, for the pages), and a helper that makes a task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from callbacks.models import CallbackTask, SurveyType
from tests.factories import (
    CustomerFactory,
    SalesDeliveryFactory,
    ServiceVisitFactory,
    VehicleFactory,
)
from tests.fixtures import ACCOUNTS_A, accounts_fixture, every_department


@pytest.fixture
def store(store: Any) -> Any:
    return every_department(store)


@pytest.fixture
def other_store(other_store: Any) -> Any:
    return every_department(other_store)


# The store-A accounts, the agents with their names (the pages show them).
accounts = accounts_fixture(
    {
        **ACCOUNTS_A,
        "agent": {"username": "agent_a", "name": "李小燕"},
        "agent2": {"username": "agent_a2", "name": "赵敏"},
    }
)


@pytest.fixture
def make_task() -> Callable[..., CallbackTask]:
    """A task of the given type for a fresh customer of ``store``, due ``due_in`` from now."""

    def make(
        store: Any,
        *,
        type: str = SurveyType.SALES,
        due_in: dt.timedelta = dt.timedelta(hours=-1),
        customer: Any = None,
        **fields: Any,
    ) -> CallbackTask:
        now = timezone.now()
        customer = customer or CustomerFactory(store=store)
        vehicle = VehicleFactory(customer=customer, store=store)
        due_at = now + due_in
        source: dict[str, Any] = {}
        if type == SurveyType.SALES:
            source["sale"] = SalesDeliveryFactory(vehicle=vehicle, delivered_at=due_at - dt.timedelta(days=3))
        elif type == SurveyType.AFTER_SALES:
            handed = due_at - dt.timedelta(days=3)
            source["visit"] = ServiceVisitFactory(
                vehicle=vehicle, opened_at=handed - dt.timedelta(hours=4), handed_back_at=handed
            )
        else:
            source["period"] = "2026Q1"
        return CallbackTask.objects.create(
            store=store,
            type=type,
            customer=customer,
            vehicle=vehicle,
            due_at=due_at,
            expires_at=due_at + dt.timedelta(days=15),
            **source,
            **fields,
        )

    return make
