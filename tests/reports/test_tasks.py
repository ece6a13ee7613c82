"""The beat task (idempotent per month and scope) and the management command."""

from __future__ import annotations

import datetime as dt
import errno
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from config.celery import app
from csat.models import Notification
from reports.models import MonthlyReport
from reports.tasks import build_monthly_report
from tests.reports.builders import MONTH, SH

pytestmark = pytest.mark.django_db


def test_beat_builds_group_and_each_store_once(march: Any) -> None:
    first = build_monthly_report.delay(which="previous").get()
    second = build_monthly_report(which="previous")
    assert first == second
    reports = MonthlyReport.objects.order_by("scope")
    assert [(r.scope, r.version, r.trigger, r.run_key) for r in reports] == [
        ("GROUP", 1, "beat", "beat:previous:2026-03:GROUP"),
        ("GZ01", 1, "beat", "beat:previous:2026-03:GZ01"),
        ("SZ01", 1, "beat", "beat:previous:2026-03:SZ01"),
    ]
    assert {r.month for r in reports} == {MONTH}


def test_current_and_previous_are_separate_runs(march: Any) -> None:
    build_monthly_report(which="current")  # on 2026-04-02 the current month is April
    build_monthly_report(which="previous")
    build_monthly_report(which="current", month="2026-03")  # the 28th's run for March, replayed
    assert sorted({f"{r.month:%Y-%m}" for r in MonthlyReport.objects.all()}) == ["2026-03", "2026-04"]
    march_sz = MonthlyReport.objects.filter(month=MONTH, scope="SZ01").order_by("version")
    assert [r.run_key for r in march_sz] == ["beat:previous:2026-03:SZ01", "beat:current:2026-03:SZ01"]


def test_unknown_which_is_refused() -> None:
    with pytest.raises(ValueError):
        build_monthly_report(which="next")


def test_command_builds_the_month(march: Any) -> None:
    out = StringIO()
    call_command("build_monthly_report", "2026-03", stdout=out)
    assert "2026-03 GROUP v1" in out.getvalue() and "2026-03 SZ01 v1" in out.getvalue()
    call_command("build_monthly_report", "2026-03", "--store", "SZ01", stdout=out)
    assert "2026-03 SZ01 v2" in out.getvalue()
    assert MonthlyReport.objects.filter(trigger="command").count() == 4
    with pytest.raises(CommandError):
        call_command("build_monthly_report", "2026-13")
    with pytest.raises(CommandError):
        call_command("build_monthly_report", "2026-03", "--store", "NOPE")


@pytest.fixture
def retried_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager tasks run their retries at once and end in a result, as a worker would (the suite
    otherwise propagates every task's exception, a retry's too)."""
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def _failing_once(monkeypatch: pytest.MonkeyPatch, scope: str, then: Any = None) -> list[str]:
    """``report_build`` of ``scope`` fails the first time (the disk full), then works; ``then`` runs
    at the failure (the clock moving on). Returns the scopes in the order they were asked for."""
    from reports import tasks

    real = tasks.report_build
    asked: list[str] = []

    def build(**kwargs: Any) -> Any:
        current = kwargs["store"].code if kwargs["store"] is not None else "GROUP"
        asked.append(current)
        if current == scope and asked.count(scope) == 1:
            if then is not None:
                then()
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "report_build", build)
    return asked


def test_a_failed_scope_neither_stops_the_others_nor_stays_missing(
    march: Any,
    monkeypatch: pytest.MonkeyPatch,
    retried_inline: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Audit (a bad day): the disk full on the second store at 02:00 on the 1st left every later
    store without its report until someone noticed. The other scopes are built in the same run, and
    the retry builds the missing one; each scope is published once."""
    asked = _failing_once(monkeypatch, "GZ01")
    with django_capture_on_commit_callbacks(execute=True):
        build_monthly_report.delay(which="previous")
    # First run: GROUP, GZ01 (fails), SZ01; the retry: GROUP and SZ01 found by their run keys, GZ01 built.
    assert asked == ["GROUP", "GZ01", "SZ01", "GROUP", "GZ01", "SZ01"]
    reports = MonthlyReport.objects.order_by("scope")
    assert [(r.scope, r.version, r.run_key) for r in reports] == [
        ("GROUP", 1, "beat:previous:2026-03:GROUP"),
        ("GZ01", 1, "beat:previous:2026-03:GZ01"),
        ("SZ01", 1, "beat:previous:2026-03:SZ01"),
    ]
    keys = Counter(Notification.objects.filter(key__startswith="report:").values_list("key", "recipient"))
    assert keys and set(keys.values()) == {1}
    assert {key for key, _recipient in keys} == {
        "report:GROUP:2026-03",
        "report:GZ01:2026-03",
        "report:SZ01:2026-03",
    }


