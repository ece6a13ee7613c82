"""A worker killed mid-import (PostgreSQL): the process dies with the rows written and not committed.

Nothing runs in the dying process — no ``except``, no rollback — so what keeps the import all or
nothing is PostgreSQL dropping the open transaction of a connection whose client vanished. The
job stays "importing"; beat starts it again and the file is imported exactly once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from csat.models import Customer, ServiceVisit, Vehicle
from intake import services
from intake.models import ImportJob, ImportRows
from tests.intake.support import grid, upload, visit_row, xlsx_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "a killed client's open transaction needs PostgreSQL (run with DATABASE_URL=postgres://…)"
        )


def _killed_mid_import(job_id: int) -> None:
    """The worker: writes every row of the import, then is killed before the commit."""
    real = services.apply_plan

    def apply_plan(plan: Any, *, job: ImportJob) -> None:
        real(plan, job=job)
        assert Customer.objects.count() == 3  # written, in the open transaction
        os.kill(os.getpid(), signal.SIGKILL)

    services.apply_plan = apply_plan  # type: ignore[assignment]  # this process only
    services.import_job_run(job_id=job_id)


def _counts() -> tuple[int, int, int]:
    return Customer.objects.count(), Vehicle.objects.count(), ServiceVisit.objects.count()


def test_an_import_whose_worker_is_killed_is_imported_once_by_the_retry(
    store_a: Any, agent: Any, staff_a: Any
) -> None:
    rows = [visit_row(1), visit_row(2), visit_row(3)]
    job = services.import_job_create(
        user=agent,
        store=store_a,
        kind="service_visits",
        uploaded_file=upload(xlsx_bytes(grid("service_visits", rows)), "v.xlsx"),
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, confirmed_by=agent)

    connections.close_all()  # the child opens its own connection
    worker = multiprocessing.get_context("fork").Process(target=_killed_mid_import, args=(job.pk,))
    worker.start()
    worker.join(60)
    assert worker.exitcode == -signal.SIGKILL

    job.refresh_from_db()
    assert (job.status, job.import_attempts) == (ImportJob.Status.IMPORTING, 1)
    assert _counts() == (0, 0, 0)
    assert ImportRows.objects.filter(job=job).exists()  # the preview's rows, for the retry
    # Beat finds the job once its lock is gone (PostgreSQL ends the dead client's session).
    later = timezone.now() + services.STALLED_AFTER + dt.timedelta(minutes=1)
    for _attempt in range(50):
        requeued = services.import_jobs_requeue_stalled(now=later)  # the eager worker runs it
        if requeued:
            break
        time.sleep(0.1)
    assert requeued == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.import_attempts) == (ImportJob.Status.DONE, 2)
    assert (job.created_count, job.updated_count) == (3, 0)
    assert _counts() == (3, 3, 3)
    assert services.import_jobs_requeue_stalled(now=later + dt.timedelta(hours=1)) == []
    assert _counts() == (3, 3, 3)
