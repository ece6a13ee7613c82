"""Import jobs: upload → validate (preview) → confirm → import, one file in one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from csat.exceptions import ApplicationError
from csat.models import Customer, SalesDelivery, ServiceVisit, Store, Vehicle
from csat.uploads import atomic_with_files
from intake import staging
from intake.bulk_insert import create_rows
from intake.columns import KINDS
from intake.models import ImportChange, ImportJob, ImportRows
from intake.planning import CUSTOMER_FIELDS, Op, Plan, build_plan, plan_parsed
from intake.progress import enqueue, progress_clear, progress_store
from intake.progress import progress_key as progress_key  # re-exported: callers read the key here
from intake.reading import MAX_UPLOAD_BYTES, FileRejected, read_rows

log = logging.getLogger(__name__)

# Files up to this many bytes are validated in the request; larger ones in the worker.
INLINE_BYTES = 512 * 1024
MAX_STORED_ERRORS = 2000
BATCH = 1000
# A validating/importing job whose row has not changed for this long lost its task: beat re-queues it.
STALLED_AFTER = dt.timedelta(minutes=15)
# A validation that fails unexpectedly (not a refused file: the worker out of memory, or killed) is
# tried this many times in all — beat re-queues it after ``STALLED_AFTER`` — then the job fails.
MAX_VALIDATION_ATTEMPTS = 3
# An import whose worker died mid-way (killed for its memory: no exception to catch, its transaction
# rolled back) is started again by beat; after this many starts in all the job fails instead.
MAX_IMPORT_ATTEMPTS = 3


def import_job_create(*, user: Any, store: Store, kind: str, uploaded_file: UploadedFile) -> ImportJob:
    """Store the file and the job in one transaction; the file is deleted again when it fails (a
    full disk mid-write, a refused row: ``csat.uploads.atomic_with_files``)."""
    if kind not in KINDS:
        raise ApplicationError(_("未知的数据类型。"))
    if uploaded_file.size and uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("文件超过 %(mb)d MB 上限。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    name = (uploaded_file.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    job = ImportJob(store=store, kind=kind, original_name=name, created_by=user)
    from intake.tasks import validate_import

    with atomic_with_files() as files:
        files.save(job.file, "upload", uploaded_file)
        job.save()
        if (uploaded_file.size or 0) <= INLINE_BYTES:
            import_job_validate(job_id=job.pk)
            job.refresh_from_db()
        else:
            transaction.on_commit(lambda: enqueue(validate_import, job.pk))
    return job


def _plan_for(job: ImportJob) -> Plan:
    def report(rows: int) -> None:
        progress_store(job.pk, rows)  # best effort (the cache may be down)
        # In the row too: the page shows it without the cache, and beat sees the job is alive.
        # (While importing, the row is locked by this transaction and the filter matches nothing.)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            processed_rows=rows, updated_at=timezone.now()
        )

    with job.file.open("rb") as stream:
        header, rows = read_rows(stream, job.original_name)
        return build_plan(kind=job.kind, store=job.store, header=header, rows=rows, progress=report)


def _record_plan(job: ImportJob, plan: Plan, *, sample: bool = True) -> None:
    """``sample``: False for a plan of the kept rows, which has none (the preview's stays)."""
    job.total_rows = plan.total
    job.processed_rows = plan.total
    job.errors = plan.errors[:MAX_STORED_ERRORS]
    if sample:
        job.preview_rows = plan.sample
    job.rejected_count = len(plan.rejected_rows)
    job.created_count = plan.counts["created"]
    job.updated_count = plan.counts["updated"]
    job.unchanged_count = plan.counts["unchanged"]


def _keep_rows(job: ImportJob, plan: Plan) -> None:
    """Keep a valid preview's parsed rows for the import (intake.staging); drop any older ones."""
    ImportRows.objects.filter(job=job).delete()
    if not plan.ok:
        return
    try:
        data = staging.pack(job.kind, plan.parsed)
    except staging.NotStorable:
        return  # the import reads the file again
    ImportRows.objects.create(job=job, data=data)


def _kept_plan(job: ImportJob) -> Plan | None:
    """The plan of the rows the preview kept, against the database as it is now (None: none kept)."""
    data = ImportRows.objects.filter(job=job).values_list("data", flat=True).first()
    if data is None:
        return None
    parsed = staging.unpack(job.kind, bytes(data))
    if parsed is None or len(parsed) != job.total_rows:
        return None
    progress_store(job.pk, len(parsed))
    return plan_parsed(kind=job.kind, store=job.store, parsed=parsed)


def _validation_given_up(job: ImportJob) -> ImportJob:
    """The job's validations all failed: it fails, saying so to the uploader on the import page."""
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
        status=ImportJob.Status.FAILED,
        message=_(
            "文件校验失败（已尝试 %(n)d 次），未导入任何数据。请检查文件后重新上传；仍然失败请联系管理员。"
        )
        % {"n": MAX_VALIDATION_ATTEMPTS},
        finished_at=now,
        updated_at=now,
    )
    progress_clear(job.pk)
    job.refresh_from_db()
    return job


