"""The agent's home shows the agent's work (issue #22): due today, overdue, my booked call-backs and
my numbers today, each linking to the work queue kept to that part (``?due=``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from callbacks.models import CallAttempt, CallbackTask, Outcome, TaskStatus

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agent_home_counts_due_today_overdue_booked_and_my_calls(
    clock: Any, make_task: Callable[..., CallbackTask], agent: Any, agent2: Any, store: Any
) -> None:
    make_task(store, due_in=dt.timedelta(hours=-1))  # due today (10:00 → 09:00)
    make_task(store, due_in=dt.timedelta(hours=3))
    make_task(store, due_in=dt.timedelta(days=-2))  # overdue
    later = timezone.now() + dt.timedelta(days=1)
    mine = make_task(store, status=TaskStatus.IN_PROGRESS, claimed_by=agent, callback_later_at=later)
    make_task(store, status=TaskStatus.IN_PROGRESS, claimed_by=agent2, callback_later_at=later)
    CallAttempt.objects.create(task=mine, outcome=Outcome.NO_ANSWER, at=timezone.now(), by=agent)
    response = _client(agent).get("/")
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    assert (tiles["due_today"].count, tiles["overdue"].count, tiles["booked"].count) == (2, 1, 1)
    assert (tiles["my_calls"].count, tiles["my_surveys"].count) == (1, 0)
    for key in ("due_today", "overdue", "booked"):
        queue = _client(agent).get(tiles[key].url)
        assert queue.status_code == 200
        assert len(queue.context["tasks"]) == tiles[key].count, key
    # A booked call-back for tomorrow is not in the queue of what to call now.
    assert mine.pk not in [t.pk for t in _client(agent).get("/callbacks/").context["tasks"]]


def test_the_queue_figures_due_today_agree_with_the_home_tile(
    clock: Any, make_task: Callable[..., CallbackTask], agent: Any, store: Any
) -> None:
    """A task due today that was already surveyed is no longer "今日到期": the figures card above the
    queue said 1 beside a home tile and a queue of 0."""
    make_task(store, due_in=dt.timedelta(hours=-1), status=TaskStatus.DONE)
    make_task(store, due_in=dt.timedelta(hours=2))
    home = _client(agent).get("/")
    tile = {tile.key: tile for tile in home.context["tiles"]}["due_today"]
    queue = _client(agent).get("/callbacks/")
    assert tile.count == 1
    assert queue.context["figures"]["due_today"] == 1
    assert "今日到期 1 个" in queue.content.decode()


def test_a_booked_call_back_shows_its_day(
    clock: Any, make_task: Callable[..., CallbackTask], agent: Any, store: Any
) -> None:
    """The booked badge in the queue gave the time alone: tomorrow's 11:20 read as a slot missed today."""
    tomorrow = timezone.localtime() + dt.timedelta(days=1, hours=1)
    make_task(store, status=TaskStatus.IN_PROGRESS, claimed_by=agent, callback_later_at=tomorrow)
    body = _client(agent).get("/callbacks/?due=booked").content.decode()
    assert f"约定回拨 {tomorrow:%m-%d %H:%M}" in body
