"""Outgoing e-mail and robot deliveries: claimed before the send, retried, re-queued, given up.

The sender claims a delivery and commits before it calls the channel (no lock held while a mail
server is slow, tests/faults/test_smtp_hangs.py); a claim left by a worker that died is taken again
after ``CLAIM_STALE_AFTER``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from csat import notifications
from csat.models import Delivery

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):  # noqa: N818 - what a SIGKILL looks like from inside: nothing is caught
    pass


def _delivery(key: str = "k", **fields: Any) -> Delivery:
    return Delivery.objects.create(
        channel=Delivery.Channel.EMAIL, target=f"{key}@example.com", key=key, title=f"标题 {key}", **fields
    )


def test_the_claim_counts_the_attempt_before_the_send(monkeypatch: pytest.MonkeyPatch) -> None:
    delivery = _delivery()
    seen: list[tuple[int, bool]] = []

    def server(*args: Any, **kwargs: Any) -> int:
        row = Delivery.objects.get(pk=delivery.pk)
        seen.append((row.attempts, row.claimed_at is not None))
        return 1

    monkeypatch.setattr(notifications, "send_mail", server)
    assert notifications.delivery_send(uid=str(delivery.uid)) is True
    assert seen == [(1, True)]  # claimed and counted while the mail server is talked to
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is not None and delivery.claimed_at is None


def test_a_live_claim_is_left_to_its_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    delivery = _delivery(attempts=1, claimed_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    assert notifications.delivery_send(uid=str(delivery.uid)) is False
    assert mail.outbox == []
    assert notifications.deliveries_requeue() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is None


def test_a_worker_killed_mid_send_leaves_a_claim_that_is_taken_again_later(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = _delivery()

    def killed(*args: Any, **kwargs: Any) -> int:
        raise WorkerKilled

    monkeypatch.setattr(notifications, "send_mail", killed)
    with pytest.raises(WorkerKilled):
        notifications.delivery_send(uid=str(delivery.uid))
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.claimed_at is not None and delivery.sent_at is None
    monkeypatch.undo()

    # Within CLAIM_STALE_AFTER nobody touches it (its worker may still be sending) …
    clock.shift(notifications.CLAIM_STALE_AFTER - timedelta(seconds=30))
    assert notifications.deliveries_requeue() == 0
    assert notifications.delivery_send(uid=str(delivery.uid)) is False
    # … after it, beat's re-queue hands it to a worker, which sends it (once).
    mail.outbox.clear()
    clock.shift(timedelta(minutes=1))
    assert notifications.deliveries_requeue() == 1  # eager in tests: queued and sent
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 2 and delivery.claimed_at is None
    assert [m.to for m in mail.outbox] == [["k@example.com"]]
    assert notifications.deliveries_requeue() == 0


def test_a_late_result_never_steals_a_claim_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker slower than CLAIM_STALE_AFTER (no time limit on a solo pool) finds its claim taken
    over: its failure leaves the new claim alone; its success is recorded (the mail went out)."""
    delivery = _delivery()
    now = timezone.now()

    def taken_over(*args: Any, **kwargs: Any) -> int:
        Delivery.objects.filter(pk=delivery.pk).update(claimed_at=now + timedelta(minutes=11), attempts=2)
        raise ConnectionRefusedError("late")

    monkeypatch.setattr(notifications, "send_mail", taken_over)
    with pytest.raises(ConnectionRefusedError):
        notifications.delivery_send(uid=str(delivery.uid))
    delivery.refresh_from_db()
    assert delivery.claimed_at == now + timedelta(minutes=11) and delivery.last_error == ""


# --- failed deliveries: retried by the task, then by beat's re-queue, given up after 48 h ---------


class SmtpDown:
    """The mail server refusing connections; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> int:
        self.calls += 1
        raise ConnectionRefusedError("[Errno 111] SMTP server down")


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What beat's re-queue hands to the broker (not sent: only the choice is under test)."""
    uids: list[str] = []

    def publish(batch: Any) -> int:
        uids.extend(str(uid) for uid in batch)
        return len(batch)

    monkeypatch.setattr(notifications, "_publish", publish)
    return uids


def test_an_outage_longer_than_the_task_retries_is_caught_up_by_beat(
    clock: Any, agent: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Audit scenario 2: the task's 6 retries (30 s … 16 min) ran out while the mail server was down;
    beat's re-queue only took deliveries never tried, so the message was never sent."""
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)  # eager retries run (at once)
    down = SmtpDown()
    monkeypatch.setattr(notifications, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[agent], key="outage", title="派单通知")
    delivery = Delivery.objects.get(key="outage")
    assert down.calls == delivery.attempts == 7 and delivery.sent_at is None  # the task gave up
    assert delivery.last_error == "[Errno 111] SMTP server down"

    monkeypatch.setattr(notifications, "send_mail", lambda *args, **kwargs: 1)  # the server is back
    clock.shift(timedelta(minutes=20))  # still within the 7th attempt's backoff (32 min)
    assert notifications.deliveries_requeue() == 0
    clock.shift(timedelta(minutes=20))
    assert notifications.deliveries_requeue() == 1
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.attempts == 8 and delivery.last_error == ""
    assert notifications.deliveries_requeue() == 0


