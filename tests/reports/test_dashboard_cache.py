"""The report dashboard serves cached figures with their "as of" time and refreshes them in the
background, never while the page waits (issue #25)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports import dashboard
from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import MONTH, at, make_complaint
from tests.reports.conftest import DASHBOARD_FRESH

FRESH = DASHBOARD_FRESH
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dashboard_cache")]


def _total(store: Any) -> tuple[int, bool]:
    data, refreshing, _key = dashboard.dashboard_figures(month=MONTH, store=store)
    return data["complaints"]["total"], refreshing


def _add(march: Any, number: str) -> None:
    make_complaint(march.store, number, received=at(3, 20, 10), received_by=march.users["ccm"])


def test_figures_are_served_from_the_cache_then_refreshed_in_the_background(
    march: Any, time_machine: Any
) -> None:
    before, refreshing = _total(march.store)  # cold, nothing stored: computed once and kept
    assert not refreshing
    _add(march, "TX-NEW")
    assert _total(march.store) == (before, False)  # fresh enough: the kept figures, no refresh
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    # Stale: the page still gets the kept figures at once, and one refresh is queued (tests run
    # Celery eagerly, so it has run when the call returns) …
    assert _total(march.store) == (before, True)
    # … and the next view shows the recomputed figures.
    assert _total(march.store) == (before + 1, False)


def test_one_refresh_at_a_time_however_many_views(march: Any, time_machine: Any) -> None:
    _total(march.store)
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay") as delay:
        assert _total(march.store)[1] is True
        assert _total(march.store)[1] is False  # already queued: not twice
        assert _total(None)[1] is False  # the group's figures: cold, computed, fresh
    assert delay.call_count == 1
    month, store_id, language = delay.call_args.args
    assert (month, store_id) == ("2026-03", march.store.pk) and language


def test_a_refresh_that_runs_twice_changes_nothing_but_the_time(march: Any) -> None:
    """Idempotent: a task delivered twice recomputes the same figures."""
    _total(march.store)
    from reports.tasks import refresh_dashboard_figures

    refresh_dashboard_figures("2026-03", march.store.pk, "zh-hans")
    refresh_dashboard_figures("2026-03", march.store.pk, "zh-hans")
    assert _total(march.store)[0] == _total(march.store)[0]


def test_a_cold_cache_serves_the_newest_stored_version(march: Any) -> None:
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    _add(march, "TX-AFTER")  # not in the stored version
    data, refreshing, _key = dashboard.dashboard_figures(month=MONTH, store=march.store)
    assert data == report.data  # as of the version's own time, which the page shows
    assert not refreshing  # the version is fresh


def test_the_page_says_how_old_the_figures_are_and_that_they_are_being_updated(
    march: Any, time_machine: Any
) -> None:
    client = Client()
    client.force_login(march.users["gm"])
    first = client.get("/reports/", {"month": "2026-03"}).content.decode()
    assert "数据截至" in first and "正在后台更新" not in first
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay"):
        stale = client.get("/reports/", {"month": "2026-03"}).content.decode()
    assert "正在后台更新" in stale


def test_the_cached_page_reads_a_fixed_small_number_of_queries(march: Any) -> None:
    """Warm: the figures and their rendered sections come from the cache; what is read is the
    session, the user, the drill-down list (live: each user's own tickets) and the versions."""
    client = Client()
    client.force_login(march.users["gm"])
    client.get("/reports/", {"month": "2026-03"})
    counts = []
    for i in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reports/", {"month": "2026-03"}).status_code == 200
        counts.append(len(ctx.captured_queries))
        for k in range(3):
            _add(march, f"TX-{i}-{k}")
    assert counts[0] == counts[1] <= 10, counts
