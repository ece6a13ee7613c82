"""Issue #21 item 7: with Redis down (cache and broker), imports still work or wait to be re-queued.

Before: confirming an import answered 500 although it had committed (progress ``cache.delete``);
a file of 1,000+ rows answered 500 (progress ``cache.set``); a file over 512 kB answered 500 and
its job stayed "validating" for ever (the task was lost in on_commit, nothing re-queued it); the
import page answered 500 (``cache.get``). Redis is simulated the way it fails in production: the
cache and the broker point at a local port nobody listens on.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import kombu.pools
import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from config.celery import app
from csat.models import Customer
from intake import services
from intake.models import ImportJob
from intake.tasks import requeue_stalled_imports
from tests.intake.support import csv_bytes, customer_row, grid, upload

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def cache_down(settings: Any) -> None:
    """The cache is a Redis nobody answers (connection refused on every call)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Tasks go to a broker nobody answers (not run inline)."""

    def use(url: str) -> None:
        app.conf.broker_url = url
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()

    names = ("task_always_eager", "broker_url", "broker_connection_retry", "task_publish_retry_policy")
    old = {name: app.conf[name] for name in names}
    app.conf.task_always_eager = False
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    use(f"redis://127.0.0.1:{_closed_port()}/7")
    try:
        yield
    finally:
        for name, value in old.items():
            app.conf[name] = value
        use(old["broker_url"])


def browser(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def customers_file(rows: int) -> bytes:
    return csv_bytes(grid("customers", [customer_row(n) for n in range(1, rows + 1)]))


def _upload(client: Client, store: Any, data: bytes, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            "/imports/", {"kind": "customers", "store": store.pk, "file": upload(data, "c.csv")}
        )


@pytest.mark.usefixtures("cache_down")
def test_cache_down_a_1200_row_file_validates_and_imports(
    agent: Any, store: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = browser(agent)
    response = _upload(client, store, customers_file(1200), django_capture_on_commit_callbacks)
    assert response.status_code == 302, response.content[:300]
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEW and job.total_rows == 1200
    assert client.get(f"/imports/{job.pk}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):  # the small import runs after commit
        response = client.post(f"/imports/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Customer.objects.count() == 1200


@pytest.mark.usefixtures("cache_down")
def test_cache_down_the_page_of_a_running_job_shows_the_rows_counted_in_the_job(
    agent: Any, store: Any
) -> None:
    job = ImportJob.objects.create(
        store=store, kind="customers", file="imports/x.upload", created_by=agent, processed_rows=3000
    )
    response = browser(agent).get(f"/imports/{job.pk}/", headers={"HX-Request": "true"})
    assert response.status_code == 200


@pytest.mark.usefixtures("broker_down")
def test_broker_down_a_large_file_answers_and_beat_queues_it_again(
    agent: Any, store: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "INLINE_BYTES", 1024)  # "over 512 kB" without building one
    data = customers_file(30)
    assert len(data) > services.INLINE_BYTES
    response = _upload(browser(agent), store, data, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATING  # its task is lost with the broker

    # Not yet stalled: nothing is re-queued.
    assert services.import_jobs_requeue_stalled() == []
    # The broker is back (tasks run inline again); 15 minutes later beat picks the job up.
    app.conf.task_always_eager = True
    later = job.updated_at + services.STALLED_AFTER + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert requeue_stalled_imports() == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and job.total_rows == 30
    # Run again: nothing left to re-queue.
    with time_machine.travel(later + services.STALLED_AFTER * 2, tick=False):
        assert requeue_stalled_imports() == []


@pytest.mark.usefixtures("broker_down", "cache_down")
def test_broker_down_a_large_import_confirm_answers_and_is_requeued(
    agent: Any, store: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = browser(agent)
    _upload(client, store, customers_file(30), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEW
    monkeypatch.setattr(services, "INLINE_BYTES", 10)  # the import goes to the (lost) worker
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    assert Customer.objects.count() == 0

    app.conf.task_always_eager = True
    with (
        time_machine.travel(job.updated_at + dt.timedelta(minutes=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert requeue_stalled_imports() == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Customer.objects.count() == 30


def test_requeue_leaves_finished_and_fresh_jobs_alone(agent: Any, store: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    for status in ImportJob.Status.values:
        ImportJob.objects.create(
            store=store, kind="customers", file="imports/x.upload", created_by=agent, status=status
        )
    ImportJob.objects.update(updated_at=now - dt.timedelta(hours=1))
    fresh = ImportJob.objects.create(store=store, kind="customers", file="imports/y.upload", created_by=agent)
    stalled = set(
        ImportJob.objects.filter(status__in=["validating", "importing"])
        .exclude(pk=fresh.pk)
        .values_list("pk", flat=True)
    )
    assert len(stalled) == 2
    assert set(_requeue_without_running(now)) == stalled


def _requeue_without_running(now: dt.datetime) -> list[int]:
    from unittest import mock

    with mock.patch("intake.progress.enqueue"), mock.patch("intake.services.enqueue"):
        return services.import_jobs_requeue_stalled(now=now)


def test_requeue_is_in_the_beat_schedule() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["requeue-stalled-imports"]
    assert entry["task"] == "intake.tasks.requeue_stalled_imports"
    assert entry["task"] in app.tasks and requeue_stalled_imports.name == entry["task"]