def test_a_failed_delivery_waits_its_backoff_and_the_retry_due_at_its_end(
    clock: Any, queued: list[str]
) -> None:
    delivery = _delivery(attempts=3, last_attempt_at=timezone.now(), last_error="down")
    # The task's own retry comes after 2 minutes (30 s × 2²); beat makes up for it 2 minutes later.
    clock.shift(notifications.retry_backoff(3) + notifications.REQUEUE_AFTER - timedelta(seconds=1))
    assert notifications.deliveries_requeue() == 0
    clock.shift(timedelta(seconds=2))
    assert notifications.deliveries_requeue() == 1 and queued == [str(delivery.uid)]


def test_after_the_task_retries_a_delivery_is_tried_hourly(clock: Any, queued: list[str]) -> None:
    assert [notifications.retry_backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 30)] == [
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]
    _delivery(attempts=30, last_attempt_at=timezone.now() - timedelta(minutes=59), last_error="down")
    assert notifications.deliveries_requeue() == 0
    clock.shift(timedelta(minutes=4))
    assert notifications.deliveries_requeue() == 1


def test_the_task_retries_a_delivery_after_its_own_backoff(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery beat re-queued after 30 attempts waits an hour before its next try, not 30 s."""
    from celery.exceptions import Retry

    from csat.tasks import send_delivery

    delivery = _delivery(attempts=30, last_attempt_at=timezone.now() - timedelta(hours=2), last_error="down")
    monkeypatch.setattr(notifications, "send_mail", SmtpDown())
    countdowns: list[int] = []

    def retry(exc: Exception | None = None, countdown: int = 0, **kwargs: Any) -> Retry:
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(send_delivery, "retry", retry)
    send_delivery.push_request(retries=0)
    try:
        with pytest.raises(Retry):
            send_delivery.run(str(delivery.uid))
    finally:
        send_delivery.pop_request()
    assert countdowns == [3600]


def test_a_delivery_not_sent_within_48_hours_is_given_up_with_its_reason(
    clock: Any, queued: list[str], settings: Any
) -> None:
    assert settings.DELIVERY_GIVE_UP_HOURS == 48
    failing = _delivery("failing", attempts=40, last_attempt_at=timezone.now(), last_error="SMTP server down")
    never = _delivery("never")
    clock.shift(timedelta(hours=47, minutes=59))
    Delivery.objects.filter(pk=failing.pk).update(last_attempt_at=timezone.now() - timedelta(hours=2))
    assert notifications.deliveries_requeue() == 2  # still worth a try
    assert not Delivery.objects.filter(gave_up_at__isnull=False).exists()

    clock.shift(timedelta(minutes=2))
    queued.clear()
    assert notifications.deliveries_requeue() == 0 and queued == []
    failing.refresh_from_db()
    never.refresh_from_db()
    assert failing.gave_up_at == never.gave_up_at == timezone.now()
    assert failing.last_error == "SMTP server down"  # the last failure is why
    assert never.last_error == "never tried within 48 h"
    # Given up for good: a task still in the queue sends nothing.
    mail.outbox.clear()
    assert notifications.delivery_send(uid=str(failing.uid)) is False
    assert mail.outbox == [] and failing.attempts == 40


def test_the_give_up_age_is_a_setting(clock: Any, queued: list[str], settings: Any) -> None:
    settings.DELIVERY_GIVE_UP_HOURS = 6
    delivery = _delivery(attempts=9, last_attempt_at=timezone.now(), last_error="down")
    clock.shift(timedelta(hours=6, minutes=1))
    assert notifications.deliveries_requeue() == 0
    delivery.refresh_from_db()
    assert delivery.gave_up_at is not None


def test_a_delivery_a_live_worker_holds_is_not_given_up_under_it(clock: Any, queued: list[str]) -> None:
    delivery = _delivery(attempts=50)
    clock.shift(timedelta(hours=48, minutes=1))
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timedelta(minutes=1))
    assert notifications.deliveries_give_up() == 0
    clock.shift(notifications.CLAIM_STALE_AFTER)  # its worker died
    assert notifications.deliveries_give_up() == 1
    delivery.refresh_from_db()
    assert (
        delivery.claimed_at is None
        and delivery.last_error == "not sent within 48 h (worker stopped mid-send)"
    )
