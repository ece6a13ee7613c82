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


def test_the_demos_calls_are_made_in_the_call_centres_day() -> None:
    """Every call of the demo's history is at 9:00–17:59 Beijing time (calls at 00:00 and 01:45 read
    as made in the night); one made in the last day may be as late as the seed runs."""
    import datetime as dt

    from django.utils import timezone

    seed_demo(customers=80, months=3, seed=11)
    recent = timezone.now() - dt.timedelta(days=1)
    hours = [
        timezone.localtime(at).hour
        for at in CallAttempt.objects.filter(at__lt=recent).values_list("at", flat=True)
    ]
    assert hours and all(9 <= hour <= 17 for hour in hours), sorted(set(hours))
