"""Task generation: one task per delivery/visit ever, do-not-contact skipped and counted, the
quarterly five-dimension sample, expiry after 15 days — idempotent, also with two workers at once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from callbacks import services
from callbacks.models import CallbackEvent, CallbackTask, CloseReason, Survey, SurveyType, TaskStatus
from csat.domain.periods import quarter_key
from tests.factories import CustomerFactory, SalesDeliveryFactory, ServiceVisitFactory, VehicleFactory
from tests.fixtures import SH

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _delivery(store: Any, *, ago: dt.timedelta, **customer: Any) -> Any:
    vehicle = VehicleFactory(customer=CustomerFactory(store=store, **customer), store=store)
    return SalesDeliveryFactory(vehicle=vehicle, delivered_at=timezone.now() - ago)


def _visit(store: Any, *, ago: dt.timedelta | None, **customer: Any) -> Any:
    vehicle = VehicleFactory(customer=CustomerFactory(store=store, **customer), store=store)
    now = timezone.now()
    if ago is None:
        return ServiceVisitFactory(vehicle=vehicle, opened_at=now - DAY, handed_back_at=None)
    return ServiceVisitFactory(
        vehicle=vehicle, opened_at=now - ago - dt.timedelta(hours=3), handed_back_at=now - ago
    )


def test_sales_task_due_three_days_after_delivery_and_expires_fifteen_days_later(store_a: Any) -> None:
    sale = _delivery(store_a, ago=DAY)
    summary = services.callback_tasks_generate()
    task = CallbackTask.objects.get(sale=sale)
    assert summary["created_sales"] == 1
    assert task.type == SurveyType.SALES and task.status == TaskStatus.PENDING
    assert task.due_at == sale.delivered_at + 3 * DAY
    assert task.expires_at == task.due_at + 15 * DAY
    assert task.customer == sale.customer and task.vehicle == sale.vehicle and task.store == store_a


def test_after_sales_task_from_the_hand_back_not_the_opening(store_a: Any) -> None:
    visit = _visit(store_a, ago=4 * DAY)
    still_in_workshop = _visit(store_a, ago=None)
    services.callback_tasks_generate()
    task = CallbackTask.objects.get(visit=visit)
    assert task.type == SurveyType.AFTER_SALES
    assert task.due_at == visit.handed_back_at + 3 * DAY
    assert not CallbackTask.objects.filter(visit=still_in_workshop).exists()


def test_records_too_old_to_call_about_get_no_task(store_a: Any) -> None:
    # Delivered 19 days ago: due 16 days ago, would have expired a day ago.
    old = _delivery(store_a, ago=19 * DAY)
    recent = _delivery(store_a, ago=17 * DAY)
    services.callback_tasks_generate()
    assert not CallbackTask.objects.filter(sale=old).exists()
    assert CallbackTask.objects.filter(sale=recent).exists()


def test_two_runs_create_each_task_once(store_a: Any, store_b: Any) -> None:
    for store in (store_a, store_b):
        for days in (1, 3, 5):
            _delivery(store, ago=days * DAY)
            _visit(store, ago=days * DAY)
    first = services.callback_tasks_generate()
    count = CallbackTask.objects.count()
    second = services.callback_tasks_generate()
    assert CallbackTask.objects.count() == count
    assert first["created_sales"] == 6 and first["created_after_sales"] == 6
    assert second["created_sales"] == 0 and second["created_after_sales"] == 0
    assert second["created_five_dimension"] == 0


def test_a_finished_task_is_never_recreated(store_a: Any) -> None:
    sale = _delivery(store_a, ago=5 * DAY)
    services.callback_tasks_generate()
    CallbackTask.objects.filter(sale=sale).update(
        status=TaskStatus.CANCELLED, close_reason=CloseReason.MANUAL
    )
    services.callback_tasks_generate()
    assert CallbackTask.objects.filter(sale=sale).count() == 1


def test_do_not_contact_is_skipped_with_the_reason_counted_once(store_a: Any) -> None:
    sale = _delivery(store_a, ago=4 * DAY, do_not_contact=True, do_not_contact_reason="客户要求不再来电")
    first = services.callback_tasks_generate()
    second = services.callback_tasks_generate()
    task = CallbackTask.objects.get(sale=sale)
    assert first["skipped_do_not_contact_sales"] == 1 and first["created_sales"] == 0
    assert second["skipped_do_not_contact_sales"] == 0
    assert task.status == TaskStatus.CANCELLED and task.close_reason == CloseReason.DO_NOT_CONTACT


@pytest.fixture
def last_working_day_of_the_quarter() -> Any:
    """31 March 2026 (Tue): the day's share of the five-dimension survey is everyone still to reach."""
    with time_machine.travel(dt.datetime(2026, 3, 31, 10, 0, tzinfo=SH), tick=False) as traveller:
        yield traveller


