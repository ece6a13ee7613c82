"""The report dashboard on a bad day: with Redis refusing every call (its figures, their refresh
lock and the kept pages all live there), every view still answers with the figures, computed
live or from the newest stored version, and queues no refresh it could not keep."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from csat import caching
from reports.models import Trigger
from reports.selectors import GROUP
from reports.services import report_build
from tests.reports.builders import MONTH, dashboard_page, dashboard_total

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dashboard_cache")]


@pytest.fixture
def cache_down(settings: Any) -> Iterator[None]:
    """The cache is a Redis nobody answers (connection refused on every call)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    caching.cache_recovered()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    yield
    caching.cache_recovered()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("cache_down")
@pytest.mark.parametrize("scope", ["store", "group"])
def test_with_the_cache_down_the_dashboard_shows_its_figures(march: Any, scope: str) -> None:
    # the store's GM, and head office at group scope
    client = _client(march.users["gm" if scope == "store" else "hq"])
    params = {} if scope == "store" else {"scope": GROUP}
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay") as delay:
        first, second = dashboard_page(client, **params), dashboard_page(client, **params)
    assert dashboard_total(first) == dashboard_total(second) > 0
    assert delay.call_count == 0  # figures computed live are fresh: nothing to refresh


@pytest.mark.usefixtures("cache_down")
def test_with_the_cache_down_stale_stored_figures_are_shown_and_no_refresh_is_queued(
    march: Any, time_machine: Any
) -> None:
    report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON)
    time_machine.shift(3600)  # the stored version is older than the fresh time
    client = _client(march.users["gm"])
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay") as delay:
        page = dashboard_page(client)
    assert dashboard_total(page) > 0
    # Its result could not be kept: a refresh per view would only load the workers.
    assert delay.call_count == 0
    assert "正在后台更新" not in page
