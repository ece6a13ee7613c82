"""intake.services: preview → confirm → import, all or nothing, idempotent, recorded changes."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from csat.exceptions import ApplicationError
from csat.models import Customer, Role, SalesDelivery, ServiceKind, ServiceVisit, Vehicle
from intake import services, tasks
from intake.models import ImportChange, ImportJob
from tests.factories import CustomerFactory, ServiceVisitFactory, StaffFactory, VehicleFactory
from tests.intake.support import (
    ADVISOR_NAME,
    csv_bytes,
    customer_row,
    grid,
    make_job,
    sale_row,
    upload,
    visit_row,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

ROW_MAKERS = {"service_visits": visit_row, "sales": sale_row, "customers": customer_row}


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def create(
    user: Any, store: Any, kind: str, data: bytes, name: str = "dms.xlsx", capture: Any = None
) -> ImportJob:
    """Upload a file; large files are validated by the (eager) worker once the upload commits."""
    if capture is None:
        job = services.import_job_create(user=user, store=store, kind=kind, uploaded_file=upload(data, name))
    else:
        with capture(execute=True):
            job = services.import_job_create(
                user=user, store=store, kind=kind, uploaded_file=upload(data, name)
            )
    job.refresh_from_db()
    return job


def confirm(job: ImportJob, user: Any, capture: Any) -> ImportJob:
    """Confirm and let the import that follows the commit run (in the request, or the eager worker)."""
    with capture(execute=True):
        services.import_job_confirm(job=job, user=user)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> dict[str, int]:
    return {
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
    }


def db_counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "sales": SalesDelivery.objects.count(),
        "visits": ServiceVisit.objects.count(),
        "changes": ImportChange.objects.count(),
    }


# --- the happy path, per kind -------------------------------------------------------------------


def test_service_visit_file_creates_customers_vehicles_and_visits(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [visit_row(1), visit_row(2, kind="钣喷", technician="", handed_back_at="", quality_related="是")]
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows)))
    assert job.status == ImportJob.Status.PREVIEW
    assert counts(job) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert db_counts()["visits"] == 0  # a preview writes nothing

    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert job.confirmed_by == agent and job.finished_at is not None
    visit = ServiceVisit.objects.select_related("vehicle", "customer").get(repair_order_no="RO00000002")
    assert visit.store == store_a
    assert visit.kind == ServiceKind.BODY_PAINT
    assert visit.quality_related is True
    assert visit.technician is None and visit.handed_back_at is None
    assert visit.service_advisor == staff_a["advisor"]
    assert visit.opened_at == dt.datetime(2026, 3, 2, 9, 2, tzinfo=timezone.get_current_timezone())
    assert visit.vehicle.vin == rows[1]["vin"] and visit.vehicle.plate == "粤B00002"
    assert visit.customer == visit.vehicle.customer
    assert (visit.customer.name, visit.customer.mobile) == ("客户2", "13900000002")
    visit.full_clean()
    visit.vehicle.full_clean()
    visit.customer.full_clean()


def test_sales_file_creates_customers_vehicles_and_deliveries(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = create(agent, store_a, "sales", csv_bytes(grid("sales", [sale_row(1), sale_row(2)])), "sales.csv")
    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert counts(job)["created"] == 2
    sale = SalesDelivery.objects.select_related("vehicle", "customer").get(vehicle__vin=sale_row(1)["vin"])
    assert sale.consultant == staff_a["consultant"]
    assert sale.customer == sale.vehicle.customer
    assert sale.customer.mobile == "13700000001" and sale.vehicle.model == "CX-5"
    assert sale.delivered_at == dt.datetime(2026, 3, 5, 15, 30, tzinfo=timezone.get_current_timezone())
    sale.full_clean()


def test_customers_file_creates_customers_with_and_without_vehicles(
    store_a: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        customer_row(1, extra_phones="0755-88886666，13512345678"),
        customer_row(2, vin="", plate="", model="", do_not_contact="是", do_not_contact_reason="本人要求"),
    ]
    job = create(agent, store_a, "customers", xlsx_bytes(grid("customers", rows)))
    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    first = Customer.objects.get(mobile="13600000001")
    assert first.extra_phones == ["0755-88886666", "13512345678"]
    assert first.vehicles.get().purchase_date == dt.date(2025, 6, 1)
    second = Customer.objects.get(mobile="13600000002")
    assert second.do_not_contact and second.do_not_contact_reason == "本人要求"
    assert not second.vehicles.exists()


def test_later_visit_of_a_known_vehicle_reuses_its_owner(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    vehicle = VehicleFactory(customer__store=store_a)
    row = visit_row(1, mobile="", name="", vin=vehicle.vin, plate="")
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [row])))
    confirm(job, agent, django_capture_on_commit_callbacks)
    visit = ServiceVisit.objects.get()
    assert visit.vehicle == vehicle and visit.customer == vehicle.customer
    assert Customer.objects.count() == 1


# --- idempotence --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["service_visits", "sales", "customers"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_reimporting_the_same_file_changes_nothing(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any, kind: str, fmt: str
) -> None:
    rows = [ROW_MAKERS[kind](n) for n in range(1, 6)]
    data = xlsx_bytes(grid(kind, rows)) if fmt == "xlsx" else csv_bytes(grid(kind, rows), "gb18030")
    first = confirm(create(agent, store_a, kind, data, f"a.{fmt}"), agent, django_capture_on_commit_callbacks)
    assert first.status == ImportJob.Status.DONE
    assert first.created_count == 5
    before = db_counts()
    stamps = sorted(Customer.objects.values_list("updated_at", flat=True))

    again = create(agent, store_a, kind, data, f"a.{fmt}")
    assert again.status == ImportJob.Status.PREVIEW
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    again = confirm(again, agent, django_capture_on_commit_callbacks)
    assert again.status == ImportJob.Status.DONE
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    assert db_counts() == before
    assert ImportChange.objects.count() == 0
    assert sorted(Customer.objects.values_list("updated_at", flat=True)) == stamps


def test_xlsx_with_real_date_cells_and_numeric_mobiles_is_idempotent(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """What a DMS export looks like: Excel dates and 13800138000 stored as a number."""
    rows = [
        visit_row(
            n,
            mobile=int(visit_row(n)["mobile"]),
            opened_at=dt.datetime(2026, 3, 2, 9, n),
            handed_back_at=dt.datetime(2026, 3, 2, 15, n),
            mileage=10000.0 + n,
        )
        for n in range(1, 4)
    ]
    data = xlsx_bytes(grid("service_visits", rows))
    confirm(create(agent, store_a, "service_visits", data), agent, django_capture_on_commit_callbacks)
    assert ServiceVisit.objects.get(repair_order_no="RO00000001").mileage == 10001
    again = create(agent, store_a, "service_visits", data)
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}


# --- updates, recorded --------------------------------------------------------------------------


def test_changed_rows_update_the_records_and_record_old_and_new(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [visit_row(1), visit_row(2), visit_row(3)]
    confirm(
        create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows))),
        agent,
        django_capture_on_commit_callbacks,
    )
    other = StaffFactory(username="sz_advisor9", name="孙顾问", role=Role.STAFF, store=store_a)
    rows[1] = visit_row(2, mileage="20000", service_advisor="sz_advisor9")
    rows[2] = visit_row(3, name="客户三改名", plate="粤B88888")

    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows)))
    assert counts(job) == {"created": 0, "updated": 2, "unchanged": 1, "rejected": 0}
    before = db_counts()
    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert {k: v for k, v in db_counts().items() if k != "changes"} == {
        k: v for k, v in before.items() if k != "changes"
    }

    visit = ServiceVisit.objects.get(repair_order_no="RO00000002")
    assert (visit.mileage, visit.service_advisor) == (20000, other)
    assert Customer.objects.get(mobile="13900000003").name == "客户三改名"
    assert Vehicle.objects.get(vin=rows[2]["vin"]).plate == "粤B88888"

    changes = {(c.model, c.natural_key): c.changes for c in ImportChange.objects.filter(job=job)}
    assert changes == {
        ("service_visit", "RO00000002"): {
            "mileage": [10002, 20000],
            "service_advisor_id": [staff_a["advisor"].pk, other.pk],
        },
        ("customer", "13900000003"): {"name": ["客户3", "客户三改名"]},
        ("vehicle", rows[2]["vin"]): {"plate": ["粤B00003", "粤B88888"]},
    }
    change = ImportChange.objects.get(job=job, model="service_visit")
    assert change.object_id == visit.pk


def test_empty_cell_does_not_erase_a_stored_value(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(
        create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [visit_row(1)]))),
        agent,
        django_capture_on_commit_callbacks,
    )
    job = create(
        agent,
        store_a,
        "service_visits",
        xlsx_bytes(grid("service_visits", [visit_row(1, mileage="", model="")])),
    )
    assert counts(job)["unchanged"] == 1
    confirm(job, agent, django_capture_on_commit_callbacks)
    assert ServiceVisit.objects.get().mileage == 10001
    assert Vehicle.objects.get().model == "朗逸"


def test_vehicle_whose_owner_mobile_changes_moves_to_the_new_customer(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old_owner = CustomerFactory(store=store_a, mobile="13811112222", name="原车主")
    vehicle = VehicleFactory(customer=old_owner, store=store_a)
    row = visit_row(1, vin=vehicle.vin, plate=vehicle.plate, mobile="13833334444", name="新车主")
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [row])))
    assert job.status == ImportJob.Status.PREVIEW
    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE

    vehicle.refresh_from_db()
    assert vehicle.customer.mobile == "13833334444"
    assert vehicle.customer.name == "新车主"
    assert Customer.objects.filter(pk=old_owner.pk).exists()  # the old owner is kept
    assert ServiceVisit.objects.get().customer == vehicle.customer
    change = ImportChange.objects.get(job=job, model="vehicle")
    assert change.natural_key == vehicle.vin
    assert change.changes["owner_mobile"] == ["13811112222", "13833334444"]


def test_vehicle_moves_to_another_existing_customer(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    vehicle = VehicleFactory(customer__store=store_a)
    buyer = CustomerFactory(store=store_a)
    row = sale_row(1, vin=vehicle.vin, plate=vehicle.plate, mobile=buyer.mobile, name=buyer.name)
    job = confirm(
        create(agent, store_a, "sales", xlsx_bytes(grid("sales", [row]))),
        agent,
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.DONE
    vehicle.refresh_from_db()
    assert vehicle.customer == buyer
    assert SalesDelivery.objects.get().customer == buyer


# --- all or nothing -----------------------------------------------------------------------------


def big_file(n: int = 10_000, **bad: Any) -> bytes:
    rows = [visit_row(i) for i in range(1, n + 1)]
    for index, overrides in bad.items():
        position = int(index.removeprefix("row"))
        rows[position - 1] = visit_row(position, **overrides)
    return csv_bytes(grid("service_visits", rows))


def test_bad_row_9999_of_10000_imports_nothing(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = big_file(row9999={"vin": "LSVAB2C1X00009999"})  # wrong check digit
    assert len(data) > services.INLINE_BYTES  # validated by the worker, as in production
    job = create(
        agent, store_a, "service_visits", data, "big.csv", capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportJob.Status.INVALID
    assert job.total_rows == 10_000 and job.rejected_count == 1
    assert job.errors == [
        {"row": 10_000, "column": "车架号", "message": "车架号校验位不正确", "value": "LSVAB2C1X00009999"}
    ]
    with pytest.raises(ApplicationError):
        services.import_job_confirm(job=job, user=agent)

    # Even forced past the preview, the importer re-validates and writes nothing.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    job = services.import_job_run(job_id=job.pk)
    assert job.status == ImportJob.Status.INVALID
    assert db_counts() == {"customers": 0, "vehicles": 0, "sales": 0, "visits": 0, "changes": 0}


def test_database_change_between_preview_and_import_writes_nothing(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = big_file(row9999={"service_advisor": ADVISOR_NAME})  # by display name, unique for now
    job = create(
        agent, store_a, "service_visits", data, "big.csv", capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportJob.Status.PREVIEW
    assert job.created_count == 10_000
    assert cache.get(services.progress_key(job.pk)) == 10_000  # the progress bar's source

    # A second advisor with the same name joins: row 9,999 no longer names one person.
    StaffFactory(username="sz_advisor2", name=ADVISOR_NAME, role=Role.STAFF, store=store_a)
    job = confirm(job, agent, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.INVALID
    assert "未导入任何数据" in job.message
    assert [e["row"] for e in job.errors] == [10_000]
    assert db_counts() == {"customers": 0, "vehicles": 0, "sales": 0, "visits": 0, "changes": 0}
    assert cache.get(services.progress_key(job.pk)) is None


def test_failure_half_way_through_the_writes_rolls_everything_back(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    existing = ServiceVisitFactory(vehicle__customer__store=store_a, repair_order_no="RO00000001", mileage=5)
    rows = [
        visit_row(1, vin=existing.vehicle.vin, mobile=existing.customer.mobile, name=existing.customer.name)
    ]
    rows[0]["plate"] = existing.vehicle.plate
    rows += [visit_row(n) for n in range(2, 50)]
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows)))
    assert job.status == ImportJob.Status.PREVIEW
    before = db_counts()

    # Customers and vehicles are written, then the visits fail (a lost connection, a bug …).
    with (
        mock.patch.object(services, "_apply_visits", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        confirm(job, agent, django_capture_on_commit_callbacks)
    assert db_counts() == before
    existing.refresh_from_db()
    assert existing.mileage == 5
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED  # not "importing" for ever
    assert job.finished_at is not None


def test_10000_row_file_imports_through_the_worker(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = create(
        agent, store_a, "service_visits", big_file(), "big.csv", capture=django_capture_on_commit_callbacks
    )
    with mock.patch.object(tasks.run_import, "delay", wraps=tasks.run_import.delay) as delay:
        job = confirm(job, agent, django_capture_on_commit_callbacks)
    delay.assert_called_once_with(job.pk)  # too big for the request: the worker imports it
    assert job.status == ImportJob.Status.DONE
    assert counts(job) == {"created": 10_000, "updated": 0, "unchanged": 0, "rejected": 0}
    assert db_counts() == {
        "customers": 10_000,
        "vehicles": 10_000,
        "sales": 0,
        "visits": 10_000,
        "changes": 0,
    }


# --- states -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        ImportJob.Status.VALIDATING,
        ImportJob.Status.INVALID,
        ImportJob.Status.IMPORTING,
        ImportJob.Status.DONE,
        ImportJob.Status.FAILED,
        ImportJob.Status.CANCELLED,
    ],
)
def test_confirm_is_only_allowed_from_preview(store_a: Any, agent: Any, status: str) -> None:
    job = make_job(store_a, agent, status=status)
    with pytest.raises(ApplicationError) as exc_info:
        services.import_job_confirm(job=job, user=agent)
    assert "待确认" in exc_info.value.message
    job.refresh_from_db()
    assert job.status == status and job.confirmed_by is None


def test_confirm_moves_preview_to_importing(
    store_a: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = make_job(store_a, agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.import_job_confirm(job=job, user=agent)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    assert len(callbacks) == 1  # the import starts once the confirmation is committed


def test_running_the_import_twice_writes_once(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    confirm(
        create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [visit_row(1)]))),
        agent,
        django_capture_on_commit_callbacks,
    )
    rows = [visit_row(1, mileage="15000"), visit_row(2), visit_row(3)]
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.import_job_confirm(job=job, user=agent)

    first = services.import_job_run(job_id=job.pk)
    assert first.status == ImportJob.Status.DONE
    after_first = db_counts()
    second = services.import_job_run(job_id=job.pk)  # a redelivered task
    tasks.run_import.delay(job.pk)  # and once more through Celery
    for callback in callbacks:  # the on-commit start, late
        callback()
    assert second.status == ImportJob.Status.DONE
    assert (
        db_counts() == after_first == {"customers": 3, "vehicles": 3, "sales": 0, "visits": 3, "changes": 1}
    )
    job.refresh_from_db()
    assert counts(job) == {"created": 2, "updated": 1, "unchanged": 0, "rejected": 0}


def test_validation_twice_is_harmless(store_a: Any, agent: Any, staff_a: Any) -> None:
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [visit_row(1)])))
    again = services.import_job_validate(job_id=job.pk)
    assert again.status == ImportJob.Status.PREVIEW and again.created_count == 1
    assert db_counts()["visits"] == 0


def test_cancel(store_a: Any, agent: Any) -> None:
    job = services.import_job_cancel(job=make_job(store_a, agent))
    assert job.status == ImportJob.Status.CANCELLED
    with pytest.raises(ApplicationError):
        services.import_job_confirm(job=job, user=agent)
    with pytest.raises(ApplicationError):
        services.import_job_cancel(job=make_job(store_a, agent, status=ImportJob.Status.DONE))


# --- what the job records about a bad file ------------------------------------------------------


def test_legacy_xls_makes_an_invalid_job_with_a_message(store_a: Any, agent: Any) -> None:
    job = create(agent, store_a, "customers", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    assert job.status == ImportJob.Status.INVALID
    assert ".xlsx" in job.message


def test_file_with_only_the_template_example_is_invalid(store_a: Any, agent: Any) -> None:
    from intake.workbooks import template_workbook

    job = create(agent, store_a, "service_visits", template_workbook("service_visits"), "template.xlsx")
    assert job.status == ImportJob.Status.INVALID
    assert job.message == "文件中没有数据行。"


def test_missing_required_column_makes_one_error(store_a: Any, agent: Any, staff_a: Any) -> None:
    rows = [visit_row(n) for n in range(1, 20)]
    keys = [k for k in rows[0] if k != "repair_order_no"]
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows, keys)))
    assert job.status == ImportJob.Status.INVALID
    assert job.errors == [{"row": 1, "column": "工单号", "message": "缺少必填列：工单号"}]


def test_stored_errors_are_capped_but_rejected_rows_counted(store_a: Any, agent: Any, staff_a: Any) -> None:
    rows = [visit_row(n, mobile="12345") for n in range(1, 2501)]
    job = create(agent, store_a, "service_visits", csv_bytes(grid("service_visits", rows)), "bad.csv")
    assert job.status == ImportJob.Status.INVALID
    assert job.rejected_count == 2500
    assert len(job.errors) == services.MAX_STORED_ERRORS


def test_unknown_kind_is_refused(store_a: Any, agent: Any) -> None:
    with pytest.raises(ApplicationError):
        services.import_job_create(user=agent, store=store_a, kind="complaints", uploaded_file=upload(b"x"))
    assert not ImportJob.objects.exists()


def test_oversize_upload_is_refused(store_a: Any, agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ApplicationError) as exc_info:
        services.import_job_create(
            user=agent, store=store_a, kind="customers", uploaded_file=upload(b"a" * 200, "big.csv")
        )
    assert "上限" in exc_info.value.message
    assert not ImportJob.objects.exists()


def test_file_name_never_reaches_the_disk_path(
    store_a: Any, agent: Any, staff_a: Any, media_root: Any
) -> None:
    data = xlsx_bytes(grid("service_visits", [visit_row(1)]))
    job = create(agent, store_a, "service_visits", data, "..\\..\\evil/../../etc/passwd.xlsx")
    assert job.original_name == "passwd.xlsx"
    assert job.file.name.startswith("imports/") and job.file.name.endswith(".upload")
    assert ".." not in job.file.name and "passwd" not in job.file.name
    assert (media_root / job.file.name).is_file()


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("0001-01-01", "日期不能早于 1900-01-01"),  # an empty date exported as a number
        ("2999-01-01", "日期不能晚于今天"),  # a DMS record is of the past
    ],
)
def test_an_impossible_date_is_a_cell_error_and_nothing_is_stored(
    store_a: Any, agent: Any, cell: str, message: str
) -> None:
    job = create(
        agent, store_a, "customers", csv_bytes(grid("customers", [customer_row(1, purchase_date=cell)]))
    )
    assert job.status == ImportJob.Status.INVALID
    assert [(e["column"], e["message"], e["value"]) for e in job.errors] == [("购车日期", message, cell)]
    assert db_counts()["vehicles"] == 0


def test_a_validation_that_keeps_failing_ends_failed_with_a_message(
    store_a: Any,
    agent: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Audit (a bad day): the worker's validation raised (out of memory reading the sheet); the job
    stayed "validating" with no message for ever and beat queued it again every 15 minutes. Now
    each attempt is counted and logged, and the third failure ends the job, saying so on its page."""
    job = make_job(store_a, agent, status=ImportJob.Status.VALIDATING, total_rows=0, created_count=0)
    calls: list[int] = []

    def out_of_memory(job: ImportJob) -> Any:
        calls.append(job.pk)
        raise MemoryError("the worker ran out of memory reading the sheet")

    start = timezone.now()
    with mock.patch.object(services, "_plan_for", out_of_memory):
        with pytest.raises(MemoryError):
            tasks.validate_import(job.pk)  # the upload's own task
        job.refresh_from_db()
        assert (job.status, job.validation_attempts) == (ImportJob.Status.VALIDATING, 1)
        for k in range(1, 5):  # beat's re-queue, every 5 minutes for an hour
            with (
                time_machine.travel(start + dt.timedelta(minutes=16 * k), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                tasks.requeue_stalled_imports()
    job.refresh_from_db()
    assert len(calls) == services.MAX_VALIDATION_ATTEMPTS == 3
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert (
        job.message
        == "文件校验失败（已尝试 3 次），未导入任何数据。请检查文件后重新上传；仍然失败请联系管理员。"
    )
    assert services.import_jobs_requeue_stalled(now=start + dt.timedelta(hours=2)) == []
    failures = [r for r in caplog.records if r.name == "intake.services" and r.exc_info]
    assert len(failures) == 3 and all(r.exc_info and r.exc_info[0] is MemoryError for r in failures)
    # The uploader reads it on the import page.
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "文件校验失败（已尝试 3 次）" in page and "导入失败" in page


def test_validations_that_died_silently_end_failed_too(store_a: Any, agent: Any) -> None:
    """A worker killed mid-validation (no exception to catch) leaves only its count: the next start
    after the last attempt ends the job instead of validating a fourth time."""
    job = make_job(
        store_a,
        agent,
        status=ImportJob.Status.VALIDATING,
        validation_attempts=services.MAX_VALIDATION_ATTEMPTS,
    )
    with mock.patch.object(services, "_plan_for", side_effect=AssertionError("not validated again")):
        services.import_job_validate(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "请检查文件后重新上传" in job.message


def test_a_validation_that_fails_once_is_tried_again(store_a: Any, agent: Any, staff_a: Any) -> None:
    """One failure (a worker restarted) is no verdict: the next attempt builds the preview."""
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", [visit_row(1)])))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALIDATING)
    real = services._plan_for
    with mock.patch.object(services, "_plan_for", side_effect=[MemoryError("once"), real(job)]):
        with pytest.raises(MemoryError):
            services.import_job_validate(job_id=job.pk)
        again = services.import_job_validate(job_id=job.pk)
    # The upload's own validation, the failed one, the one that worked.
    assert again.status == ImportJob.Status.PREVIEW and again.validation_attempts == 3


class WorkerKilled(BaseException):
    """A worker killed mid-import (out of memory): no ``except Exception`` sees it, the job's
    transaction is rolled back and the job stays "importing" for beat to find."""


def dies_after_writing(calls: list[int]) -> Any:
    """``apply_plan`` that writes every row, then the worker dies before the transaction commits."""
    real = services.apply_plan

    def apply_plan(plan: Any, *, job: ImportJob) -> None:
        calls.append(job.pk)
        real(plan, job=job)
        assert Customer.objects.count() == 3  # written, not yet committed
        raise WorkerKilled

    return apply_plan


def confirmed(agent: Any, store_a: Any, capture: Any) -> ImportJob:
    """A three-row file confirmed, its import not started yet."""
    rows = [visit_row(1), visit_row(2), visit_row(3)]
    job = create(agent, store_a, "service_visits", xlsx_bytes(grid("service_visits", rows)))
    with capture(execute=False):
        services.import_job_confirm(job=job, user=agent)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    return job


def test_an_import_that_kills_its_worker_every_time_ends_failed_with_a_message(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A file whose import kills its worker (memory) every time stayed "importing" and beat started
    it again every 15 minutes for ever. Now the starts are counted (committed apart from the
    import's rolled-back transaction): after the third the job fails, saying so on its page."""
    job = confirmed(agent, store_a, django_capture_on_commit_callbacks)
    empty = db_counts()
    calls: list[int] = []
    start = timezone.now()
    with mock.patch.object(services, "apply_plan", dies_after_writing(calls)):
        with pytest.raises(WorkerKilled):
            services.import_job_run(job_id=job.pk)  # the confirmation's start
        for k in range(1, 7):  # beat's re-queue, for an hour and a half
            with time_machine.travel(start + dt.timedelta(minutes=16 * k), tick=False):
                for pk in services.import_jobs_requeue_stalled():
                    with contextlib.suppress(WorkerKilled):
                        services.import_job_run(job_id=pk)
                    assert db_counts() == empty  # each death left nothing behind
            job.refresh_from_db()
            if job.status != ImportJob.Status.IMPORTING:
                break
    assert len(calls) == 3 == services.MAX_IMPORT_ATTEMPTS
    job.refresh_from_db()
    assert (job.status, job.import_attempts) == (ImportJob.Status.FAILED, 3)
    assert job.finished_at is not None
    assert job.message == (
        "导入未能完成（已尝试 3 次），未写入任何数据。请把文件拆分成几个较小的文件后重新上传；"
        "仍然失败请联系管理员。"
    )
    assert db_counts() == empty
    assert services.import_jobs_requeue_stalled(now=start + dt.timedelta(hours=3)) == []
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "导入未能完成（已尝试 3 次）" in page and "导入失败" in page


def test_an_import_retried_after_its_worker_died_writes_each_row_once(
    store_a: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The worker died after writing every row, before the commit: the rows went with the
    transaction, the staged rows stayed, and beat's retry imports the file exactly once."""
    job = confirmed(agent, store_a, django_capture_on_commit_callbacks)
    calls: list[int] = []
    with mock.patch.object(services, "apply_plan", dies_after_writing(calls)), pytest.raises(WorkerKilled):
        services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.import_attempts) == (ImportJob.Status.IMPORTING, 1)
    assert db_counts()["customers"] == 0
    later = timezone.now() + services.STALLED_AFTER + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.import_jobs_requeue_stalled(now=later) == [job.pk]  # the eager worker runs it
    job.refresh_from_db()
    assert (job.status, job.import_attempts) == (ImportJob.Status.DONE, 2)
    assert counts(job) == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert db_counts() == {"customers": 3, "vehicles": 3, "sales": 0, "visits": 3, "changes": 0}
    # Beat and a redelivered task later change nothing.
    assert services.import_jobs_requeue_stalled(now=later + dt.timedelta(hours=1)) == []
    assert services.import_job_run(job_id=job.pk).status == ImportJob.Status.DONE
    assert db_counts() == {"customers": 3, "vehicles": 3, "sales": 0, "visits": 3, "changes": 0}
    assert len(calls) == 1