def import_job_validate(*, job_id: int) -> ImportJob:
    """Build the preview. Safe to repeat: it only reads the file and the database.

    Each start is counted in the job; an unexpected failure is logged and raised (beat re-queues the
    job) until ``MAX_VALIDATION_ATTEMPTS`` starts, then the job fails with a message — also when the
    earlier attempts died without a word (a worker killed for its memory)."""
    job = ImportJob.objects.select_related("store").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    if job.validation_attempts >= MAX_VALIDATION_ATTEMPTS:
        log.error("import job %s: %s validations never finished, given up", job.pk, job.validation_attempts)
        return _validation_given_up(job)
    ImportJob.objects.filter(pk=job.pk).update(validation_attempts=F("validation_attempts") + 1)
    job.validation_attempts += 1
    try:
        plan = _plan_for(job)
    except FileRejected as exc:
        job.status, job.message = ImportJob.Status.INVALID, str(exc)[:300]
        job.save(update_fields=["status", "message", "updated_at"])
        return job
    except Exception:
        log.exception(
            "import job %s: validation attempt %s of %s failed",
            job.pk,
            job.validation_attempts,
            MAX_VALIDATION_ATTEMPTS,
        )
        if job.validation_attempts >= MAX_VALIDATION_ATTEMPTS:
            return _validation_given_up(job)
        raise
    _record_plan(job, plan)
    if plan.total == 0:
        job.status, job.message = ImportJob.Status.INVALID, _("文件中没有数据行。")
    else:
        job.status = ImportJob.Status.PREVIEW if plan.ok else ImportJob.Status.INVALID
    fields = ["status", "message", "total_rows", "processed_rows", "errors", "rejected_count", "preview_rows"]
    with transaction.atomic():
        # One writer at a time (a task delivered twice), and none once the job moved on (cancelled).
        if (
            not ImportJob.objects.select_for_update()
            .filter(pk=job.pk, status=ImportJob.Status.VALIDATING)
            .exists()
        ):
            job.refresh_from_db()
            return job
        _keep_rows(job, plan)
        job.save(update_fields=[*fields, "created_count", "updated_count", "unchanged_count", "updated_at"])
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: Any) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PREVIEW:
        raise ApplicationError(
            _("只有校验通过、待确认的导入才能确认导入（当前：%(s)s）。") % {"s": job.get_status_display()}
        )
    job.status, job.confirmed_by = ImportJob.Status.IMPORTING, user
    job.processed_rows = 0
    job.save(update_fields=["status", "confirmed_by", "processed_rows", "updated_at"])
    from intake.tasks import run_import

    if job.total_rows * 200 <= INLINE_BYTES:  # a few thousand rows: import in the request
        transaction.on_commit(lambda: import_job_run(job_id=job.pk))
    else:
        transaction.on_commit(lambda: enqueue(run_import, job.pk))
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in (ImportJob.Status.PREVIEW, ImportJob.Status.INVALID, ImportJob.Status.VALIDATING):
        raise ApplicationError(_("该导入已开始或已结束，不能取消。"))
    job.status = ImportJob.Status.CANCELLED
    job.save(update_fields=["status", "updated_at"])
    ImportRows.objects.filter(job=job).delete()
    return job


