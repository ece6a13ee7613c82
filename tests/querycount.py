"""Query-count guards: a list answers in the same, small number of queries whatever its length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def client_for(user: Any, *, api: bool) -> Any:
    client: Any
    if api:
        client = APIClient()
        client.force_authenticate(user=user)
    else:
        client = Client()
        client.force_login(user)
    return client


def count_queries(client: Any, url: str) -> tuple[int, str]:
    """(queries, body) of one GET that must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(ctx.captured_queries), body.decode(errors="replace")


def assert_flat(
    endpoints: dict[str, tuple[Any, str, bool]],
    grow: Callable[[int], Any],
    *,
    pinned: dict[str, int],
    n: int = 2,
) -> dict[str, str]:
    """Measure every endpoint (label → user, url, api?) with ``n`` rows and with ``3n`` (``grow(k)`` adds
    k rows): the counts are equal, and equal to ``pinned``. Returns the bodies of the large run."""
    clients = {label: client_for(user, api=api) for label, (user, _url, api) in endpoints.items()}

    def measure() -> dict[str, tuple[int, str]]:
        return {label: count_queries(clients[label], url) for label, (_u, url, _a) in endpoints.items()}

    # Warm: what a page keeps per user across requests (the navigation's unread count, kept under
    # its revision) is read from the cache in both runs alike.
    measure()
    grow(n)
    small = {label: q for label, (q, _b) in measure().items()}
    grow(2 * n)
    large_run = measure()
    large = {label: q for label, (q, _b) in large_run.items()}
    assert large == small, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert small == pinned, small
    return {label: body for label, (_q, body) in large_run.items()}
