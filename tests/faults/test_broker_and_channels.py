"""Redis (the broker) stopped, and a notification channel that never answers.

The web app keeps working while the broker is down (the deliveries stay queued in the database and
the deadline sweep reads the database, not the broker), and a webhook that hangs is retried with
backoff by the delivery task, never inside the workflow request.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import kombu.pools
import pytest
import time_machine
from celery.exceptions import Retry
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint, DeadlineAlert, Status
from complaints.services.deadlines import enforce_deadlines
from config.celery import app
from csat import notifications, publishing
from csat.models import Delivery
from csat.tasks import send_delivery

pytestmark = pytest.mark.django_db
SPARE_PORT = 6390  # a throwaway redis-server for the stop/start test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(settings: Any) -> Iterator[Any]:
    """Tasks go through a real broker (not run inline); the URL is set by the test."""

    def use(url: str) -> None:
        app.conf.broker_url = url
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        # kombu caches producer pools per connection globally; a closed one would be handed out
        # again to the next test ("Acquire on closed pool").
        kombu.pools.reset()
        publishing.broker_recovered()  # a cool-down from another broker's failure does not apply

    names = ("task_always_eager", "broker_url", "broker_connection_retry", "task_publish_retry_policy")
    old = {name: app.conf[name] for name in names}
    app.conf.task_always_eager = False
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    try:
        yield use
    finally:
        for name, value in old.items():
            app.conf[name] = value
        use(old["broker_url"])


def _dispatch(client: Client, ticket: Any, sales: Any, capture: Any) -> tuple[int, float]:
    started = time.monotonic()
    with capture(execute=True):  # run the after-commit enqueue like a real request would
        response = client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk})
    return response.status_code, time.monotonic() - started


def test_broker_down_the_app_works_and_deadlines_are_caught_up_later(
    ticket: Any, agent: Any, sales: Any, broker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    broker(f"redis://127.0.0.1:{_free_port()}/7")  # nobody listens there
    sales.webhook_url = "http://127.0.0.1:9/robot"
    sales.save(update_fields=["webhook_url"])
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    status, took = _dispatch(client, ticket, sales, django_capture_on_commit_callbacks)
    assert status == 302 and took < 5
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    # The notification is kept in the database until a worker can send it.
    assert Delivery.objects.filter(sent_at__isnull=True).exists()
    assert client.get(f"/complaints/{ticket.pk}/").status_code == 200

    # Three days later the broker is back; the sweep reads overdue deadlines from the database.
    with time_machine.travel(dt.timedelta(days=3)):
        first = enforce_deadlines()
        again = enforce_deadlines()
        # The steps overdue by then (the progress report runs 3 working days from dispatch, #20).
        open_deadlines = ticket.deadlines.filter(
            met_at__isnull=True, cancelled_at__isnull=True, due_at__lte=timezone.now()
        )
    assert first["breaches"] == open_deadlines.count() >= 1
    assert again == {"warnings": 0, "breaches": 0}
    for deadline in open_deadlines:
        assert DeadlineAlert.objects.filter(deadline=deadline, kind="breach").count() == 1


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_a_real_redis_stopped_and_restarted(
    store: Any, agent: Any, care: Any, sales: Any, broker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import redis

    from complaints.services import workflow
    from tests.factories import CustomerFactory

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(SPARE_PORT), "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                redis.Redis(port=SPARE_PORT).ping()
                return server
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def new_ticket() -> Complaint:
        return workflow.complaint_create(
            actor=agent, customer=CustomerFactory(store=store), content="异响。", received_by_department=care
        )

    sales.webhook_url = "http://127.0.0.1:9/robot"
    sales.save(update_fields=["webhook_url"])
    broker(f"redis://127.0.0.1:{SPARE_PORT}/7")
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    queue = redis.Redis(port=SPARE_PORT, db=7)
    server = start()
    try:
        assert _dispatch(client, new_ticket(), sales, django_capture_on_commit_callbacks)[0] == 302
        queued = queue.llen("celery")
        assert queued >= 1  # the deliveries went to the broker
        server.terminate()
        server.wait(10)
        status, took = _dispatch(client, new_ticket(), sales, django_capture_on_commit_callbacks)
        assert status == 302 and took < 5  # stopped: the action still works
        server = start()
        assert _dispatch(client, new_ticket(), sales, django_capture_on_commit_callbacks)[0] == 302
        assert redis.Redis(port=SPARE_PORT, db=7).llen("celery") >= 1  # queuing again
    finally:
        server.terminate()
        server.wait(10)
    assert Complaint.objects.filter(status=Status.DISPATCHED).count() == 3


@pytest.fixture
def hanging_webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local socket that accepts connections and never answers."""
    monkeypatch.setattr(notifications, "WEBHOOK_TIMEOUT_SECONDS", 0.5)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/robot"


def test_a_hanging_webhook_never_blocks_the_request_and_is_retried_with_backoff(
    ticket: Any,
    agent: Any,
    sales: Any,
    broker: Any,
    hanging_webhook: str,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    broker("memory://")
    sales.webhook_url = hanging_webhook
    sales.save(update_fields=["webhook_url"])
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    status, took = _dispatch(client, ticket, sales, django_capture_on_commit_callbacks)
    assert status == 302 and took < 0.5 + 2  # well under one webhook timeout plus the request itself
    webhook = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK, target=hanging_webhook)
    assert (webhook.attempts, webhook.sent_at) == (0, None)

    # The worker's side: each attempt times out, is recorded, and is retried later and later.
    countdowns: list[int] = []

    def retry(exc: Exception | None = None, countdown: int = 0, **kwargs: Any) -> Retry:
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(send_delivery, "retry", retry)
    for n in range(3):
        send_delivery.push_request(retries=n)
        try:
            started = time.monotonic()
            with pytest.raises(Retry):
                send_delivery.run(str(webhook.uid))
            assert time.monotonic() - started < 3
        finally:
            send_delivery.pop_request()
    webhook.refresh_from_db()
    assert countdowns == [30, 60, 120]
    assert webhook.attempts == 3 and webhook.sent_at is None
    assert "timed out" in webhook.last_error
