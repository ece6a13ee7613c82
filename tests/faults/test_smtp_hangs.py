"""A mail server that accepts the connection and never answers (audit "bad day", scenario 2b).

It held ``delivery_send`` for ever (``EMAIL_TIMEOUT`` unset), and it did so inside the transaction
that locked the delivery: on a laptop's SQLite file every save of the web app then failed with
"database is locked". Now each SMTP step gives up after ``EMAIL_TIMEOUT`` and the send runs with no
transaction open: the delivery is claimed (committed), sent, and the result recorded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from csat import notifications
from csat.models import Delivery
from csat.tasks import send_delivery

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_smtp(settings: Any) -> Iterator[int]:
    """A local socket that accepts connections and never says a word (no SMTP greeting)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.getsockname()[1]
        yield server.getsockname()[1]


def test_a_silent_mail_server_fails_the_attempt_after_email_timeout(silent_smtp: int, settings: Any) -> None:
    assert 0 < django_settings.EMAIL_TIMEOUT <= 15  # the configured bound (Django's default is None)
    settings.EMAIL_TIMEOUT = 0.5  # the same bound, shorter for the test
    delivery = Delivery.objects.create(
        channel=Delivery.Channel.EMAIL, target="gm@example.com", key="k", title="t"
    )
    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):
        notifications.delivery_send(uid=str(delivery.uid))
    assert time.monotonic() - started < 3
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.sent_at, delivery.claimed_at) == (1, None, None)
    assert "timed out" in delivery.last_error


def test_a_send_outlives_no_task_time_limit_and_no_claim_outlives_the_hard_limit() -> None:
    """A worker is never killed in the middle of an ordinary send, and a live worker's claim is never
    taken over: the hard limit ends a stuck send long before its claim counts as stale."""
    assert send_delivery.soft_time_limit >= 6 * django_settings.EMAIL_TIMEOUT
    assert send_delivery.time_limit > send_delivery.soft_time_limit
    assert notifications.CLAIM_STALE_AFTER.total_seconds() >= 2 * send_delivery.time_limit


LAPTOP = """
import json, threading, time, django
django.setup()
from django.db import connection, connections, transaction
from csat import notifications
from csat.models import Delivery

connections["default"].settings_dict["OPTIONS"]["timeout"] = 3  # fail fast instead of after 20 s
with connection.schema_editor() as editor:
    editor.create_model(Delivery)
mail = Delivery.objects.create(channel="email", target="gm@example.com", key="k", title="t")
other = Delivery.objects.create(channel="email", target="cc@example.com", key="k", title="t")
connection.close()
entered, release = threading.Event(), threading.Event()

def silent_server(*args, **kwargs):
    entered.set()
    release.wait(15)
    raise TimeoutError("timed out")

notifications.send_mail = silent_server
out = {}

def worker():
    try:
        notifications.delivery_send(uid=str(mail.uid))
    except Exception as exc:
        out["worker"] = repr(exc)
    finally:
        connections.close_all()

thread = threading.Thread(target=worker)
thread.start()
entered.wait(10)
started = time.monotonic()
try:
    with transaction.atomic():  # the web app saves something meanwhile
        Delivery.objects.filter(pk=other.pk).update(title="web")
    out["web"] = "ok"
except Exception as exc:
    out["web"] = repr(exc)
out["web_seconds"] = time.monotonic() - started
started = time.monotonic()
try:
    out["second_worker"] = notifications.delivery_send(uid=str(mail.uid))
except Exception as exc:
    out["second_worker"] = repr(exc)
out["second_worker_seconds"] = time.monotonic() - started
release.set()
thread.join(30)
mail.refresh_from_db()
out["row"] = [mail.attempts, mail.sent_at is None, mail.claimed_at is None, mail.last_error]
print(json.dumps(out))
"""


def test_the_laptop_database_stays_writable_while_the_mail_server_hangs(tmp_path: Path) -> None:
    """Web, worker and beat share one SQLite file (``dev.py start``): the worker waiting on SMTP
    holds no write lock, so the web app's saves go through, and a second worker sends nothing."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'laptop.sqlite3'}",
        BROKER_DIR=str(tmp_path / "broker"),
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="x",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LAPTOP], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["web"] == "ok" and out["web_seconds"] < 1, out
    assert out["second_worker"] is False and out["second_worker_seconds"] < 1, out
    assert out["worker"] == "TimeoutError('timed out')"
    assert out["row"] == [1, True, True, "timed out"]  # one attempt, recorded, the claim released


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_both_send_and_the_second_does_not_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL, two workers at once on one delivery (a redelivered task): one send, and the
    second returns at once instead of waiting on a row lock held for the length of the send."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers (the laptop test above covers it)")
    delivery = Delivery.objects.create(
        channel=Delivery.Channel.EMAIL, target="gm@example.com", key="k", title="t"
    )
    entered, release = threading.Event(), threading.Event()
    sent: list[str] = []

    def slow_server(subject: str, body: str, sender: str, to: list[str]) -> int:
        sent.extend(to)
        entered.set()
        release.wait(10)
        return 1

    monkeypatch.setattr(notifications, "send_mail", slow_server)
    results: dict[str, Any] = {}

    def first() -> None:
        try:
            results["first"] = notifications.delivery_send(uid=str(delivery.uid))
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert entered.wait(10)
        started = time.monotonic()
        results["second"] = notifications.delivery_send(uid=str(delivery.uid))
        results["second_seconds"] = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert results["first"] is True and results["second"] is False
    assert results["second_seconds"] < 1
    assert sent == ["gm@example.com"]
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is not None and delivery.claimed_at is None
