"""/healthz: database, broker and beat liveness, no login, 200 or 503, bounded when Redis is down."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from csat import health

pytestmark = pytest.mark.django_db


def beat_ran(ago: timedelta | None) -> None:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(  # the row exists: migrate writes the schedule
        name="enforce-deadlines",
        defaults={
            "task": "complaints.tasks.enforce_deadlines",
            "interval": every_minute,
            "last_run_at": timezone.now() - ago if ago is not None else None,
        },
    )


def test_all_ok_is_200_without_login() -> None:
    beat_ran(timedelta(minutes=1))
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] is True
    assert body["broker"] is True  # the embedded filesystem broker in tests
    assert body["beat"]["ok"] is True
    assert body["beat"]["last_run"] is not None
    assert body["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_stale_beat_is_503(settings: Any) -> None:
    beat_ran(timedelta(seconds=settings.HEALTH_BEAT_MAX_AGE + 60))
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False
    assert response.json()["database"] is True


def test_beat_that_never_ran_is_503() -> None:
    beat_ran(None)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"] == {"last_run": None, "missing": [], "ok": False}


def test_a_disabled_task_does_not_count_as_beat_alive() -> None:
    beat_ran(timedelta(minutes=1))
    PeriodicTask.objects.update(enabled=False)
    assert Client().get("/healthz").status_code == 503


def test_skip_beat_for_the_web_container_probe() -> None:
    response = Client().get("/healthz?skip=beat")
    assert response.status_code == 200
    assert "beat" not in response.json()


def test_database_down_is_503(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def cursor(self) -> Any:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Broken())
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] is False
    assert body["beat"]["ok"] is False
    assert body["ok"] is False


def test_redis_down_is_503_and_fast(settings: Any) -> None:
    beat_ran(timedelta(minutes=1))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/6"  # nothing listens on port 1
    started = time.monotonic()
    response = Client().get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json()["broker"] is False
    assert response.json()["database"] is True


def test_unroutable_redis_times_out_quickly(settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://10.255.255.1:6379/6"  # blackholed: only the timeout ends it
    started = time.monotonic()
    assert health.broker_ok() is False
    assert time.monotonic() - started < health.CHECK_TIMEOUT_SECONDS + 1.5


def test_redis_up_is_ok(settings: Any) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, db=6, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/6"
    assert health.broker_ok() is True


def test_missing_broker_folder_is_not_ok(settings: Any, tmp_path: Any) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    assert health.broker_ok() is False


def test_beat_writes_last_run_at_after_every_task_it_sends() -> None:
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    scheduler = DatabaseScheduler(app=app, lazy=True)
    assert scheduler.sync_every_tasks == 1  # CELERY_BEAT_SYNC_EVERY: liveness is never minutes stale


# --- every beat entry exists (issue #21 item 16) ------------------------------------------------


def test_every_beat_entry_is_a_periodic_task_after_migrate(settings: Any) -> None:
    rows = {task.name: task for task in PeriodicTask.objects.all()}
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert rows[name].task == entry["task"]
    closed = rows["monthly-report-closed"]
    assert (closed.crontab.hour, closed.crontab.day_of_month, closed.kwargs) == (
        "2,8,14,20",
        "1-3",
        '{"which": "previous"}',
    )
    assert str(closed.crontab.timezone) == settings.CELERY_TIMEZONE
    current = rows["monthly-report-current"]
    assert (current.crontab.hour, current.crontab.day_of_month, current.kwargs) == (
        "6,12,18",
        "28,29",
        '{"which": "current"}',
    )


def test_beat_failing_to_write_an_entry_at_start_still_schedules_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first start on SQLite: beat's own write of an entry hit "database is locked"."""
    from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

    from config.celery import app

    real = ModelEntry.from_entry.__func__  # type: ignore[attr-defined]

    def locked(cls: Any, name: str, app: Any = None, **entry: Any) -> Any:
        if name == "monthly-report-closed":
            raise OperationalError("database is locked")
        return real(cls, name, app=app, **entry)

    monkeypatch.setattr(ModelEntry, "from_entry", classmethod(locked))
    # Beat closes "old" connections before reading; on PostgreSQL that is the test's own transaction.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    # Beat loads crontab entries whose hour is near the current one: start it on the 1st at 01:30.
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2027, 1, 1, 1, 30, tzinfo=shanghai), tick=False):
        scheduler = DatabaseScheduler(app=app)
        entry = scheduler.schedule["monthly-report-closed"]
    assert entry.task == "reports.tasks.build_monthly_report" and entry.kwargs == {"which": "previous"}