def test_the_retry_builds_the_month_it_was_for(
    march: Any, monkeypatch: pytest.MonkeyPatch, retried_inline: None, time_machine: Any
) -> None:
    """The 28th's run retried after midnight of the 1st still builds the 28th's month."""
    time_machine.move_to(dt.datetime(2026, 3, 28, 6, 0, tzinfo=SH), tick=False)
    _failing_once(
        monkeypatch, "SZ01", then=lambda: time_machine.move_to(dt.datetime(2026, 4, 1, 0, 5, tzinfo=SH))
    )
    build_monthly_report.delay(which="current")
    assert sorted((f"{r.month:%Y-%m}", r.scope) for r in MonthlyReport.objects.all()) == [
        ("2026-03", "GROUP"),
        ("2026-03", "GZ01"),
        ("2026-03", "SZ01"),
    ]


def test_retries_back_off_and_end(march: Any, monkeypatch: pytest.MonkeyPatch, retried_inline: None) -> None:
    """A scope that keeps failing is tried ``MAX_RETRIES`` more times (5 minutes apart at first, at
    most 6 hours, about 40 hours in all), then the task fails with the error; the rest is built."""
    from reports import tasks

    real = tasks.report_build
    tries: list[str] = []

    def build(**kwargs: Any) -> Any:
        if kwargs["store"] is not None and kwargs["store"].code == "GZ01":
            tries.append("GZ01")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "report_build", build)
    result = build_monthly_report.delay(which="previous")
    assert result.state == "FAILURE" and isinstance(result.result, OSError)
    assert len(tries) == tasks.MAX_RETRIES + 1
    assert sorted(MonthlyReport.objects.values_list("scope", flat=True)) == ["GROUP", "SZ01"]
    delays = [tasks.retry_countdown(n) for n in range(tasks.MAX_RETRIES)]
    assert delays[:3] == [300, 600, 1200] and max(delays) == 6 * 3600
    assert 36 * 3600 <= sum(delays) <= 48 * 3600


def test_a_database_down_at_the_start_is_retried(
    march: Any, monkeypatch: pytest.MonkeyPatch, retried_inline: None
) -> None:
    """The stores could not even be read (the database restarting at 02:00): retried like a scope."""
    from reports import tasks

    real = tasks.Store.objects
    reads: list[int] = []

    class Stores:
        @staticmethod
        def order_by(*fields: str) -> Any:
            reads.append(1)
            if len(reads) == 1:
                raise DatabaseError("server closed the connection unexpectedly")
            return real.order_by(*fields)

    monkeypatch.setattr(tasks.Store, "objects", Stores)
    build_monthly_report.delay(which="previous")
    assert len(reads) == 2
    assert sorted(MonthlyReport.objects.values_list("scope", flat=True)) == ["GROUP", "GZ01", "SZ01"]


# --- the closed month's build when beat missed the 1st -----------------------------------------


class Beat:
    """Beat as it runs: django-celery-beat's DatabaseScheduler, started (it reads the schedule from
    the database), ticked at later moments until nothing more is due, and stopped. The monthly
    report ``entry`` it sends runs at once, its notifications included; every other entry is only
    noted.
    ``broker_down``: the send fails, which beat only logs (celery.beat.Scheduler.apply_entry)."""

    def __init__(
        self,
        time_machine: Any,
        capture: Any,
        monkeypatch: pytest.MonkeyPatch,
        entry: str = "monthly-report-closed",
    ) -> None:
        self.time_machine, self.capture, self.entry = time_machine, capture, entry
        self.scheduler: Any = None
        self.sent: list[dt.datetime] = []
        # Beat closes "old" connections before reading; on PostgreSQL that is the test's transaction.
        monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)

    def start(self, at: dt.datetime) -> None:
        from django_celery_beat.schedulers import DatabaseScheduler

        self.time_machine.move_to(at, tick=False)
        self.scheduler = DatabaseScheduler(app=app)
        self.scheduler.__dict__["producer"] = None  # no broker connection in the tests
        self.at(at)

    def at(self, when: dt.datetime, *, broker_down: bool = False) -> None:
        self.time_machine.move_to(when, tick=False)

        def send(entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any) -> None:
            if broker_down:
                raise ConnectionError("the broker refused the message")
            if entry.name == self.entry:
                self.sent.append(when)
                with self.capture(execute=True):
                    app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs).get()

        self.scheduler.apply_async = send
        for _tick in range(100):
            if self.scheduler.tick() > 0:  # seconds to the next due entry: beat sleeps
                break

    def stop(self) -> None:
        self.scheduler.sync()
        self.scheduler._finalize.cancel()  # no second sync after the test's database is gone
        self.scheduler = None


def assert_built_for_every_scope_on(day: dt.date) -> None:
    """March's report of the group and of each store, all built on ``day`` (Shanghai)."""
    built = {r.scope: r for r in MonthlyReport.objects.filter(month=MONTH)}
    assert sorted(built) == ["GROUP", "GZ01", "SZ01"]
    assert {r.built_at.astimezone(SH).date() for r in built.values()} == {day}


