"""A department's step and the deadline sweep on the same ticket at the same moment (PostgreSQL).

DOMAIN §5 / source 003 "未在指定期间内完成工作的，每次扣2分": a step met after its due time costs the
department −2 exactly once (one DeadlineAlert), whoever records it first: the sweep, or the step
itself (deadline_meet). Both take the ticket's row lock before the timer's, as every step does; the
sweep took the timer first, so a step racing it deadlocked (one side aborted: the manager's step lost,
or the sweep's whole batch), and a late step whose racing sweep then died recorded no breach at all
(met timers are never swept again), though the report counted the step missed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection

from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineAlert, DeadlineKind
from complaints.services import deadlines as dl
from complaints.services import steps
from csat.models import Department
from tests.fixtures import T0

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")


@pytest.fixture
def ticket(make_complaint: Callable[..., Complaint]) -> Iterator[tuple[Complaint, Deadline]]:
    """An urgent ticket whose dispatch step (wall clock) has been warned on time."""
    with time_machine.travel(T0, tick=False):
        complaint = make_complaint(urgent=True)
    deadline = Deadline.objects.get(complaint=complaint, kind=DeadlineKind.DISPATCH)
    dl.enforce_deadlines(now=deadline.warn_at + dt.timedelta(seconds=1))
    yield complaint, deadline


def _in_thread(errors: list[str], name: str, work: Callable[[], Any]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - a dying worker raises SystemExit
            errors.append(f"{name}: {exc!r}"[:300])
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _dispatching(
    errors: list[str], complaint: Complaint, people: dict[str, Any], sales: Department
) -> threading.Thread:
    """The manager dispatches the ticket to sales, in a thread of its own."""
    return _in_thread(
        errors,
        "dispatch",
        lambda: steps.complaint_dispatch(complaint=complaint.pk, actor=people["agent"], department=sales),
    )


def _held_dispatch(
    monkeypatch: pytest.MonkeyPatch,
    errors: list[str],
    complaint: Complaint,
    people: dict[str, Any],
    sales: Department,
) -> tuple[threading.Thread, threading.Event]:
    """Start the dispatch and return once it holds the ticket's row lock, kept (nothing committed)
    until the returned event is set; then the step goes on."""
    holding, release = threading.Event(), threading.Event()
    real_dispatch = steps.dispatch

    def slow_dispatch(*args: Any, **kwargs: Any) -> Any:
        holding.set()  # the ticket is locked by the step now
        release.wait(10)
        return real_dispatch(*args, **kwargs)

    monkeypatch.setattr(steps, "dispatch", slow_dispatch)
    step = _dispatching(errors, complaint, people, sales)
    assert holding.wait(10)
    return step, release


def _paused_sweep(monkeypatch: pytest.MonkeyPatch, *, dies: bool) -> tuple[threading.Event, threading.Event]:
    """Hold the sweep inside its breach batch (rows locked, nothing committed), then let it go on or
    die there (a worker killed mid-batch)."""
    locked, release = threading.Event(), threading.Event()
    real = dl.notify_many

    def notify_many(messages: list[Any]) -> Any:
        if any(m.key.endswith(":breach") for m in messages) and not locked.is_set():
            locked.set()
            release.wait(10)
            if dies:
                raise SystemExit("worker killed mid-batch")
        return real(messages)

    monkeypatch.setattr(dl, "notify_many", notify_many)
    return locked, release


def _charged(deadline: Deadline) -> tuple[int, int]:
    alerts = DeadlineAlert.objects.filter(deadline=deadline, kind=DeadlineAlert.Kind.BREACH).count()
    events = ComplaintEvent.objects.filter(
        complaint=deadline.complaint_id, action="deadline_breached"
    ).count()
    return alerts, events


@pytest.mark.parametrize("dies", [False, True], ids=["sweep commits", "sweep worker dies"])
def test_late_step_racing_the_sweep_is_charged_once(
    ticket: tuple[Complaint, Deadline],
    people: dict[str, Any],
    sales: Department,
    monkeypatch: pytest.MonkeyPatch,
    dies: bool,
) -> None:
    complaint, deadline = ticket
    locked, release = _paused_sweep(monkeypatch, dies=dies)
    errors: list[str] = []
    late = deadline.due_at + dt.timedelta(seconds=2)
    with time_machine.travel(late, tick=False):
        sweep = _in_thread(errors, "sweep", lambda: dl.enforce_deadlines(now=late))
        assert locked.wait(10)
        step = _dispatching(errors, complaint, people, sales)
        step.join(1.0)  # the step waits for the ticket the sweep holds
        release.set()
        sweep.join(30)
        step.join(30)
    assert errors == (["sweep: SystemExit('worker killed mid-batch')"] if dies else [])
    deadline.refresh_from_db()
    complaint.refresh_from_db()
    assert complaint.status == "dispatched"
    assert deadline.met_at == late
    assert deadline.breached_at is not None
    assert _charged(deadline) == (1, 1)
    # The next sweeps (every minute) add nothing.
    monkeypatch.undo()
    for minutes in (1, 60):
        dl.enforce_deadlines(now=late + dt.timedelta(minutes=minutes))
    assert _charged(deadline) == (1, 1)


@pytest.mark.parametrize("offset", [-1, 1], ids=["in time", "late"])
def test_sweep_leaves_a_ticket_a_step_is_holding(
    ticket: tuple[Complaint, Deadline],
    people: dict[str, Any],
    sales: Department,
    monkeypatch: pytest.MonkeyPatch,
    offset: int,
) -> None:
    """The step took the ticket first (the manager clicked just before or just after the due time);
    the sweep, a second after the due time, neither waits for it nor charges a step met in time."""
    complaint, deadline = ticket
    errors: list[str] = []
    at = deadline.due_at + dt.timedelta(seconds=offset)
    counts: dict[str, int] = {}
    with time_machine.travel(at, tick=False):
        step, release = _held_dispatch(monkeypatch, errors, complaint, people, sales)
        sweep = _in_thread(
            errors,
            "sweep",
            lambda: counts.update(dl.enforce_deadlines(now=deadline.due_at + dt.timedelta(seconds=2))),
        )
        sweep.join(10)
        assert not sweep.is_alive(), "the sweep waited for the ticket a step holds"
        release.set()
        step.join(30)
    assert errors == []
    assert counts["breaches"] == 0
    deadline.refresh_from_db()
    assert deadline.met_at == at
    monkeypatch.undo()
    dl.enforce_deadlines(now=deadline.due_at + dt.timedelta(minutes=1))
    assert _charged(deadline) == ((0, 0) if offset < 0 else (1, 1))


def test_calendar_change_waits_for_a_step_instead_of_deadlocking(
    make_complaint: Callable[..., Complaint],
    people: dict[str, Any],
    sales: Department,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DOMAIN §9 "Working time after the package's data ends": an admin's holiday correction moves
    the open working-time timers. A manager dispatching a ticket at that moment holds the ticket
    and then meets its timer; the recompute saved the timer first and then needed the ticket for
    its next due time, so PostgreSQL aborted one of them (the admin's correction or the manager's
    step). Now the recompute takes the ticket first and waits; both land."""
    from csat import services as csat_services

    with time_machine.travel(T0, tick=False):
        complaint = make_complaint()
    deadline = Deadline.objects.get(complaint=complaint, kind=DeadlineKind.DISPATCH)
    assert not deadline.wall_clock
    errors: list[str] = []
    at = T0 + dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        step, release = _held_dispatch(monkeypatch, errors, complaint, people, sales)
        admin = _in_thread(
            errors,
            "calendar",
            lambda: csat_services.calendar_override_set(date=T0.date(), is_working_day=False, note="补休"),
        )
        admin.join(1.0)  # the correction reaches the ticket the step holds
        release.set()
        step.join(30)
        admin.join(30)
    assert errors == []
    deadline.refresh_from_db()
    complaint.refresh_from_db()
    assert complaint.status == "dispatched"
    assert deadline.met_at == at
    assert csat_services.CalendarOverride.objects.filter(date=T0.date(), is_working_day=False).exists()
    # The department's new 2-hour callback step starts after the holiday (the next working day).
    contact = Deadline.objects.get(complaint=complaint, kind=DeadlineKind.FIRST_CONTACT)
    assert complaint.next_due_at == contact.due_at
    assert contact.due_at.astimezone(T0.tzinfo).date() > T0.date()
