"""The deadline sweep in real processes on PostgreSQL: a worker SIGKILLed in the middle of a sweep
loses and doubles nothing, and two beats started by mistake still alert each breach once.

(In-process variants — a sweep raising midway, threads sweeping at once — are in
tests/complaints/test_sweep.py.)
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from complaints.models import ComplaintEvent, Deadline, DeadlineAlert
from complaints.services import workflow
from csat.models import Notification, Role
from tests.factories import CustomerFactory, StaffFactory

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 60
# The worker: the real sweep with small batches, pausing after each committed batch so the test can
# kill it between two batches (production batches are 500; the behaviour per batch is the same).
WORKER = """
import time, django
django.setup()
from complaints.services import deadlines
deadlines.SWEEP_BATCH, deadlines.SWEEP_ROUNDS = 10, 100
real = deadlines._alert_batch
def slow(*args, **kwargs):
    result = real(*args, **kwargs)
    time.sleep(0.2)
    return result
deadlines._alert_batch = slow
print(deadlines.enforce_deadlines())
"""


@pytest.fixture
def overdue(transactional_db: None, agent: Any, care: Any, store: Any) -> list[int]:
    """TICKETS urgent tickets received two days ago: every dispatch deadline is overdue (committed)."""
    if connection.vendor != "postgresql":
        pytest.skip("process-level sweeps need PostgreSQL (run with DATABASE_URL=postgres://…)")
    # Who hears of the breaches: customer care's manager and the GM.
    StaffFactory(username="ccm", role=Role.CUSTOMER_CARE_MANAGER, store=store, department=care)
    StaffFactory(username="gm", role=Role.GENERAL_MANAGER, store=store, department=None)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=2), tick=False):
        for n in range(TICKETS):
            workflow.complaint_create(
                actor=agent,
                customer=CustomerFactory(store=store),
                content=f"第{n}位客户投诉。",
                received_by_department=care,
                urgent=True,
            )
    rows = list(Deadline.objects.filter(met_at__isnull=True).values_list("pk", flat=True))
    assert len(rows) == TICKETS
    return rows


def _sweep() -> subprocess.Popen[bytes]:
    """``manage.py enforce_deadlines`` in its own process, on the test database."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _breaches() -> int:
    return DeadlineAlert.objects.filter(kind="breach").count()


def _assert_each_alerted_once(rows: list[int]) -> None:
    alerts = Counter(DeadlineAlert.objects.values_list("deadline_id", "kind"))
    assert alerts == {(pk, kind): 1 for pk in rows for kind in ("warning", "breach")}
    # Not guarded by a constraint: the side effects of each breach ran once.
    assert ComplaintEvent.objects.filter(action="deadline_breached").count() == len(rows)
    assert Deadline.objects.filter(pk__in=rows, breached_at__isnull=True).count() == 0
    assert set(Counter(Notification.objects.values_list("recipient_id", "key")).values()) == {1}


def test_a_worker_killed_midway_loses_and_doubles_nothing(overdue: list[int]) -> None:
    worker = _sweep()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and worker.poll() is None:
        done = _breaches()
        if 0 < done < TICKETS:
            worker.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    worker.wait(30)
    killed_at = _breaches()
    assert worker.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert 0 < killed_at < TICKETS

    again = _sweep()
    assert again.wait(120) == 0
    assert _breaches() == TICKETS
    _assert_each_alerted_once(overdue)


def test_two_beats_by_mistake_still_alert_once(overdue: list[int]) -> None:
    beats = [_sweep(), _sweep()]
    assert [beat.wait(180) for beat in beats] == [0, 0]
    _assert_each_alerted_once(overdue)