def _import_started(job_id: int) -> ImportJob | None:
    """Count this start of the import, committed on its own: the import's transaction is rolled back
    by a worker that dies in it, and the count must survive that. None: the import goes ahead; else
    the job as it is left (moved on meanwhile, or failed now after ``MAX_IMPORT_ATTEMPTS``)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportJob.Status.IMPORTING:
            return job
        if job.import_attempts >= MAX_IMPORT_ATTEMPTS:
            log.error("import job %s: %s imports never finished, given up", job.pk, job.import_attempts)
            now = timezone.now()
            job.status = ImportJob.Status.FAILED
            job.message = _(
                "导入未能完成（已尝试 %(n)d 次），未写入任何数据。请把文件拆分成几个较小的文件后重新上传；仍然失败请联系管理员。"
            ) % {"n": MAX_IMPORT_ATTEMPTS}
            job.finished_at = now
            job.save(update_fields=["status", "message", "finished_at", "updated_at"])
            ImportRows.objects.filter(job=job).delete()
            transaction.on_commit(lambda: progress_clear(job_id))
            return job
        job.import_attempts += 1
        job.save(update_fields=["import_attempts", "updated_at"])
    return None


def import_job_run(*, job_id: int) -> ImportJob:
    """Import the whole file or nothing. Idempotent: a job runs once, whoever delivers it twice.

    All or nothing: every row is written in the one transaction that also marks the job done, so a
    worker that dies mid-way leaves no row and the job "importing" for beat to start again (at most
    ``MAX_IMPORT_ATTEMPTS`` times in all), and a job marked done is never imported again."""
    left = _import_started(job_id)
    if left is not None:
        return left
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("store").get(pk=job_id)
            if job.status != ImportJob.Status.IMPORTING:
                return job
            plan = _kept_plan(job)
            kept = plan is not None
            if plan is None:  # nothing kept (an older job, or values the format does not keep)
                plan = _plan_for(job)
            _record_plan(job, plan, sample=not kept)
            ImportRows.objects.filter(job=job).delete()  # done with either way (kept on a rollback)
            if not plan.ok:
                # The database changed since the preview: report it, write nothing.
                job.status = ImportJob.Status.INVALID
                job.message = _("导入前复核发现错误，未导入任何数据。")
            else:
                apply_plan(plan, job=job)
                job.status = ImportJob.Status.DONE
            job.finished_at = timezone.now()
            job.save()
    except Exception:
        # The transaction rolled back, so nothing was written: say so rather than "importing" for ever.
        now = timezone.now()
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).update(
            status=ImportJob.Status.FAILED,
            message=_("导入失败，未写入任何数据。请稍后重试或联系管理员。"),
            finished_at=now,
            updated_at=now,
        )
        progress_clear(job_id)
        raise
    progress_clear(job_id)
    return job


def import_jobs_requeue_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Put back on the queue the jobs whose task was lost (the broker refused it, a worker died).

    A job validating or importing whose row has not changed for ``STALLED_AFTER``: validation
    writes its progress into the row every 1,000 rows, and a running import holds the row's lock
    (``skip_locked`` passes it by, on PostgreSQL). Each re-queued job's ``updated_at`` is touched,
    so it is tried once per ``STALLED_AFTER``; the tasks change nothing when the job has moved on
    (both check the status), so running this twice, or alongside a slow worker, is harmless. The
    tasks count their starts: a job that keeps killing its worker fails after
    ``MAX_VALIDATION_ATTEMPTS`` validations or ``MAX_IMPORT_ATTEMPTS`` imports, and is not re-queued.
    """
    from intake.tasks import run_import, validate_import

    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING],
                updated_at__lt=now - STALLED_AFTER,
            )
            .order_by("pk")
            .values_list("pk", "status")[:100]
        )
        ImportJob.objects.filter(pk__in=[pk for pk, _status in stalled]).update(updated_at=now)
        for pk, status in stalled:
            task = validate_import if status == ImportJob.Status.VALIDATING else run_import
            transaction.on_commit(lambda task=task, pk=pk: enqueue(task, pk))  # type: ignore[misc]
    return [pk for pk, _status in stalled]


def _audit(job: ImportJob) -> dict[str, Any]:
    """History attribution of an import's rows: the user who confirmed it, and the job."""
    reason = _("数据导入 #%(id)s %(name)s") % {"id": job.pk, "name": job.original_name}
    return {"user": job.confirmed_by or job.created_by, "reason": reason[:100]}


def _bulk_update(model: Any, objects: list[Any], fields: set[str], job: ImportJob) -> None:
    if objects:
        now = timezone.now()
        for obj in objects:
            obj.updated_at = now
        names = sorted(fields | {"updated_at"})
        if hasattr(model, "history"):
            audit = _audit(job)
            bulk_update_with_history(
                objects,
                model,
                names,
                batch_size=BATCH,
                default_user=audit["user"],
                default_change_reason=audit["reason"],
            )
        else:
            model.objects.bulk_update(objects, names, batch_size=BATCH)


def _apply_updates(
    ops: list[Op], model_name: str, job: ImportJob, changes: list[ImportChange]
) -> tuple[list, set]:
    updated, fields = [], set()
    for op in ops:
        diff = op.diff()
        if not diff:
            continue
        for name in diff:
            if name != "owner_mobile":
                setattr(op.existing, name, op.values[name])
                fields.add(name)
        updated.append(op.existing)
        changes.append(
            ImportChange(
                job=job, model=model_name, object_id=op.existing.pk, natural_key=op.key, changes=diff
            )
        )
    return updated, fields


