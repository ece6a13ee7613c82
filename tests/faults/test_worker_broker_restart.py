"""Issue #21 soak finding: a Redis restart stopped the Celery worker for good.

The soak test (``bench/soak.py``) restarted Redis under traffic and the worker exited with
"Unrecoverable error: AttributeError: 'NoneType' object has no attribute 'hostname'" (celery/kombu
5.7.0: the consumer collects the lost connection, then closes it, and the Redis channel's close
builds a client from the forgotten address). ``config.worker.Consumer`` treats it as the connection
error it is. This test runs a real worker against a real, throwaway redis-server, restarts the server
without persistence (the queue is lost) and checks that the same worker is still running and executes
a task sent after the restart.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PORT = 6391  # a throwaway redis-server of this test (the one in test_broker_and_channels uses 6390)


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _redis() -> subprocess.Popen[bytes]:
    import redis

    server = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            redis.Redis(port=PORT).ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("redis-server did not start")


def _wait_for(log: Path, text: str, seconds: float, worker: subprocess.Popen[bytes]) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if text in log.read_text(errors="replace"):
            return True
        if worker.poll() is not None:
            return False
        time.sleep(0.3)
    return False


def _send(n: int, countdown: int | None = None) -> str:
    from celery import Celery

    app = Celery("probe", broker=f"redis://127.0.0.1:{PORT}/3")
    try:
        return str(app.send_task("celery.accumulate", args=[n, 1000], countdown=countdown).id)
    finally:
        app.close()


def test_the_worker_is_configured_with_the_restart_safe_consumer() -> None:
    from config.celery import app

    assert settings.CELERY_WORKER_CONSUMER == "config.worker:Consumer"
    assert app.conf.worker_consumer == "config.worker:Consumer"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
@pytest.mark.skipif(not _free(PORT), reason=f"port {PORT} is taken")
def test_the_worker_survives_a_redis_restart_and_executes_tasks_afterwards(tmp_path: Path) -> None:
    env: dict[str, Any] = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": f"redis://127.0.0.1:{PORT}/3",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    server = _redis()
    worker = None
    try:
        with log.open("wb") as out:
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
                 "--without-mingle", "--without-gossip", "-n", f"restart{os.getpid()}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        assert _wait_for(log, "ready.", 90, worker), log.read_text()[-3000:]
        first = _send(1)
        assert _wait_for(log, f"celery.accumulate[{first}] succeeded", 30, worker), log.read_text()[-3000:]

        # A task due later is held by the worker, unacknowledged (as a delivery's retry is): the
        # lost connection's close then has messages to restore — where 5.7.0 crashed.
        later = _send(3, countdown=600)
        assert _wait_for(log, f"celery.accumulate[{later}]", 30, worker), log.read_text()[-3000:]
        time.sleep(1)

        # The broker goes away under the worker (the queue with it) and comes back.
        server.terminate()
        server.wait(10)
        time.sleep(2)
        server = _redis()

        second = _send(2)
        ok = _wait_for(log, f"celery.accumulate[{second}] succeeded", 60, worker)
        text = log.read_text(errors="replace")
        assert worker.poll() is None, text[-4000:]  # the worker is still running …
        assert "Unrecoverable error" not in text
        assert ok, text[-4000:]  # … and works
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, 15)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, 9)
        server.terminate()
        server.wait(10)
