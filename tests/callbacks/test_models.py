"""Database constraints: the invariants hold even for writes that bypass the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from callbacks.models import CallAttempt, CallbackTask, ReasonCode, Survey, SurveyType
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _copy(task: CallbackTask, **changes: Any) -> CallbackTask:
    fields = {
        "store": task.store,
        "type": task.type,
        "customer": task.customer,
        "sale": task.sale,
        "visit": task.visit,
        "period": task.period,
        "due_at": task.due_at,
        "expires_at": task.expires_at,
    }
    return CallbackTask(**{**fields, **changes})


@pytest.mark.parametrize("survey_type", [SurveyType.SALES, SurveyType.AFTER_SALES, SurveyType.FIVE_DIMENSION])
def test_one_task_per_source(store_a: Any, make_task: Any, survey_type: str) -> None:
    task = make_task(store_a, type=survey_type)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(task).save()


def test_five_dimension_once_per_customer_and_quarter(store_a: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    _copy(task, period="2026Q2").save()
    other = CustomerFactory(store=store_a)
    _copy(task, customer=other).save()
    assert CallbackTask.objects.filter(type=SurveyType.FIVE_DIMENSION).count() == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"type": SurveyType.AFTER_SALES},  # a sales source on an after-sales task
        {"sale": None},  # a sales task without its delivery
        {"type": SurveyType.FIVE_DIMENSION},  # five-dimension with a delivery
    ],
)
def test_the_source_matches_the_type(store_a: Any, make_task: Any, changes: dict) -> None:
    task = make_task(store_a)
    CallbackTask.objects.filter(pk=task.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(task, **changes).save()


def test_expiry_after_due(store_a: Any, make_task: Any) -> None:
    task = make_task(store_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackTask.objects.filter(pk=task.pk).update(expires_at=task.due_at - dt.timedelta(days=1))


def test_call_back_later_needs_a_time(store_a: Any, agent: Any, make_task: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CallAttempt.objects.create(
            task=make_task(store_a), outcome="call_back_later", at=timezone.now(), by=agent
        )


def _survey(store: Any, agent: Any, **fields: Any) -> Survey:
    defaults = {
        "store": store,
        "customer": CustomerFactory(store=store),
        "type": SurveyType.SALES,
        "surveyed_at": timezone.now(),
        "surveyed_by": agent,
        "score_used": 90,
        "suggested_grade": "B",
        "grade": "B",
    }
    return Survey.objects.create(**{**defaults, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"score_used": None},  # neither a score nor a reason
        {"not_rated_reason": "没空"},  # both
        {"score": 101, "score_used": 101},
        {"grade": "C"},  # override without a reason
    ],
)
def test_survey_invariants(store_a: Any, agent: Any, fields: dict) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _survey(store_a, agent, **fields)


def test_one_survey_per_task(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    _survey(store_a, agent, callback=task, customer=task.customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        _survey(store_a, agent, callback=task, customer=task.customer)


def test_reason_codes_are_seeded_from_the_source() -> None:
    assert ReasonCode.objects.count() == 28
    assert ReasonCode.objects.get(code="arrived_late").label == "到场时间不及时"
    assert set(ReasonCode.objects.values_list("dimension", flat=True)) == {
        "skill",
        "attitude",
        "timeliness",
        "parts",
        "overall",
    }
