"""Issue #25: the report dashboard's complaint figures are rendered once per computation of the
figures (cached fragments keyed by the figures' version), the ticket list under them stays live,
and a head-office user's list is not filtered through a no-op ``id IN (every ticket)``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from csat.models import DepartmentKind
from reports.selectors import GROUP
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


def _department_count(html: str, department_id: int) -> int:
    found = re.search(rf"drill=department:{department_id}#complaint-list\">(\d+)</a>", html)
    return int(found.group(1)) if found else 0


def test_the_complaint_sections_follow_the_figures_and_the_list_stays_live(
    march: Any, time_machine: Any
) -> None:
    client = Client()
    client.force_login(march.users["gm"])
    service = dept(march.store, DepartmentKind.SERVICE)
    first = dashboard_page(client)
    total, in_service = dashboard_total(first), _department_count(first, service.pk)
    assert in_service >= 1
    new = make_complaint(
        march.store, "TS-NEW", received=at(3, 20, 10), received_by=march.users["ccm"], department=service
    )
    kept = dashboard_page(client)
    # The figures are the kept ones (fresh) and so are their rendered sections …
    assert (dashboard_total(kept), _department_count(kept, service.pk)) == (total, in_service)
    # … but the tickets under them are read live: the new one is listed at once.
    assert new.pk in dashboard_drilled(kept) and new.pk not in dashboard_drilled(first)
    time_machine.shift(dt.timedelta(seconds=FRESH + 1))
    dashboard_page(client)  # stale: served, and refreshed in the background (Celery runs eagerly in tests)
    refreshed = dashboard_page(client)
    # New figures, new sections: a fragment kept past its figures would still say `total`.
    assert dashboard_total(refreshed) == total + 1
    assert _department_count(refreshed, service.pk) == in_service + 1


def test_the_sections_are_cached_per_scope_and_language(march: Any) -> None:
    """The store's and the group's sections are not mixed up, nor Chinese and English."""
    hq = Client()
    hq.force_login(march.users["hq"])
    store_html = dashboard_page(hq, scope=str(march.store.pk))
    group_html = dashboard_page(hq, scope=GROUP)
    # The figure counts complaints only (DOMAIN §9).
    in_store = Complaint.objects.filter(
        store=march.store, received_at__gte=at(3, 1), received_at__lt=at(4, 1), kind="complaint"
    )
    everywhere = Complaint.objects.filter(
        received_at__gte=at(3, 1), received_at__lt=at(4, 1), kind="complaint"
    )
    assert in_store.count() < everywhere.count()
    assert dashboard_total(store_html) == in_store.count()
    assert dashboard_total(group_html) == everywhere.count()
    hq.cookies["django_language"] = "en"
    english = dashboard_page(hq, scope=GROUP)
    assert "Complaint analysis" in english or "投诉分析" not in english
    assert dashboard_total(english) == everywhere.count()


def test_head_office_lists_every_ticket_without_filtering_through_every_ticket(march: Any) -> None:
    hq = Client()
    hq.force_login(march.users["hq"])
    dashboard_page(hq, scope=GROUP)
    with CaptureQueriesContext(connection) as ctx:
        html = dashboard_page(hq, scope=GROUP)
    everywhere = set(
        Complaint.objects.filter(received_at__gte=at(3, 1), received_at__lt=at(4, 1)).values_list(
            "pk", flat=True
        )
    )
    assert dashboard_drilled(html) == everywhere
    listed = [q["sql"] for q in ctx.captured_queries if '"complaints_complaint"' in q["sql"]]
    assert listed and not any(re.search(r"IN \(SELECT", sql) for sql in listed), listed
    # A department manager's list is still kept to their department's tickets.
    manager = Client()
    manager.force_login(march.users["sales_mgr"])
    sales = dept(march.store, DepartmentKind.SALES)
    mine = set(
        Complaint.objects.filter(received_at__gte=at(3, 1), received_at__lt=at(4, 1), store=march.store)
        .filter(department=sales)
        .values_list("pk", flat=True)
    )
    seen = dashboard_drilled(dashboard_page(manager))
    assert seen <= mine | set(
        Complaint.objects.filter(received_by_department=sales).values_list("pk", flat=True)
    )
    assert seen < everywhere


# The loop the list's rows were rendered with before issue #25 (partials/_complaints.html).
_TEMPLATE_LOOP = (
    '{% load report_tags %}{% for r in drilled %}<tr data-complaint="{{ r.id }}"><td><a href="{% url '
    "'complaints:detail' r.id %}\">{{ r.number }}</a></td><td>{{ r.received_at }}</td><td>{{ r.customer }}"
    "</td><td>{{ r.kind_label }}</td>\n        <td class=\"{% if r.severity == 'major' %}text-danger{% endif %}"
    '">{{ r.severity_label }}</td><td>{{ r.category_label }}</td><td>{{ r.grade }}</td><td>{{ r.department }}'
    '</td><td>{{ r.status_label }}</td><td class="text-end">{{ r.compensation_amount|amount }}</td></tr>\n'
    "      {% endfor %}"
)


def test_the_list_rows_in_python_are_the_templates_markup() -> None:
    from django.template import Context, Template

    from reports.templatetags.report_tags import drill_rows

    rows = [
        {
            "id": 7, "number": "TS-<1>", "received_at": "2026-03-03 10:00", "customer": '王 & "李"',
            "kind_label": "投诉", "severity": "major", "severity_label": "重大", "category_label": "维修",
            "grade": "E", "department": "<售后>", "status_label": "已派单", "compensation_amount": 1234.5,
        },
        {
            "id": 12, "number": "TS-2", "received_at": "2026-03-04 09:00", "customer": "张三",
            "kind_label": "抱怨", "severity": "general", "severity_label": "一般", "category_label": "销售",
            "grade": None, "department": "", "status_label": "已结案", "compensation_amount": None,
        },
    ]  # fmt: skip
    expected = Template(_TEMPLATE_LOOP).render(Context({"drilled": rows}))
    assert drill_rows(rows) == expected
    assert "&lt;售后&gt;" in expected and "王 &amp; &quot;李&quot;" in expected