def test_five_dimension_sample_skips_recently_surveyed_and_do_not_contact(
    last_working_day_of_the_quarter: Any, store_a: Any, agent: Any
) -> None:
    eligible = [_visit(store_a, ago=40 * DAY).customer for _ in range(3)]
    dnc = _visit(store_a, ago=40 * DAY, do_not_contact=True, do_not_contact_reason="勿扰").customer
    surveyed = _visit(store_a, ago=40 * DAY).customer
    Survey.objects.create(
        store=store_a, customer=surveyed, type=SurveyType.AFTER_SALES, surveyed_at=timezone.now() - 30 * DAY,
        surveyed_by=agent, score=95, score_used=95, suggested_grade="B", grade="B",
    )  # fmt: skip
    never_visited = CustomerFactory(store=store_a)
    summary = services.callback_tasks_generate()
    again = services.callback_tasks_generate()
    sampled = set(
        CallbackTask.objects.filter(type=SurveyType.FIVE_DIMENSION).values_list("customer_id", flat=True)
    )
    assert sampled == {c.pk for c in eligible}
    assert dnc.pk not in sampled and surveyed.pk not in sampled and never_visited.pk not in sampled
    assert summary["created_five_dimension"] == 3 and again["created_five_dimension"] == 0
    period = quarter_key(timezone.localdate())
    assert set(
        CallbackTask.objects.filter(type=SurveyType.FIVE_DIMENSION).values_list("period", flat=True)
    ) == {period}


def test_rule_five_dimension_reaches_every_active_customer_once_a_quarter_spread_over_working_days(
    store_a: Any, agent: Any
) -> None:
    """DOMAIN §9 "Report scope" / training deck "平均每位客户每季度被回访一次": not a fixed sample;
    each working day draws the customers still to reach ÷ the quarter's working days left, and
    nobody is drawn on a day off. 2026-03-11 (Wed) → 31 March: 15 working days for 30 customers."""
    start = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        customers = {_visit(store_a, ago=40 * DAY).customer.pk for _ in range(30)}
    per_day: dict[dt.date, int] = {}
    day = start
    while day.month == 3:
        with time_machine.travel(day, tick=False):
            made = services.callback_tasks_generate()["created_five_dimension"]
            assert services.callback_tasks_generate()["created_five_dimension"] == 0  # twice = once
        per_day[day.date()] = made
        day += DAY
    drawn = list(
        CallbackTask.objects.filter(type=SurveyType.FIVE_DIMENSION).values_list("customer_id", flat=True)
    )
    assert sorted(drawn) == sorted(customers)  # every active customer, once
    assert per_day[dt.date(2026, 3, 11)] == 2  # ceil(30 / 15)
    assert per_day[dt.date(2026, 3, 14)] == per_day[dt.date(2026, 3, 15)] == 0  # the weekend
    assert max(per_day.values()) == 2 and sum(1 for n in per_day.values() if n) == 15


def test_five_dimension_daily_share_stays_within_the_agents_capacity(
    clock: Any, store_a: Any, agent: Any
) -> None:
    for _ in range(40):
        _visit(store_a, ago=40 * DAY)
    with override_settings(CSAT={**_csat(), "FIVE_DIMENSION_CALLS_PER_AGENT_DAY": 1}):
        made = services.callback_tasks_generate()["created_five_dimension"]
    assert made == 1  # one agent × 1 call, although ceil(40 / 15) = 3 are still to reach today


def test_expiry_cancels_open_tasks_past_fifteen_days_once(store_a: Any, make_task: Any) -> None:
    stale = make_task(store_a, due_in=-16 * DAY)
    fresh = make_task(store_a, due_in=-14 * DAY)
    done = make_task(store_a, due_in=-20 * DAY, status=TaskStatus.DONE, close_reason=CloseReason.SURVEYED)
    assert services.callback_tasks_expire() == 1
    assert services.callback_tasks_expire() == 0
    stale.refresh_from_db()
    fresh.refresh_from_db()
    done.refresh_from_db()
    assert stale.status == TaskStatus.CANCELLED and stale.close_reason == CloseReason.EXPIRED
    assert fresh.status == TaskStatus.PENDING and done.status == TaskStatus.DONE
    assert CallbackEvent.objects.filter(task=stale, action="expire").count() == 1


def _csat() -> dict[str, Any]:
    return dict(settings.CSAT)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_create_each_task_once(store_a: Any) -> None:
    """Two generation runs in parallel threads (own connections): the unique sources absorb the race."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to test")
    for days in range(1, 9):
        _delivery(store_a, ago=days * DAY)
        _visit(store_a, ago=days * DAY)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            services.callback_tasks_generate()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert CallbackTask.objects.filter(type=SurveyType.SALES).count() == 8
    assert CallbackTask.objects.filter(type=SurveyType.AFTER_SALES).count() == 8
    assert CallbackTask.objects.values("sale").exclude(sale=None).distinct().count() == 8
