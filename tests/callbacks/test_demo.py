"""The demo seed of the callbacks app: history, a live queue, surveys — and idempotent."""

from __future__ import annotations

import pytest

from callbacks.models import CallAttempt, CallbackTask, Survey, TaskStatus
from complaints.models import Complaint
from demo.seed import seed_demo

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (CallbackTask, CallAttempt, Survey, Complaint)}


def test_seed_demo_adds_callbacks_once() -> None:
    summary = seed_demo(customers=80, months=3, seed=11)
    first = counts()
    assert summary["CallbackTask added"] == first["CallbackTask"] > 0
    assert first["Survey"] > 0 and first["CallAttempt"] > 0
    statuses = set(CallbackTask.objects.values_list("status", flat=True))
    assert {TaskStatus.DONE, TaskStatus.PENDING} <= statuses
    # Every survey that calls for a ticket has one.
    assert not Survey.objects.filter(
        classification__in=["complaint", "dissatisfied", "grievance"], complaint=None
    ).exists()
    again = seed_demo(customers=80, months=3, seed=11)
    assert counts() == first
    assert again["CallbackTask added"] == again["Survey added"] == again["CallAttempt added"] == 0
