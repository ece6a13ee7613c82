"""History panels and the audit log: who sees them, who exports, and every export recorded."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from audit.context import audit_context
from audit.models import ExportKind, ExportRecord
from callbacks.models import Survey
from complaints.models import Complaint
from crisis.models import SignalTerm
from crisis.services import crisis_open
from csat import services
from prevention.services import measure_create
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows_of(response: Any) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_customer_history_panel_for_allowed_roles_and_404_for_another_store(
    browser: Callable[[Any], Client], agent: Any, gm: Any, other_agent: Any, store: Any
) -> None:
    customer = CustomerFactory(store=store, name="王先生")
    with audit_context(user=agent):
        services.customer_update(customer=customer, data={"name": "王建国"})
    url = f"/audit/history/customer/{customer.pk}/"
    for user in (agent, gm):
        response = browser(user).get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="history-panel"' in html and "<html" not in html
        assert "王先生 → 王建国" in html and "修改" in html
    assert browser(other_agent).get(url).status_code == 404
    assert browser(agent).get("/audit/history/customer/999999/").status_code == 404
    assert browser(agent).get(f"/audit/history/unknown/{customer.pk}/").status_code == 404
    # Without htmx the panel is a page of its own (the link behind the lazy slot).
    page = browser(agent).get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_record_pages_carry_the_lazy_history_slot(
    browser: Callable[[Any], Client], agent: Any, store: Any
) -> None:
    customer = CustomerFactory(store=store)
    html = browser(agent).get(f"/customers/{customer.pk}/").content.decode()
    assert f'hx-get="/audit/history/customer/{customer.pk}/"' in html


def test_complaint_history_follows_the_ticket_rules(
    clock: Any,
    browser: Callable[[Any], Client],
    make_complaint: Callable[..., Complaint],
    agent: Any,
    sales_mgr: Any,
    front_line: Any,
) -> None:
    ticket = make_complaint()
    url = f"/audit/history/complaint/{ticket.pk}/"
    assert browser(agent).get(url).status_code == 200
    # A department manager sees only their department's tickets; front-line staff what they received.
    assert browser(sales_mgr).get(url).status_code == 404
    assert browser(front_line).get(url).status_code == 404


def test_survey_history_is_403_for_roles_that_do_not_read_callbacks(
    browser: Callable[[Any], Client], front_line: Any
) -> None:
    assert Survey.objects.count() == 0
    assert browser(front_line).get("/audit/history/survey/1/").status_code == 403


def test_history_export_for_managers_only_and_recorded(
    browser: Callable[[Any], Client], agent: Any, ccm: Any, store: Any
) -> None:
    customer = CustomerFactory(store=store, name="王先生")
    with audit_context(user=agent):
        services.customer_update(customer=customer, data={"name": "王建国"})
    url = f"/audit/history/customer/{customer.pk}/export.xlsx"
    assert browser(agent).get(url).status_code == 403
    assert not ExportRecord.objects.exists()

    response = browser(ccm).get(url)
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0][:3] == ("时间", "用户", "操作")
    assert ("修改", "客户", customer.pk, "姓名", "王先生", "王建国") in [r[2:8] for r in rows]
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.store_id) == (ccm, ExportKind.RECORD_HISTORY, store.pk)
    assert record.scope == {"record": "customer", "id": customer.pk}
    assert record.row_count == len(rows) - 1


def test_audit_log_page_roles_filters_and_export(
    browser: Callable[[Any], Client], agent: Any, gm: Any, sales_mgr: Any, store: Any
) -> None:
    customer = CustomerFactory(store=store, name="王先生")
    with audit_context(user=agent):
        services.customer_update(customer=customer, data={"name": "王建国"})
    assert browser(agent).get("/audit/").status_code == 403
    assert browser(sales_mgr).get("/audit/").status_code == 403
    client = browser(gm)
    html = client.get("/audit/", {"model": "customer", "user": agent.pk}).content.decode()
    assert "王先生 → 王建国" in html
    assert "王建国" not in client.get("/audit/", {"model": "vehicle"}).content.decode()
    assert client.get("/audit/", {"date_from": "2030-01-02", "date_to": "2030-01-01"}).status_code == 400
    assert client.get("/audit/settings/").status_code == 200

    response = client.get("/audit/export.xlsx", {"model": "customer"})
    assert response.status_code == 200
    record = ExportRecord.objects.get(kind=ExportKind.AUDIT_LOG)
    assert record.user == gm and record.scope == {"model_key": "customer"}
    assert record.row_count == len(rows_of(response)) - 1 > 0
    # The export shows in the log's export list.
    assert "审计日志" in client.get("/audit/").content.decode().split('data-testid="export-records"')[1]


def test_history_panel_query_count_does_not_grow_with_versions(
    browser: Callable[[Any], Client],
    agent: Any,
    store: Any,
    django_assert_num_queries: Any,
) -> None:
    customer = CustomerFactory(store=store)
    client = browser(agent)
    client.get("/")  # warm the session and profile caches of the test client
    url = f"/audit/history/customer/{customer.pk}/"

    def edit(times: int) -> None:
        with audit_context(user=agent):
            for n in range(times):
                services.customer_update(customer=customer, data={"remarks": f"第{n}次", "name": f"客户{n}"})

    edit(3)
    # Session, the user with their profile, the record check, customer and vehicle history, the store the
    # creation names (foreign keys: one query per related model); the session, the signed-in user
    # and the navbar's unread count are kept (csat.sessions, csat.backends, csat.fragments).
    with django_assert_num_queries(4):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    edit(30)
    with django_assert_num_queries(4):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200


def test_settings_history_page_and_navigation(
    browser: Callable[[Any], Client], agent: Any, gm: Any, store: Any
) -> None:
    admin = UserFactory(username="sysadmin", is_superuser=True, is_staff=True)
    term = SignalTerm.objects.create(term="曝光", code="media", weight=3)
    with audit_context(user=admin):
        term.weight = 5
        term.save()
        services.customer_update(customer=CustomerFactory(store=store, name="甲"), data={"name": "乙"})
    html = browser(admin).get("/audit/settings/").content.decode()
    assert "权重" in html and "3 → 5" in html
    assert "甲 → 乙" not in html  # customers are not settings
    assert 'href="/audit/"' in browser(gm).get("/").content.decode()
    assert 'href="/audit/"' not in browser(agent).get("/").content.decode()
    assert browser(agent).get("/audit/settings/").status_code == 403


def test_survey_crisis_and_measure_panels_follow_their_pages(
    clock: Any,
    browser: Callable[[Any], Client],
    agent: Any,
    ccm: Any,
    sales_mgr: Any,
    other_agent: Any,
    store: Any,
    customer: Any,
    sales: Any,
) -> None:
    survey = Survey.objects.create(
        store=store,
        customer=customer,
        type="sales",
        surveyed_at=timezone.now(),
        surveyed_by=agent,
        score_used=90,
        suggested_grade="A",
        grade="A",
    )
    crisis = crisis_open(actor=ccm, store=store, type="b", title="车主到店拉横幅")
    measure = measure_create(
        actor=ccm,
        store=store,
        category="sales",
        problem="交车说明不清",
        measure="交车清单逐项讲解",
        owner_department=sales,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    allowed = {
        f"/audit/history/survey/{survey.pk}/": [agent, sales_mgr],
        f"/audit/history/crisis/{crisis.pk}/": [ccm],
        f"/audit/history/measure/{measure.pk}/": [agent, ccm],
    }
    for url, users in allowed.items():
        for user in users:
            response = browser(user).get(url, headers={"HX-Request": "true"})
            assert response.status_code == 200, (url, user)
            assert "新增" in response.content.decode()
        assert browser(other_agent).get(url).status_code == 404, url
    # A crisis is read by customer care, the GM, head office and its team; not by other managers.
    assert browser(sales_mgr).get(f"/audit/history/crisis/{crisis.pk}/").status_code == 404
