"""A failed call sets a "next try after" time (issue #22, agent queue): the task leaves the work queue
and "领取下一个任务" until CSAT["RETRY_AFTER_MINUTES"] (default 2 hours) after the attempt, so the same
unreachable customer does not come back a minute later. A booked call-back keeps its agreed time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from callbacks import selectors
from callbacks.models import CallAttempt, CallbackTask, Outcome

pytestmark = pytest.mark.django_db


def _queue(user: Any) -> list[int]:
    client = Client()
    client.force_login(user)
    return [task.pk for task in client.get("/callbacks/").context["tasks"]]


def test_failed_call_waits_until_the_next_try_after_time(
    clock: Any, settings: Any, make_task: Callable[..., CallbackTask], agent: Any, store: Any
) -> None:
    settings.CSAT = {**settings.CSAT, "RETRY_AFTER_MINUTES": 120}
    tried = make_task(store, due_in=dt.timedelta(hours=-2))
    fresh = make_task(store, due_in=dt.timedelta(hours=-1))
    CallAttempt.objects.create(task=tried, outcome=Outcome.NO_ANSWER, at=timezone.now(), by=agent)
    assert _queue(agent) == [fresh.pk]
    client = Client()
    client.force_login(agent)
    response = client.post("/callbacks/next/")
    assert response.status_code == 302 and response["Location"] == f"/callbacks/{fresh.pk}/"
    call_page = client.get(response["Location"]).content.decode()
    assert f'href="tel:{fresh.customer.mobile}" data-testid="dial"' in call_page  # one tap to dial
    # The column says what it shows: how many calls, and when the last one was made with its
    # outcome (issue #22; renamed from "已拨打次数 · 最近一次", which left "最近一次" of what unsaid).
    assert "拨打次数 · 最近一次拨打" in client.get("/callbacks/").content.decode()
    assert selectors.next_try_at(timezone.now()) == timezone.now() + dt.timedelta(hours=2)
    clock.shift(dt.timedelta(minutes=119))
    assert tried.pk not in _queue(agent)
    clock.shift(dt.timedelta(minutes=2))
    assert tried.pk in _queue(agent)


def test_a_reached_or_booked_attempt_does_not_hold_the_task_back(
    clock: Any, make_task: Callable[..., CallbackTask], agent: Any, store: Any
) -> None:
    task = make_task(store, due_in=dt.timedelta(hours=-1))
    CallAttempt.objects.create(task=task, outcome=Outcome.WRONG_NUMBER, at=timezone.now(), by=agent)
    assert task.pk in _queue(agent)


def test_the_call_page_shows_when_the_task_may_be_called_again(
    clock: Any, settings: Any, make_task: Callable[..., CallbackTask], agent: Any, store: Any
) -> None:
    settings.CSAT = {**settings.CSAT, "RETRY_AFTER_MINUTES": 120}
    task = make_task(store, due_in=dt.timedelta(hours=-1))
    client = Client()
    client.force_login(agent)
    assert 'data-testid="next-try"' not in client.get(f"/callbacks/{task.pk}/").content.decode()
    tried_at = timezone.now()
    CallAttempt.objects.create(task=task, outcome=Outcome.BUSY, at=tried_at, by=agent)
    page = client.get(f"/callbacks/{task.pk}/").content.decode()
    shown = f"{timezone.localtime(tried_at + dt.timedelta(hours=2)):%Y-%m-%d %H:%M} 之后"
    assert f'data-testid="next-try">{shown}' in page
    clock.shift(dt.timedelta(minutes=121))  # the time has come: the task is back, the note gone
    assert 'data-testid="next-try"' not in client.get(f"/callbacks/{task.pk}/").content.decode()