@pytest.mark.parametrize(
    "case",
    ["ran last month", "never ran since the deployment", "broker down on the 1st"],
)
def test_rule_a_missed_1st_still_gives_one_closed_report_and_one_notice_per_reader(
    march: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    """March's report was lost when beat missed 02:00 on 1 April: a broker that refused the send
    (beat advances the entry before sending and never sends it again), or beat down over the 1st
    while the entry had no last run (a new, restored or re-enabled row: beat's start counts as its
    last run, so the next was 1 May). Now the entry runs every six hours on the 1st to 3rd: the
    report is built that day, once, and each reader is told once; the other runs do nothing. (An
    entry that had run is caught up when beat starts, as before.)"""
    from django_celery_beat.models import PeriodicTask

    if case == "ran last month":
        PeriodicTask.objects.filter(name="monthly-report-closed").update(
            last_run_at=dt.datetime(2026, 3, 3, 20, tzinfo=SH)  # its last run of March
        )
    beat = Beat(time_machine, django_capture_on_commit_callbacks, monkeypatch)
    beat.start(dt.datetime(2026, 3, 15, 10, tzinfo=SH))  # deployed mid-March
    beat.at(dt.datetime(2026, 3, 31, 23, tzinfo=SH))
    if case == "broker down on the 1st":
        day = 1
        beat.at(dt.datetime(2026, 4, 1, 2, tzinfo=SH), broker_down=True)
        beat.at(dt.datetime(2026, 4, 1, 10, tzinfo=SH))
    else:
        day = 2
        beat.stop()  # down from 23:30 on the 31st …
        beat.start(dt.datetime(2026, 4, 2, 10, tzinfo=SH))  # … until 10:00 on the 2nd
    for hour in (14, 20):
        beat.at(dt.datetime(2026, 4, day, hour, tzinfo=SH))
    assert_built_for_every_scope_on(dt.date(2026, 4, day))
    # The later runs of the 1st to 3rd (and beat restarted in between) build and tell nothing more.
    for when in ((2, 8), (2, 14), (2, 20), (3, 2), (3, 8), (3, 14), (3, 20), (4, 2)):
        beat.at(dt.datetime(2026, 4, *when, tzinfo=SH))
    beat.stop()
    beat.start(dt.datetime(2026, 4, 5, 10, tzinfo=SH))
    beat.stop()
    assert [(r.scope, r.version) for r in MonthlyReport.objects.order_by("month", "scope")] == [
        ("GROUP", 1),
        ("GZ01", 1),
        ("SZ01", 1),
    ]
    notices = Counter(Notification.objects.values_list("recipient", "key"))
    assert notices and set(notices.values()) == {1}
    assert {key for _user, key in notices} == {f"report:{s}:2026-03" for s in ("GROUP", "GZ01", "SZ01")}
    assert len(beat.sent) > 3  # the other runs did run, and changed nothing


@pytest.mark.parametrize("case", ["broker down at 06:00", "beat down over the 28th, never ran"])
def test_rule_a_missed_28th_still_gives_this_months_report_before_the_30th(
    march: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    """DOMAIN §7: the month's survey analysis report is due to all departments before the 30th; beat
    builds it on the 28th at 06:00. A refused send or a never-run entry while beat was down lost it
    for the month (the entry's next run was the 28th of the next month). Now it runs again at 12:00,
    18:00 and on the 29th: built once, on the 28th or the 29th, and the other runs do nothing."""
    beat = Beat(time_machine, django_capture_on_commit_callbacks, monkeypatch, entry="monthly-report-current")
    beat.start(dt.datetime(2026, 3, 15, 10, tzinfo=SH))
    beat.at(dt.datetime(2026, 3, 27, 23, tzinfo=SH))
    if case == "broker down at 06:00":
        day = 28
        beat.at(dt.datetime(2026, 3, 28, 6, tzinfo=SH), broker_down=True)
        beat.at(dt.datetime(2026, 3, 28, 12, tzinfo=SH))
    else:
        day = 29
        beat.stop()  # down from the evening of the 27th …
        beat.start(dt.datetime(2026, 3, 29, 10, tzinfo=SH))  # … until 10:00 on the 29th
        beat.at(dt.datetime(2026, 3, 29, 12, tzinfo=SH))
    assert_built_for_every_scope_on(dt.date(2026, 3, day))
    for when in ((28, 18), (29, 6), (29, 12), (29, 18), (30, 6)):
        beat.at(dt.datetime(2026, 3, *when, tzinfo=SH))
    beat.stop()
    assert [(r.scope, r.version, r.run_key) for r in MonthlyReport.objects.order_by("scope")] == [
        ("GROUP", 1, "beat:current:2026-03:GROUP"),
        ("GZ01", 1, "beat:current:2026-03:GZ01"),
        ("SZ01", 1, "beat:current:2026-03:SZ01"),
    ]
    assert set(Counter(Notification.objects.values_list("recipient", "key")).values()) <= {1}
    assert len(beat.sent) > 1  # the later runs did run, and changed nothing
