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