def test_schedule_sync_is_idempotent_and_restores_a_lost_entry() -> None:
    from csat.beat import beat_schedule_sync

    PeriodicTask.objects.filter(name="monthly-report-closed").delete()
    before = PeriodicTask.objects.count()
    assert beat_schedule_sync() == ["monthly-report-closed"]
    assert beat_schedule_sync() == []
    assert PeriodicTask.objects.count() == before + 1


def test_health_names_a_missing_beat_entry() -> None:
    beat_ran(timedelta(minutes=1))
    PeriodicTask.objects.filter(name="monthly-report-closed").delete()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"]["missing"] == ["monthly-report-closed"]


# --- notifications the mail server or robot did not take (audit "bad day" 2) --------------------


def _delivery(key: str, **fields: Any) -> Any:
    from csat.models import Delivery

    return Delivery.objects.create(
        channel=Delivery.Channel.EMAIL, target=f"{key}@example.com", key=key, title="t"
    )


def test_health_counts_deliveries_unsent_for_an_hour_and_given_up_as_warnings() -> None:
    """The admin sees them; the status stays 200 (the app works: a load balancer must keep it, as
    for an unconfirmed calendar year)."""
    from csat.models import Delivery

    beat_ran(timedelta(minutes=1))
    now = timezone.now()
    fresh = _delivery("fresh")  # being retried, not yet an hour old: nothing to say
    late = [_delivery(f"late{n}") for n in range(3)]
    given_up = _delivery("given-up")
    old_given_up = _delivery("old-given-up")
    sent = _delivery("sent")
    Delivery.objects.filter(pk__in=[d.pk for d in late]).update(
        created_at=now - timedelta(hours=2), attempts=7, last_error="SMTP down"
    )
    Delivery.objects.filter(pk=given_up.pk).update(created_at=now - timedelta(days=2), gave_up_at=now)
    Delivery.objects.filter(pk=old_given_up.pk).update(
        created_at=now - timedelta(days=12), gave_up_at=now - timedelta(days=10)
    )
    Delivery.objects.filter(pk=sent.pk).update(created_at=now - timedelta(hours=3), sent_at=now)
    assert fresh.sent_at is None

    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["database"] is True  # the keys the probes read are kept
    assert body["deliveries"] == {"unsent_over_1h": 3, "given_up_7d": 1}
    codes = {w["code"]: w["count"] for w in body["warnings"] if w["code"].startswith("deliveries")}
    assert codes == {"deliveries_unsent": 3, "deliveries_given_up": 1}


def test_health_without_a_backlog_has_no_delivery_warning() -> None:
    beat_ran(timedelta(minutes=1))
    _delivery("fresh")
    body = Client().get("/healthz").json()
    assert body["deliveries"] == {"unsent_over_1h": 0, "given_up_7d": 0}
    assert [w for w in body["warnings"] if w["code"].startswith("deliveries")] == []


def test_health_reads_the_backlog_in_two_queries(django_assert_max_num_queries: Any) -> None:
    from csat.selectors import delivery_backlog

    with django_assert_max_num_queries(2):
        delivery_backlog()


def test_skip_deliveries_leaves_the_counts_out() -> None:
    response = Client().get("/healthz?skip=beat,deliveries")
    assert response.status_code == 200
    assert "deliveries" not in response.json()
