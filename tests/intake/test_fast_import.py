"""Issue #25: the import starts from the rows the preview parsed (the file is not parsed twice) and
writes new rows by COPY on PostgreSQL — the same rows, history included, as bulk_create writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from csat.business_time import business_tz
from csat.models import Customer, Role, ServiceVisit, Store, Vehicle
from intake import bulk_insert, services, staging
from intake.models import ImportJob, ImportRows
from tests.factories import StaffFactory
from tests.intake.support import ADVISOR_NAME, csv_bytes, grid, upload, visit_row, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def preview(user: Any, store: Store, rows: list[dict[str, Any]]) -> ImportJob:
    job = services.import_job_create(
        user=user,
        store=store,
        kind="service_visits",
        uploaded_file=upload(xlsx_bytes(grid("service_visits", rows)), "v.xlsx"),
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW, job.errors
    return job


def run(job: ImportJob, user: Any, capture: Any) -> ImportJob:
    with capture(execute=True):
        services.import_job_confirm(job=job, user=user)
    job.refresh_from_db()
    return job


def test_pack_and_unpack_give_back_the_same_values() -> None:
    local = dt.datetime(2026, 3, 2, 9, 5, 30, tzinfo=business_tz())
    parsed = [
        (2, {"repair_order_no": "RO1", "opened_at": local, "handed_back_at": None, "mileage": 12, "quality_related": True, "kind": "maintenance"}),
        (3, {"repair_order_no": "RO2\t\n\\", "opened_at": local.astimezone(dt.UTC), "handed_back_at": local, "mileage": None, "quality_related": False, "kind": ""}),
    ]  # fmt: skip
    back = staging.unpack("service_visits", staging.pack("service_visits", parsed))
    assert back == parsed
    assert back[0][1]["opened_at"].tzinfo is business_tz()  # the same zone object, not only the offset
    customers = [
        (
            2,
            {
                "mobile": "13800138000",
                "extra_phones": ["0755-1", "0755-2"],
                "purchase_date": dt.date(2025, 6, 1),
            },
        )
    ]
    assert staging.unpack("customers", staging.pack("customers", customers)) == customers
    assert (
        staging.unpack("sales", staging.pack("customers", customers)) is None
    )  # another kind: read the file
    with pytest.raises(staging.NotStorable):
        staging.pack("service_visits", [(2, {"opened_at": dt.datetime(2026, 3, 2, 9, 0)})])  # noqa: DTZ001 - naive


def test_the_import_starts_from_the_kept_rows_not_the_file(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = preview(agent, store_a, [visit_row(n) for n in range(1, 6)])
    assert ImportRows.objects.filter(job=job).exists()
    preview_rows = job.preview_rows
    job.file.storage.delete(job.file.name)  # reading the file now would fail the import

    job = run(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE, job.message
    assert ServiceVisit.objects.filter(store=store_a).count() == 5
    assert job.preview_rows == preview_rows  # the preview's sample stays
    assert not ImportRows.objects.filter(job=job).exists()  # dropped once imported


def test_a_job_without_kept_rows_reads_the_file(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = preview(agent, store_a, [visit_row(n) for n in range(1, 4)])
    ImportRows.objects.filter(job=job).delete()  # a job previewed before the rows were kept
    job = run(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert ServiceVisit.objects.filter(store=store_a).count() == 3


def test_invalid_and_cancelled_previews_keep_no_rows(store_a: Any, agent: Any, staff_a: Any) -> None:
    bad = services.import_job_create(
        user=agent,
        store=store_a,
        kind="service_visits",
        uploaded_file=upload(csv_bytes(grid("service_visits", [visit_row(1, mobile="123")]))),
    )
    assert bad.status == ImportJob.Status.INVALID
    assert not ImportRows.objects.filter(job=bad).exists()
    job = preview(agent, store_a, [visit_row(1)])
    services.import_job_cancel(job=job)
    assert not ImportRows.objects.filter(job=job).exists()


def _snapshot(store: Store) -> dict[str, Any]:
    """What an import wrote for a store, without ids, times or the store itself."""
    customers = {c.pk: c.mobile for c in Customer.objects.filter(store=store)}
    vehicles = {v.pk: v.vin for v in Vehicle.objects.filter(store=store)}
    skip = {"id", "store", "created_at", "updated_at", "customer", "vehicle"}

    def fields(obj: Any) -> dict[str, Any]:
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in skip}

    history_skip = {
        "history_id",
        "history_date",
        "id",
        "store_id",
        "created_at",
        "customer_id",
        "history_change_reason",
    }
    return {
        "customers": sorted((fields(c) for c in Customer.objects.filter(store=store)), key=str),
        "vehicles": sorted(
            ((fields(v), customers[v.customer_id]) for v in Vehicle.objects.filter(store=store)), key=str
        ),
        "visits": sorted(
            (
                (fields(v), vehicles[v.vehicle_id], customers[v.customer_id])
                for v in ServiceVisit.objects.filter(store=store)
            ),
            key=str,
        ),
        "customer_history": sorted(
            (
                {k: v for k, v in row.items() if k not in history_skip}
                for row in Customer.history.filter(store_id=store.pk).values()  # type: ignore[attr-defined]
            ),
            key=str,
        ),
        "vehicle_history": sorted(
            (
                {k: v for k, v in row.items() if k not in history_skip}
                for row in Vehicle.history.filter(store_id=store.pk).values()  # type: ignore[attr-defined]
            ),
            key=str,
        ),
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_what_bulk_create_writes(
    store_a: Any,
    store_b: Any,
    agent: Any,
    staff_a: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Staff named by display name: the same two names in both stores.
    StaffFactory(username="advisor_b", name=ADVISOR_NAME, role=Role.STAFF, store=store_b)
    StaffFactory(username="technician_b", name="赵师傅", role=Role.STAFF, store=store_b)
    rows = [visit_row(n, service_advisor=ADVISOR_NAME, technician="赵师傅") for n in range(1, 30)]
    rows[3] = visit_row(
        4, name="王\t五\\", service_advisor=ADVISOR_NAME, technician="", handed_back_at="", mileage=""
    )
    first = rows[0]
    rows[4] = visit_row(
        5,
        vin=first["vin"],
        mobile=first["mobile"],
        name=first["name"],
        plate=first["plate"],
        service_advisor=ADVISOR_NAME,
        technician="赵师傅",
    )  # a second visit of the first car
    results = {}
    for store, use_copy in ((store_a, True), (store_b, False)):
        monkeypatch.setattr(bulk_insert, "USE_COPY", use_copy)
        job = run(preview(agent, store, rows), agent, django_capture_on_commit_callbacks)
        assert job.status == ImportJob.Status.DONE, job.message
        results[use_copy] = _snapshot(store)
        history = Customer.history.filter(store_id=store.pk)  # type: ignore[attr-defined]
        assert history.count() == 28
        assert set(history.values_list("history_change_reason", "history_type", "history_user_id")) == {
            (f"数据导入 #{job.pk} v.xlsx", "+", agent.pk)
        }
        visit = ServiceVisit.objects.get(store=store, repair_order_no="RO00000004")
        assert visit.technician_id is None and visit.handed_back_at is None and visit.mileage is None
        assert visit.customer.name == "王\t五\\" and visit.created_at <= timezone.now()
        visit.full_clean()
    # Staff ids differ between the stores; everything else is the same.
    for snapshot in results.values():
        for entry in snapshot["visits"]:
            entry[0].pop("service_advisor_id")
            entry[0].pop("technician_id")
    assert results[True] == results[False]
