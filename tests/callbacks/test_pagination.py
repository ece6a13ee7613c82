"""Keyset (cursor) pagination of the large API lists, on /api/callbacks/: every row exactly once in
order, forwards and backwards, ties on the sort key broken by id, rows added meanwhile neither skipped
nor repeated, no COUNT; numbered pages with a count on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from callbacks.models import CallbackTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(store_a: Any, make_task: Callable[..., CallbackTask]) -> list[CallbackTask]:
    """Seven tasks, three of them due at the very same moment."""
    made = [make_task(store_a, due_in=dt.timedelta(hours=-h)) for h in (5, 1, 3, 4)]
    same = timezone.now() - dt.timedelta(hours=2)
    for _ in range(3):
        task = make_task(store_a)
        CallbackTask.objects.filter(pk=task.pk).update(due_at=same, expires_at=same + dt.timedelta(days=15))
        made.append(task)
    return list(CallbackTask.objects.filter(pk__in=[t.pk for t in made]).order_by("due_at", "id"))


def _walk(client: Any, url: str, *, backwards_from: dict[str, Any] | None = None) -> list[list[int]]:
    pages = []
    body = backwards_from or client.get(url).json()
    while True:
        pages.append([row["id"] for row in body["results"]])
        link = body["previous"] if backwards_from else body["next"]
        if not link:
            return pages
        response = client.get(link)
        assert response.status_code == 200
        body = response.json()


def test_every_row_once_in_order_both_ways(client_for: Any, agent: Any, tasks: list[CallbackTask]) -> None:
    client = client_for(agent)
    expected = [t.pk for t in tasks]
    first = client.get("/api/callbacks/?page_size=3").json()
    assert set(first) == {"next", "previous", "results"} and first["previous"] is None
    pages = _walk(client, "/api/callbacks/?page_size=3")
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]

    last = client.get("/api/callbacks/?page_size=3")
    for _ in range(2):
        last = client.get(last.json()["next"])
    back = _walk(client, "", backwards_from=last.json())
    assert back == [expected[6:7], expected[3:6], expected[0:3]]

    newest_first = _walk(client, "/api/callbacks/?page_size=2&ordering=-due_at,-id")
    assert sum(newest_first, []) == expected[::-1]


def test_rows_added_while_paging_are_not_repeated_or_skipped(
    client_for: Any,
    agent: Any,
    store_a: Any,
    tasks: list[CallbackTask],
    make_task: Callable[..., CallbackTask],
) -> None:
    client = client_for(agent)
    first = client.get("/api/callbacks/?page_size=3").json()
    early = make_task(store_a, due_in=dt.timedelta(hours=-10))  # sorts before the first page
    late = make_task(store_a, due_in=dt.timedelta(hours=5))
    body = client.get(first["next"]).json()
    rest = [row["id"] for row in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        rest += [row["id"] for row in body["results"]]
    seen = [row["id"] for row in first["results"]] + rest
    assert seen == [t.pk for t in tasks] + [late.pk]
    assert early.pk not in seen


def test_a_page_is_one_query_without_count_and_numbered_pages_count(
    client_for: Any, agent: Any, tasks: list[CallbackTask]
) -> None:
    client = client_for(agent)
    second = client.get("/api/callbacks/?page_size=3").json()["next"]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(second).status_code == 200
    assert len(ctx.captured_queries) == 1
    assert not ctx.captured_queries[0]["sql"].startswith("SELECT COUNT")
    numbered = client.get("/api/callbacks/?page_size=3&page=2").json()
    assert numbered["count"] == 7 and [r["id"] for r in numbered["results"]] == [t.pk for t in tasks[3:6]]


def test_a_forged_cursor_is_a_404(client_for: Any, agent: Any, tasks: list[CallbackTask]) -> None:
    client = client_for(agent)
    assert client.get("/api/callbacks/?cursor=not-a-cursor").status_code == 404
    assert client.get("/api/callbacks/?cursor=eyJrIjpbMV0sImIiOmZhbHNlfQ").status_code == 404  # 1 key of 2