def apply_plan(plan: Plan, *, job: ImportJob) -> None:
    """Write the plan: new rows by COPY (PostgreSQL) or bulk_create, updates by bulk_update."""
    store = plan.store
    audit = _audit(job)
    changes: list[ImportChange] = []

    new_customers = [op for op in plan.customers.values() if op.is_new]
    ids = create_rows(
        Customer,
        ("mobile", "name", "extra_phones", "do_not_contact", "do_not_contact_reason", "remarks"),
        [
            (
                op.key,
                op.values["name"],
                op.values.get("extra_phones") or [],
                bool(op.values.get("do_not_contact")),
                op.values.get("do_not_contact_reason") or "",
                op.values.get("remarks") or "",
            )
            for op in new_customers
        ],
        constants={"store_id": store.pk},
        **audit,
    )
    customer_ids = {op.key: pk for op, pk in zip(new_customers, ids, strict=True)}
    updated, fields = _apply_updates(
        [op for op in plan.customers.values() if not op.is_new], "customer", job, changes
    )
    _bulk_update(Customer, updated, fields & set(CUSTOMER_FIELDS), job)
    customer_ids |= {op.key: op.existing.pk for op in plan.customers.values() if not op.is_new}

    new_vehicles = [
        (
            op.key,
            customer_ids[op.values["owner_mobile"]],
            op.values.get("plate") or "",
            op.values.get("model") or "",
            op.values.get("purchase_date"),
        )
        for op in plan.vehicles.values()
        if op.is_new
    ]
    ids = create_rows(
        Vehicle,
        ("vin", "customer_id", "plate", "model", "purchase_date"),
        new_vehicles,
        constants={"store_id": store.pk},
        **audit,
    )
    existing_vehicle_ops = [op for op in plan.vehicles.values() if not op.is_new]
    updated, fields = _apply_updates(existing_vehicle_ops, "vehicle", job, changes)
    updated_ids = {vehicle.pk for vehicle in updated}
    for op in existing_vehicle_ops:
        owner = op.values.get("owner_mobile")
        if owner and customer_ids.get(owner) and op.existing.customer_id != customer_ids[owner]:
            op.existing.customer_id = customer_ids[owner]  # the car changed hands
            fields.add("customer")
            if op.existing.pk not in updated_ids:  # a set: a list scan is quadratic
                updated_ids.add(op.existing.pk)
                updated.append(op.existing)
    _bulk_update(Vehicle, updated, fields, job)
    # VIN → (vehicle id, owner id), for the records that follow.
    vehicles = {row[0]: (pk, row[1]) for row, pk in zip(new_vehicles, ids, strict=True)} | {
        op.key: (op.existing.pk, op.existing.customer_id) for op in existing_vehicle_ops
    }

    if plan.kind == "sales":
        _apply_sales(plan, store, vehicles, job, changes)
    elif plan.kind == "service_visits":
        _apply_visits(plan, store, vehicles, job, changes)
    ImportChange.objects.bulk_create(changes, batch_size=BATCH)


def _apply_sales(
    plan: Plan, store: Store, vehicles: dict[str, tuple[int, int]], job: ImportJob, changes: list
) -> None:
    create_rows(
        SalesDelivery,
        ("vehicle_id", "customer_id", "consultant_id", "delivered_at"),
        [
            (*vehicles[op.key], op.values["consultant_id"], op.values["delivered_at"])
            for op in plan.records.values()
            if op.is_new
        ],
        constants={"store_id": store.pk},
    )
    updated, fields = _apply_updates(
        [op for op in plan.records.values() if not op.is_new], "sale", job, changes
    )
    _bulk_update(SalesDelivery, updated, fields, job)


# A new visit's columns from its plan (intake.planning._plan_record); a value left empty (None)
# takes the model default, as a ServiceVisit built without it would.
VISIT_COLUMNS = (
    "kind",
    "service_advisor_id",
    "technician_id",
    "opened_at",
    "handed_back_at",
    "mileage",
    "quality_related",
    "parts_backorder_days",
)
_VISIT_DEFAULTS = {
    f.attname: f.get_default() for f in ServiceVisit._meta.concrete_fields if f.attname in VISIT_COLUMNS
}


def _apply_visits(
    plan: Plan, store: Store, vehicles: dict[str, tuple[int, int]], job: ImportJob, changes: list
) -> None:
    defaults = [_VISIT_DEFAULTS[name] for name in VISIT_COLUMNS]
    new = []
    for op in plan.records.values():
        if not op.is_new:
            continue
        values = op.values
        row = [values.get(name) for name in VISIT_COLUMNS]
        new.append(
            (
                op.key,
                *vehicles[values["vin"]],
                *(default if value is None else value for value, default in zip(row, defaults, strict=True)),
            )
        )
    create_rows(
        ServiceVisit,
        ("repair_order_no", "vehicle_id", "customer_id", *VISIT_COLUMNS),
        new,
        constants={"store_id": store.pk},
    )
    updated, fields = _apply_updates(
        [op for op in plan.records.values() if not op.is_new], "service_visit", job, changes
    )
    _bulk_update(ServiceVisit, updated, fields, job)
