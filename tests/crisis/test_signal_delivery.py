"""Early warning reaches people exactly once: a worker dying after a signal is recorded cannot lose its
notification, and every grade-D signal is in exactly one daily digest however late, early or
concurrently the digest runs."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from crisis.early_warning import digest, firing, sweep_patterns
from crisis.models import SignalDigest, WarningSignal
from csat import notifications
from csat.models import Notification
from tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory
from tests.fixtures import T0, at


def backordered(store: Any, customer: Any = None, days: int = 6) -> Any:
    customer = customer or CustomerFactory(store=store)
    return ServiceVisitFactory(
        vehicle=VehicleFactory(store=store, customer=customer), parts_backorder_days=days
    )


def digests(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, key__startswith="signal-digest:").order_by("pk"))


def run_digest(*moment: int) -> int:
    with time_machine.travel(at(*moment), tick=False):
        return digest.signal_digest_send()


def sweep(*moment: int) -> int:
    with time_machine.travel(at(*moment), tick=False):
        return sweep_patterns()


@pytest.mark.django_db
def test_a_worker_dying_after_the_signal_is_recorded_still_notifies_on_redelivery(
    clock: Any, ccm: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vehicle = VehicleFactory(store=store, customer=CustomerFactory(store=store))
    for days_ago in (5, 2):  # two quality repairs within 30 days: grade E, told at once
        ServiceVisitFactory(vehicle=vehicle, quality_related=True, opened_at=T0 - dt.timedelta(days=days_ago))

    def killed(**kwargs: Any) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(firing, "notify", killed)
    with pytest.raises(SystemExit):
        sweep_patterns(now=T0)
    monkeypatch.undo()
    # Nothing recorded without its notification: the redelivered task (acks_late) fires it again.
    assert sweep_patterns(now=T0) == 1
    signal = WarningSignal.objects.get()
    assert Notification.objects.filter(recipient=ccm, key=f"signal:{signal.pk}").count() == 1
    assert sweep_patterns(now=T0) == 0  # and only once


@pytest.mark.django_db
def test_a_digest_run_an_hour_late_still_tells_yesterdays_signal_once(ccm: Any, store: Any) -> None:
    assert run_digest(2026, 3, 11, 8, 30) == 0
    with time_machine.travel(at(2026, 3, 11, 9, 0), tick=False):  # after day 1's digest
        backordered(store, days=9)
        assert sweep_patterns() == 1
    assert run_digest(2026, 3, 12, 9, 30) == 1  # the 08:30 run, an hour late
    assert run_digest(2026, 3, 13, 8, 30) == 0  # on time again: nothing new
    (told,) = digests(ccm)
    assert told.key == f"signal-digest:{store.pk}:2026-03-12" and "缺件等待 9 天" in told.body


@pytest.mark.django_db
def test_a_digest_run_early_does_not_repeat_the_signals_of_the_day_before(ccm: Any, store: Any) -> None:
    sweep_at = (2026, 3, 11, 8, 0)
    with time_machine.travel(at(*sweep_at), tick=False):
        backordered(store)
        assert sweep_patterns() == 1
    assert run_digest(2026, 3, 11, 8, 30) == 1
    assert run_digest(2026, 3, 12, 7, 30) == 0  # an hour early: the signal was told yesterday
    assert len(digests(ccm)) == 1


@pytest.mark.django_db
def test_a_repeat_after_the_digest_is_in_the_next_one(ccm: Any, store: Any) -> None:
    customer = CustomerFactory(store=store)
    with time_machine.travel(at(2026, 3, 11, 8, 0), tick=False):
        backordered(store, customer)
        sweep_patterns()
    assert run_digest(2026, 3, 11, 8, 30) == 1
    with time_machine.travel(at(2026, 3, 11, 15, 0), tick=False):
        backordered(store, customer, days=8)  # the same code again within the week: joins the row
        sweep_patterns()
    assert WarningSignal.objects.get().occurrences == 2
    assert run_digest(2026, 3, 12, 8, 30) == 1
    assert run_digest(2026, 3, 13, 8, 30) == 0
    assert "缺件等待 8 天" in digests(ccm)[-1].body


@pytest.mark.django_db
def test_a_second_run_the_same_day_leaves_new_signals_to_the_next_digest(ccm: Any, store: Any) -> None:
    with time_machine.travel(at(2026, 3, 11, 8, 0), tick=False):
        backordered(store)
        sweep_patterns()
    assert run_digest(2026, 3, 11, 8, 30) == 1
    with time_machine.travel(at(2026, 3, 11, 10, 0), tick=False):
        backordered(store, days=7)
        sweep_patterns()
    assert run_digest(2026, 3, 11, 11, 0) == 0  # one digest a day: the new signal waits
    assert run_digest(2026, 3, 12, 22, 0) == 1  # told the next day, however late
    first, second = digests(ccm)
    assert "缺件等待 7 天" not in first.body and "缺件等待 7 天" in second.body
    assert "1 条" in second.title


@pytest.mark.django_db
def test_a_digest_that_dies_midway_tells_nothing_and_the_redelivery_tells_all(
    ccm: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(at(2026, 3, 11, 8, 0), tick=False):
        backordered(store)
        sweep_patterns()

    def killed(messages: Any) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(digest, "notify_many", killed)
    with pytest.raises(SystemExit):
        run_digest(2026, 3, 11, 8, 30)
    monkeypatch.undo()
    assert SignalDigest.objects.count() == 0
    assert run_digest(2026, 3, 11, 8, 31) == 1
    assert len(digests(ccm)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_digests_at_once_send_one_and_lose_nothing(
    ccm: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run A holds its store's signals while it writes the digest; run B starts meanwhile, and a new
    signal commits in between. B sends nothing (the rows A holds are told, the day's digest is A's),
    and the new signal is in the next day's digest, not dropped."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to show")
    with time_machine.travel(at(2026, 3, 11, 8, 0), tick=False):
        backordered(store)
        sweep_patterns()
    inside, release = threading.Event(), threading.Event()
    real = digest.notify_many

    def held(messages: Any) -> None:
        if threading.current_thread().name == "A":
            inside.set()
            assert release.wait(timeout=30)
        real(messages)

    monkeypatch.setattr(digest, "notify_many", held)
    sent: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            sent[name] = digest.signal_digest_send(now=at(2026, 3, 11, 8, 30))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertions
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(at(2026, 3, 11, 8, 30), tick=False):
        a = threading.Thread(target=run, args=("A",), name="A")
        a.start()
        assert inside.wait(timeout=30)
        backordered(store, days=7)  # committed while A is under way
        sweep_patterns()
        b = threading.Thread(target=run, args=("B",), name="B")
        b.start()
        time.sleep(0.5)  # B reaches A's locks (or the day's digest row) and waits
        release.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert errors == []
    assert sent == {"A": 1, "B": 0}
    (told,) = digests(ccm)
    assert "1 条" in told.title and "缺件等待 6 天" in told.body
    assert run_digest(2026, 3, 12, 8, 30) == 1
    assert "缺件等待 7 天" in digests(ccm)[-1].body


@pytest.mark.django_db
def test_the_digest_queues_its_mail_only_after_the_commit(
    ccm: Any, store: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    published: list[Any] = []
    monkeypatch.setattr(notifications, "_publish", lambda uids: published.extend(uids) or len(uids))
    with time_machine.travel(at(2026, 3, 11, 8, 0), tick=False):
        backordered(store)
        sweep_patterns()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_digest(2026, 3, 11, 8, 30)
    assert published == [] and callbacks
