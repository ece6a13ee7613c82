"""The report dashboard's content kept whole (issue #25: the group's dashboard ≥ 50× the peer's).

The content is kept per user, language and query (csat.fragments) under the revision
``report_dashboard``: the tables it reads besides its figures, and every new copy of the figures
(reports.dashboard replaces the token when it stores one). It is kept no longer than its figures are
fresh, so a view after that still asks for their refresh and says so (DOMAIN §8's dashboard shows
how old its figures are; the stale-read rule is written in reports/dashboard.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from csat import fragments
from csat.models import DepartmentKind
from reports import dashboard
from reports.selectors import GROUP
from tests.kept import assert_watched
from tests.reports.builders import (
    at,
    dashboard_drilled,
    dashboard_page,
    dashboard_total,
    dept,
    make_complaint,
)
from tests.reports.conftest import DASHBOARD_FRESH

FRESH = DASHBOARD_FRESH
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dashboard_cache")]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _add(march: Any, number: str, **fields: Any) -> Complaint:
    return make_complaint(
        march.store, number, received=at(3, 20, 10), received_by=march.users["ccm"], **fields
    )


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("gm", {}),
        ("gm", {"drill": "open"}),
        ("gm", {"drill": "reopened"}),
        ("hq", {"scope": GROUP}),
        ("sales_mgr", {}),
    ],
)
def test_every_table_the_content_reads_replaces_its_revision_when_written(
    march: Any, built_reads: list[set[str]], who: str, params: dict[str, str]
) -> None:
    client = _client(march.users[who])
    dashboard_page(client, **params)  # the figures are computed and kept (they read the survey tables)
    built_reads.clear()
    _add(march, "TX-BUST")  # a write: the next view builds the content again, figures warm
    dashboard_page(client, **params)
    assert len(built_reads) == 1
    assert_watched(built_reads, "report_dashboard", f"the report dashboard ({who}, {params})")


def test_a_warm_view_reads_no_figures_and_no_tickets_and_shows_the_same_page(march: Any) -> None:
    client = _client(march.users["gm"])
    dashboard_page(client)  # figures computed: a new copy of them, so the content is built again next time
    first = dashboard_page(client)
    with CaptureQueriesContext(connection) as ctx:
        kept = dashboard_page(client)
    # Nothing: the session, the user and the unread count are kept (csat.sessions, csat.backends,
    # csat.fragments).
    assert len(ctx.captured_queries) == 0, [q["sql"][:80] for q in ctx.captured_queries]
    assert fragments.CSRF_PLACEHOLDER not in kept and "csrfmiddlewaretoken" in kept
    assert dashboard_total(kept) == dashboard_total(first) and dashboard_drilled(kept) == dashboard_drilled(
        first
    )


def test_a_new_ticket_is_listed_at_once_and_new_figures_show_at_once(march: Any, time_machine: Any) -> None:
    client = _client(march.users["gm"])
    total = dashboard_total(dashboard_page(client))
    new = _add(march, "TX-NEW")
    listed = dashboard_page(client)
    assert new.pk in dashboard_drilled(listed)  # the records behind the figures are live
    assert dashboard_total(listed) == total  # the figures are the cached copy (fresh): as of their time
    assert dashboard_total(dashboard_page(client)) == total  # kept: nothing was written since
    # A new copy of the figures (the background refresh) replaces the kept page at once.
    time_machine.shift(dt.timedelta(seconds=10))  # well within the 60 s a page may be kept
    dashboard.refresh("2026-03", march.store.pk, "zh-hans")
    assert dashboard_total(dashboard_page(client)) == total + 1


def test_stale_figures_are_not_kept_past_their_time(march: Any, time_machine: Any) -> None:
    """A kept page never hides that its figures went stale: the view after that queues the refresh
    and says the figures are being updated."""
    client = _client(march.users["gm"])
    dashboard_page(client)
    dashboard_page(client)
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay") as delay:
        stale = dashboard_page(client)
    assert "正在后台更新" in stale and delay.call_count == 1


def test_while_a_refresh_is_on_its_way_every_viewer_is_told_and_the_page_is_kept(
    march: Any, time_machine: Any
) -> None:
    gm, ccm = _client(march.users["gm"]), _client(march.users["ccm"])
    dashboard_page(gm)
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay") as delay:
        assert "正在后台更新" in dashboard_page(gm)  # queued by this view
        assert "正在后台更新" in dashboard_page(ccm)  # already queued: said too, not queued twice
        with CaptureQueriesContext(connection) as ctx:
            assert "正在后台更新" in dashboard_page(ccm)
    assert delay.call_count == 1
    assert len(ctx.captured_queries) == 0  # kept until the refresh's new figures replace it


def test_with_the_broker_down_stale_figures_are_not_kept_and_each_view_asks_again(
    march: Any, time_machine: Any
) -> None:
    client = _client(march.users["gm"])
    dashboard_page(client)
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    with mock.patch("reports.tasks.refresh_dashboard_figures.delay", side_effect=ConnectionError) as delay:
        first, second = dashboard_page(client), dashboard_page(client)
    assert "正在后台更新" not in first and "正在后台更新" not in second  # nothing is on its way
    assert delay.call_count == 2  # not kept: the second view tried again


def test_each_user_gets_their_own_records(march: Any) -> None:
    """The general manager's kept page never reaches the sales manager, who sees only the tickets
    of their department (issue #21's record access)."""
    service = dept(march.store, DepartmentKind.SERVICE)
    sales = dept(march.store, DepartmentKind.SALES)
    in_service = _add(march, "TX-SERVICE", department=service)
    in_sales = _add(march, "TX-SALES", department=sales)
    gm_page = dashboard_page(_client(march.users["gm"]))
    assert {in_service.pk, in_sales.pk} <= dashboard_drilled(gm_page)
    mgr_page = dashboard_page(_client(march.users["sales_mgr"]))
    assert in_sales.pk in dashboard_drilled(mgr_page) and in_service.pk not in dashboard_drilled(mgr_page)


def test_each_language_has_its_own_page(march: Any) -> None:
    client = _client(march.users["gm"])
    chinese = dashboard_page(client)
    client.cookies["django_language"] = "en"
    english = dashboard_page(client)
    assert "投诉分析" in chinese and "Complaint analysis" in english and "投诉分析" not in english


def test_the_kept_pages_forms_post_with_the_requests_own_token(march: Any) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(march.users["gm"])
    dashboard_page(strict)  # built and kept
    page = dashboard_page(strict)  # kept
    token = re.search(
        r'action="/reports/build/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    assert token and token.group(1) != fragments.CSRF_PLACEHOLDER
    response = strict.post("/reports/build/", {"csrfmiddlewaretoken": token.group(1), "month": "2026-03"})
    assert response.status_code == 302  # not 403: the token is this session's


def test_figures_computed_live_are_not_kept(march: Any, settings: Any) -> None:
    """``REPORT_DASHBOARD_FRESH_SECONDS`` 0: every view computes the figures, so nothing is kept."""
    settings.CSAT = {**settings.CSAT, "REPORT_DASHBOARD_FRESH_SECONDS": 0}
    client = _client(march.users["gm"])
    dashboard_page(client)
    with CaptureQueriesContext(connection) as ctx:
        dashboard_page(client)
    assert len(ctx.captured_queries) > 10  # the figures' own queries, every view
