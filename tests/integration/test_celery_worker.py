"""A real Celery worker on Redis runs complaints.tasks.enforce_deadlines against the test database and
records the breach of an overdue deadline.

Needs Redis and PostgreSQL: skipped unless CSAT_STACK_SMOKE=1 or REDIS_URL is set, and the suite runs on
PostgreSQL (DATABASE_URL=postgres://…). The worker listens on a queue of its own, so another worker on
the same Redis never takes the task.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from celery.result import EagerResult
from django.conf import settings
from django.db import connection
from django.utils import timezone

from complaints.models import ComplaintEvent, Deadline, DeadlineAlert, DeadlineKind
from complaints.services import workflow
from complaints.tasks import enforce_deadlines
from config.celery import app as celery_app
from csat.models import DepartmentKind, Role
from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, StoreFactory

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 30


def _redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if os.environ.get("CSAT_STACK_SMOKE") == "1":
        return "redis://127.0.0.1:6379/0"
    return ""


@pytest.mark.django_db(transaction=True)
def test_real_worker_records_the_breach() -> None:
    redis_url = _redis_url()
    if not redis_url:
        pytest.skip("set CSAT_STACK_SMOKE=1 or REDIS_URL to run the Celery worker test (needs Redis)")
    if connection.vendor != "postgresql":
        pytest.skip("the worker test needs PostgreSQL (DATABASE_URL=postgres://…): SQLite is not shared")
    import redis

    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()  # fail loudly: Redis was promised

    # An urgent complaint received on the last working morning: its 30-minute dispatch deadline is
    # overdue whatever the hour now (off hours it would fall due when work resumes, DOMAIN §9).
    store = StoreFactory(code="WK01")
    care = DepartmentFactory(store=store, kind=DepartmentKind.CUSTOMER_CARE)
    agent = StaffFactory(username="worker_agent", role=Role.AGENT, store=store, department=care)
    StaffFactory(username="worker_ccm", role=Role.CUSTOMER_CARE_MANAGER, store=store, department=care)
    with time_machine.travel(_last_working_morning(), tick=False):
        ticket = workflow.complaint_create(
            actor=agent,
            customer=CustomerFactory(store=store),
            content="电话投诉",
            received_by_department=care,
            urgent=True,
        )
    overdue = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.DISPATCH)
    assert overdue.due_at < timezone.now() and overdue.breached_at is None

    queue = f"csat-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "CSAT_WORKER_BROKER_URL": redis_url,
        "CSAT_WORKER_DB_NAME": settings.DATABASES["default"]["NAME"],
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = tempfile.NamedTemporaryFile(prefix="csat-worker-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        # Enqueue on Redis (the test process itself runs tasks eagerly unless told otherwise).
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            with celery_app.connection_for_write(redis_url) as broker:
                sent = enforce_deadlines.apply_async(queue=queue, connection=broker)
        finally:
            celery_app.conf.task_always_eager = eager
        assert not isinstance(sent, EagerResult), "the task ran in the test process, not in the worker"
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if DeadlineAlert.objects.filter(deadline=overdue, kind=DeadlineAlert.Kind.BREACH).exists():
                break
            assert worker.poll() is None, "the worker exited:\n" + Path(log.name).read_text(errors="replace")
            time.sleep(0.5)
        else:
            pytest.fail(
                f"no breach within {TIMEOUT_SECONDS}s; worker log:\n"
                + Path(log.name).read_text(errors="replace")
            )
        # The worker, not this process, ran it.
        assert f"{sent.id}" in Path(log.name).read_text(errors="replace")
        overdue.refresh_from_db()
        assert overdue.breached_at is not None and overdue.warned_at is not None
        assert DeadlineAlert.objects.filter(deadline=overdue).count() == 2
        assert ComplaintEvent.objects.filter(complaint=ticket, action="deadline_breached").count() == 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _last_working_morning() -> dt.datetime:
    """10:00 Beijing time on the last working day before today (the worker runs on the real clock)."""
    from csat.business_time import business_tz
    from csat.domain.calendar import is_working_day

    day = timezone.localdate(timezone=business_tz()) - dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=business_tz())
