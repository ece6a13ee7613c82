"""Claiming (two agents never hold one task), call attempts and the unreachable rule, roles."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from callbacks import services
from callbacks.models import (
    CallAttempt,
    CallbackEvent,
    CallbackTask,
    Channel,
    CloseReason,
    Outcome,
    TaskStatus,
)
from csat.exceptions import ApplicationError, NotAllowedError

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_claim_takes_the_task_and_a_second_agent_gets_409(
    store_a: Any, agent: Any, agent2: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    claimed = services.callback_task_claim(task=task, actor=agent)
    assert claimed.status == TaskStatus.IN_PROGRESS and claimed.claimed_by == agent
    with pytest.raises(ApplicationError, match="已被"):
        services.callback_task_claim(task=task, actor=agent2)
    # Claiming one's own task again changes nothing.
    services.callback_task_claim(task=task, actor=agent)
    assert CallbackEvent.objects.filter(task=task, action="claim").count() == 1


def test_a_stale_claim_may_be_taken_over(store_a: Any, agent: Any, agent2: Any, make_task: Any) -> None:
    task = make_task(store_a)
    services.callback_task_claim(task=task, actor=agent)
    CallbackTask.objects.filter(pk=task.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=3))
    assert services.callback_task_claim(task=task, actor=agent2).claimed_by == agent2


def test_release_puts_the_task_back(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    services.callback_task_claim(task=task, actor=agent)
    released = services.callback_task_release(task=task, actor=agent)
    assert released.status == TaskStatus.PENDING and released.claimed_by is None


def test_claim_next_skips_tasks_held_by_others(store_a: Any, agent: Any, agent2: Any, make_task: Any) -> None:
    first = make_task(store_a, due_in=-3 * DAY)
    second = make_task(store_a, due_in=-2 * DAY)
    services.callback_task_claim(task=first, actor=agent)
    candidates = CallbackTask.objects.filter(status__in=["pending", "in_progress"]).order_by("due_at")
    assert services.callback_task_claim_next(actor=agent2, candidates=candidates) == second
    assert (
        services.callback_task_claim_next(actor=agent2, candidates=candidates.exclude(pk=second.pk)) is None
    )


@pytest.mark.parametrize("role_user", ["sales_manager", "gm", "hq", "front_line"])
def test_only_customer_care_may_claim_or_call(
    store_a: Any, make_task: Any, role_user: str, request: Any
) -> None:
    user = request.getfixturevalue(role_user)
    task = make_task(store_a)
    with pytest.raises(NotAllowedError):
        services.callback_task_claim(task=task, actor=user)
    with pytest.raises(NotAllowedError):
        services.call_attempt_log(task=task, actor=user, outcome=Outcome.NO_ANSWER)


def test_another_stores_task_cannot_be_worked(store_a: Any, agent_b: Any, make_task: Any) -> None:
    with pytest.raises(NotAllowedError):
        services.call_attempt_log(task=make_task(store_a), actor=agent_b, outcome=Outcome.REACHED)


def test_reached_keeps_the_task_with_the_agent_for_the_survey(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    attempt = services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REACHED, note="客户方便")
    task.refresh_from_db()
    assert attempt.by == agent and attempt.note == "客户方便"
    assert (
        task.status == TaskStatus.IN_PROGRESS and task.claimed_by == agent and task.reached_at == attempt.at
    )


def test_refused_closes_the_task_as_reached_without_survey(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REFUSED)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.close_reason == CloseReason.REFUSED and task.reached_at


def test_call_back_later_needs_a_future_time_and_reserves_the_task(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    with pytest.raises(ApplicationError, match="回拨时间"):
        services.call_attempt_log(task=task, actor=agent, outcome=Outcome.CALL_BACK_LATER)
    with pytest.raises(ApplicationError, match="晚于现在"):
        services.call_attempt_log(
            task=task, actor=agent, outcome=Outcome.CALL_BACK_LATER, call_back_at=timezone.now() - DAY
        )
    later = timezone.now() + dt.timedelta(hours=2)
    services.call_attempt_log(task=task, actor=agent, outcome=Outcome.CALL_BACK_LATER, call_back_at=later)
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and task.callback_later_at == later and task.assigned_to == agent
    assert task.reached_at is None


def _fail_on(task: Any, agent: Any, when: dt.datetime, outcome: str = Outcome.NO_ANSWER) -> Any:
    with time_machine.travel(when, tick=False):
        services.call_attempt_log(task=task, actor=agent, outcome=outcome)
    task.refresh_from_db()
    return task


def test_three_failed_attempts_on_different_days_make_it_unreachable(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    start = timezone.now().replace(hour=2, minute=0)  # 10:00 Beijing time
    with time_machine.travel(start - dt.timedelta(hours=1), tick=False):  # generated before the calls
        task = make_task(store_a, due_in=dt.timedelta(hours=1))
    task = _fail_on(task, agent, start)
    task = _fail_on(task, agent, start + dt.timedelta(hours=3), Outcome.BUSY)  # same day: still 1 day
    assert task.status == TaskStatus.PENDING
    task = _fail_on(task, agent, start + DAY)
    assert task.status == TaskStatus.PENDING
    task = _fail_on(task, agent, start + 2 * DAY, Outcome.BUSY)
    assert task.status == TaskStatus.UNREACHABLE and task.suggested_channel == Channel.LETTER
    assert CallAttempt.objects.filter(task=task).count() == 4


def test_five_consecutive_days_unreachable(store_a: Any, agent: Any, make_task: Any) -> None:
    start = timezone.now().replace(hour=2, minute=0)
    with time_machine.travel(start - dt.timedelta(hours=1), tick=False):  # generated before the calls
        task = make_task(store_a, due_in=dt.timedelta(hours=1))
    task = _fail_on(task, agent, start)
    task = _fail_on(task, agent, start + 3 * DAY)
    assert task.status == TaskStatus.PENDING  # 2 days so far, 4 days apart
    task = _fail_on(task, agent, start + 4 * DAY + dt.timedelta(hours=1))
    assert task.status == TaskStatus.UNREACHABLE  # 3rd day and 5-day span at once


def test_contact_resets_the_failure_count(store_a: Any, agent: Any, make_task: Any) -> None:
    start = timezone.now().replace(hour=2, minute=0)
    with time_machine.travel(start - dt.timedelta(hours=1), tick=False):  # generated before the calls
        task = make_task(store_a, due_in=dt.timedelta(hours=1))
    task = _fail_on(task, agent, start)
    task = _fail_on(task, agent, start + DAY)
    with time_machine.travel(start + DAY + dt.timedelta(hours=1), tick=False):
        services.call_attempt_log(
            task=task,
            actor=agent,
            outcome=Outcome.CALL_BACK_LATER,
            call_back_at=start + 2 * DAY + dt.timedelta(hours=1),
        )
    task = _fail_on(task, agent, start + 2 * DAY + dt.timedelta(hours=1))
    assert task.status == TaskStatus.PENDING


def test_wrong_number_is_unreachable_at_once(store_a: Any, agent: Any, make_task: Any) -> None:
    task = _fail_on(make_task(store_a), agent, timezone.now(), Outcome.WRONG_NUMBER)
    assert task.status == TaskStatus.UNREACHABLE


def test_closed_or_expired_tasks_take_no_attempts(store_a: Any, agent: Any, make_task: Any) -> None:
    done = make_task(store_a, status=TaskStatus.DONE)
    with pytest.raises(ApplicationError, match="已完成"):
        services.call_attempt_log(task=done, actor=agent, outcome=Outcome.REACHED)
    expired = make_task(store_a, due_in=-16 * DAY)
    with pytest.raises(ApplicationError, match="有效期"):
        services.call_attempt_log(task=expired, actor=agent, outcome=Outcome.REACHED)


def test_do_not_contact_customer_is_never_called(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    task.customer.do_not_contact, task.customer.do_not_contact_reason = True, "投诉后要求勿扰"
    task.customer.save()
    with pytest.raises(ApplicationError, match="勿扰"):
        services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REACHED)


def test_manager_assigns_and_cancels(store_a: Any, ccmanager: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    assert services.callback_task_assign(task=task, actor=ccmanager, agent=agent).assigned_to == agent
    with pytest.raises(NotAllowedError):
        services.callback_task_cancel(task=task, actor=agent, reason="重复")
    cancelled = services.callback_task_cancel(task=task, actor=ccmanager, reason="客户已退车")
    assert cancelled.status == TaskStatus.CANCELLED and cancelled.close_reason == CloseReason.MANUAL


@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_once_one_wins(store_a: Any, agent: Any, agent2: Any, make_task: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises whole-database writes)")
    task = make_task(store_a)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            services.callback_task_claim(task=task.pk, actor=user)
            results[user.username] = "claimed"
        except ApplicationError:
            results[user.username] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (agent, agent2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == ["claimed", "conflict"]
    task.refresh_from_db()
    assert results[task.claimed_by.username] == "claimed"
