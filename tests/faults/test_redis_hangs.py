"""A Redis that accepts connections and never answers (issue #21 item 2).

Before: a dispatch that notifies hung for minutes after its change was saved (no socket timeout
on the Celery publish, one publish per delivery), and every cached page waited on the cache. Now
every broker and cache call has connect/read timeouts from the settings, a failed publish is
logged and left for beat's re-queue, and a failure makes the process skip Redis for a short
cool-down instead of waiting again on every call.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import kombu.pools
import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from complaints.models import Status
from config.celery import app
from csat import caching, publishing
from csat.models import Delivery

pytestmark = pytest.mark.django_db
UPPER_BOUND_SECONDS = 10  # a fault test, not a benchmark: minutes before the fix


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A local socket that accepts connections and never answers; closed at the end, which
    releases anything still waiting on it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()


def _use_broker(url: str | None, options: dict[str, Any] | None) -> None:
    app.conf.broker_url = url
    app.conf.broker_transport_options = options or {}
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def broker_on(silent_redis: str) -> Iterator[str]:
    """Celery publishes to the silent Redis with the production Redis settings (not the test's
    embedded broker, and not a retry policy made up by the test)."""
    names = ("task_always_eager", "broker_url", "broker_transport_options")
    old = {name: app.conf[name] for name in names}
    app.conf.task_always_eager = False
    _use_broker(silent_redis, django_settings.REDIS_BROKER_TRANSPORT_OPTIONS)
    publishing.broker_recovered()
    try:
        yield silent_redis
    finally:
        publishing.broker_recovered()
        _use_broker(old["broker_url"], old["broker_transport_options"])
        app.conf.task_always_eager = old["task_always_eager"]


def test_redis_settings_have_timeouts_and_bounded_publish_retries() -> None:
    s = django_settings
    for options in (s.REDIS_BROKER_TRANSPORT_OPTIONS, s.REDIS_CACHE_OPTIONS):
        assert 0 < options["socket_connect_timeout"] <= 5 and 0 < options["socket_timeout"] <= 5
    assert s.CELERY_BROKER_CONNECTION_TIMEOUT <= 5
    assert s.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1


def test_a_dispatch_that_notifies_returns_and_is_saved_when_redis_never_answers(
    ticket: Any, agent: Any, sales: Any, broker_on: str, django_capture_on_commit_callbacks: Any
) -> None:
    sales.webhook_url = "http://127.0.0.1:9/robot"
    sales.save(update_fields=["webhook_url"])
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk})
    took = time.monotonic() - started
    assert response.status_code == 302 and took < UPPER_BOUND_SECONDS
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    # Left in the database for beat's re-queue.
    assert Delivery.objects.filter(sent_at__isnull=True, attempts=0).exists()

    # The next request does not wait on the dead broker again (cool-down).
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk})
    assert time.monotonic() - started < 2


@pytest.fixture
def cache_on(silent_redis: str, settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": silent_redis,
            "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
        }
    }
    caches._settings = None  # type: ignore[attr-defined]  # rebuilt from the new settings
    caches.__init__()  # type: ignore[misc]
    caching.cache_recovered()
    yield
    caching.cache_recovered()


def test_cached_pages_degrade_quickly_when_redis_never_answers(agent: Any, cache_on: None) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    started = time.monotonic()
    first = client.get("/callbacks/")
    assert first.status_code == 200 and time.monotonic() - started < UPPER_BOUND_SECONDS
    started = time.monotonic()
    assert client.get("/").status_code == 200
    assert time.monotonic() - started < 2  # the cache is skipped during the cool-down


def test_beat_requeues_the_deliveries_whose_publish_failed(agent: Any) -> None:
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from csat.notifications import deliveries_requeue
    from csat.tasks import requeue_deliveries

    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    lost = Delivery.objects.create(channel=Delivery.Channel.EMAIL, target=agent.email, key="k1", title="派单")
    fresh = Delivery.objects.create(channel=Delivery.Channel.EMAIL, target=agent.email, key="k2", title="新")
    Delivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert requeue_deliveries.delay().get() == 1  # eager in tests: queued and sent
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.sent_at is not None and fresh.sent_at is None
    assert [m.subject for m in mail.outbox] == ["派单"]
    assert deliveries_requeue() == 0  # sent: nothing left, never twice
    assert "requeue-deliveries" in django_settings.CELERY_BEAT_SCHEDULE
