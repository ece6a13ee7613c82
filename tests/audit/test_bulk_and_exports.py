"""Bulk imports leave one history row per record with the uploader; every download is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from audit.models import ExportKind, ExportRecord
from audit.selectors import audit_log, record_history
from csat.models import Customer, Vehicle
from intake import services as intake
from intake.models import ImportJob
from reports.models import Trigger
from reports.services import report_build
from tests.factories import CustomerFactory
from tests.intake.support import customer_row, grid, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def run_import(user: Any, store: Any, rows: list[dict[str, Any]], capture: Any) -> ImportJob:
    job = intake.import_job_create(
        user=user,
        store=store,
        kind="customers",
        uploaded_file=upload(xlsx_bytes(grid("customers", rows)), "c.xlsx"),
    )
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    with capture(execute=True):
        intake.import_job_confirm(job=job, user=user)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    return job


def test_import_records_history_for_each_created_and_updated_row(
    agent: Any, ccm: Any, store: Any, django_capture_on_commit_callbacks: Any
) -> None:
    existing = CustomerFactory(store=store, name="旧名字", mobile=customer_row(1)["mobile"])
    rows = [customer_row(n) for n in range(1, 6)]
    job = run_import(ccm, store, rows, django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (4, 1)

    history = Customer.history.filter(history_change_reason__startswith=f"数据导入 #{job.pk}")  # type: ignore[attr-defined]
    assert history.count() == 5
    assert set(history.values_list("history_user_id", flat=True)) == {ccm.pk}
    assert sorted(history.values_list("history_type", flat=True)) == ["+", "+", "+", "+", "~"]
    vehicles = Vehicle.history.filter(history_user_id=ccm.pk, history_type="+")  # type: ignore[attr-defined]
    assert vehicles.count() == 5

    entries = record_history(kind="customer", pk=existing.pk, viewer=agent)
    update = next(e for e in entries if e.model_label == "客户" and e.action == "~")
    assert update.user == (ccm.get_full_name() or ccm.username)
    assert next((c.old, c.new) for c in update.changes if c.name == "name") == ("旧名字", "顾客1")
    assert update.reason == f"数据导入 #{job.pk} c.xlsx"
    assert any(e.model_label == "车辆" and e.action == "+" for e in entries)


def test_import_errors_download_is_recorded(browser: Callable[[Any], Client], agent: Any, store: Any) -> None:
    rows = [customer_row(1, mobile="12345")]
    job = intake.import_job_create(
        user=agent,
        store=store,
        kind="customers",
        uploaded_file=upload(xlsx_bytes(grid("customers", rows)), "bad.xlsx"),
    )
    assert job.status == ImportJob.Status.INVALID
    response = browser(agent).get(f"/imports/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.store_id) == (agent, ExportKind.IMPORT_ERRORS, store.pk)
    assert record.scope == {"import_job": job.pk, "file": "bad.xlsx"}
    assert record.row_count == len(job.errors) >= 1


def test_report_downloads_by_page_and_api_are_recorded(
    clock: Any, browser: Callable[[Any], Client], api: Callable, gm: Any, store: Any
) -> None:
    report = report_build(month=dt.date(2026, 2, 1), store=store, trigger=Trigger.COMMAND)
    assert browser(gm).get(f"/reports/{report.pk}/xlsx").status_code == 200
    assert api(gm).get(f"/api/reports/monthly/{report.pk}/xlsx/").status_code == 200
    assert api(gm).get("/api/reports/monthly/2026-02/xlsx").status_code == 200
    records = list(ExportRecord.objects.order_by("id"))
    assert [(r.kind, r.via, r.user) for r in records] == [
        (ExportKind.REPORT, "web", gm),
        (ExportKind.REPORT, "api", gm),
        (ExportKind.REPORT, "api", gm),
    ]
    assert records[0].scope == {"month": "2026-02", "scope": store.code, "version": report.version}
    assert records[0].store_id == store.pk and records[0].row_count == 0


def test_export_records_are_scoped_to_the_store(
    browser: Callable[[Any], Client], gm: Any, other_agent: Any, store: Any, other_store: Any
) -> None:
    ExportRecord.objects.create(
        user=other_agent, username="agent_gz", kind=ExportKind.REPORT, store=other_store
    )
    ExportRecord.objects.create(user=gm, username="gm", kind=ExportKind.IMPORT_ERRORS, store=store)
    html = browser(gm).get("/audit/").content.decode().split('data-testid="export-records"')[1]
    assert "导入错误清单" in html and "agent_gz" not in html
    # Settings of another store stay out of the GM's log too.
    assert {e.object_id for e in audit_log(viewer=gm, model_key="store")} == {store.pk}
