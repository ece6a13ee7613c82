"""Issue #17: moving import jobs to the intake app and preventive measures to the prevention app is
state only. A database created before the move, with rows in those tables, migrates forward with
every row in place, readable through the new apps, and the content types (permissions, history)
relabelled rather than duplicated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The last migrations before the re-cut.
BEFORE = [("csat", "0003_do_not_contact_index"), ("complaints", "0007_next_due")]
MOVED_TABLES = [
    "csat_importjob",
    "csat_importchange",
    "complaints_preventivemeasure",
    "complaints_preventivemeasure_complaints",
    "complaints_measureevent",
    "complaints_measureoverdue",
]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - fixed names
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_an_old_database_migrates_forward_with_every_row_in_place() -> None:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate([*BEFORE, ("intake", None), ("prevention", None)]).loader.project_state([*BEFORE]).apps
        # Rows written by the old code, through the old models.
        User = old.get_model("auth", "User")
        Store = old.get_model("csat", "Store")
        Department = old.get_model("csat", "Department")
        Customer = old.get_model("csat", "Customer")
        Complaint = old.get_model("complaints", "Complaint")
        user = User.objects.create(username="old-admin")
        store = Store.objects.create(code="OLD1", name="旧门店")
        department = Department.objects.create(store=store, kind="business", name="业务部")
        customer = Customer.objects.create(store=store, name="张三", mobile="13800138000")
        now = timezone.now()
        complaint = Complaint.objects.create(
            store=store,
            customer=customer,
            number="TS-OLD-1",
            content="旧投诉",
            received_by_department=department,
            department=department,
            received_at=now,
            received_by=user,
        )
        job = old.get_model("csat", "ImportJob").objects.create(
            store=store, kind="customers", file="imports/x.upload", created_by=user, total_rows=3
        )
        old.get_model("csat", "ImportChange").objects.create(
            job=job, model="customer", object_id=customer.pk, natural_key="13800138000", changes={"a": 1}
        )
        measure = old.get_model("complaints", "PreventiveMeasure").objects.create(
            store=store,
            category="repair",
            problem="返修",
            measure="终检",
            owner_department=department,
            due_date=dt.date(2026, 12, 31),
            created_by=user,
        )
        measure.complaints.add(complaint)
        old.get_model("complaints", "MeasureEvent").objects.create(
            measure=measure, actor=user, action="submit", from_status="draft", to_status="awaiting_approval"
        )
        old.get_model("complaints", "MeasureOverdue").objects.create(measure=measure)
        before = {table: _count(table) for table in MOVED_TABLES}
        assert all(before.values())

        _migrate(latest)

        assert {table: _count(table) for table in MOVED_TABLES} == before
        from intake.models import ImportChange, ImportJob
        from prevention.models import MeasureEvent, MeasureOverdue, PreventiveMeasure

        moved = ImportJob.objects.get(pk=job.pk)
        assert (moved.kind, moved.total_rows, moved.changes.get().changes) == ("customers", 3, {"a": 1})
        assert ImportChange.objects.count() == 1
        kept = PreventiveMeasure.objects.get(pk=measure.pk)
        assert [c.pk for c in kept.complaints.all()] == [complaint.pk]
        assert MeasureEvent.objects.get().measure_id == measure.pk
        assert MeasureOverdue.objects.get().measure_id == measure.pk
        labels = {(ct.app_label, ct.model) for ct in ContentType.objects.all()}
        assert {("intake", "importjob"), ("prevention", "preventivemeasure")} <= labels
        assert not labels & {("csat", "importjob"), ("complaints", "preventivemeasure")}
    finally:
        _migrate(latest)
