"""Reads on other connections (issue #25): ``concurrent_reads``, ``read_ahead`` and ``Aside`` use
another thread and connection only outside a transaction, carry the caller's language, time zone
and replica flag, keep order, raise the other thread's error, and leave no connection behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from csat import db
from csat.models import Store

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads aside run on PostgreSQL only"),
]


def _seen() -> dict[str, Any]:
    """Where and how a call ran."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return {
        "thread": threading.current_thread().name,
        "pid": pid,
        "language": translation.get_language(),
        "zone": timezone.get_current_timezone_name(),
        "replica": db._replica_reads.get(),
        "stores": sorted(Store.objects.values_list("code", flat=True)),
    }


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _settled(before: int) -> int:
    """The other backends of the test database, once the closed ones have gone (a closed
    connection's backend leaves pg_stat_activity a moment after the client)."""
    for _ in range(50):
        now = _backends()
        if now <= before:
            return now
        time.sleep(0.1)
    return _backends()


def test_concurrent_reads_run_at_once_on_two_connections_with_the_callers_settings(
    transactional_db: None, store: Store
) -> None:
    before = _backends()
    both = threading.Barrier(2, timeout=20)  # passes only when the two calls run at the same time

    def call() -> dict[str, Any]:
        both.wait()
        return _seen()

    with translation.override("en"), timezone.override("UTC"), db.replica_reads():
        results = db.concurrent_reads({"a": call, "b": call, "c": _seen})
    assert list(results) == ["a", "b", "c"]
    assert results["a"]["pid"] != results["b"]["pid"]
    assert {results["a"]["thread"], results["b"]["thread"]} == {"MainThread", "concurrent-reads-0"}
    for seen in results.values():
        # the committed rows, the caller's language, time zone and replica flag in every thread
        assert (seen["language"], seen["zone"], seen["replica"]) == ("en", "UTC", True)
        assert seen["stores"] == [store.code]
    assert _settled(before) == before  # the helper thread closed its connection


def test_concurrent_reads_inside_a_transaction_run_here_one_after_the_other(
    transactional_db: None, store: Store
) -> None:
    with transaction.atomic():
        Store.objects.filter(pk=store.pk).update(code="NEW01")  # not committed: only this connection sees it
        results = db.concurrent_reads({"a": _seen, "b": _seen})
    assert {seen["thread"] for seen in results.values()} == {"MainThread"}
    assert [seen["stores"] for seen in results.values()] == [["NEW01"], ["NEW01"]]


def test_concurrent_reads_raise_the_first_error_after_every_thread_stopped(transactional_db: None) -> None:
    ran: list[str] = []

    def fails() -> None:
        raise ValueError("a broken aggregate")

    def slow() -> str:
        ran.append("slow")
        return "done"

    with pytest.raises(ValueError, match="a broken aggregate"):
        db.concurrent_reads({"fails": fails, "slow": slow, "later": slow})
    assert not any(t.name.startswith("concurrent-reads") for t in threading.enumerate())


def _numbered(count: int, finished: list[str], fail_at: int | None = None) -> Iterator[tuple[str, int]]:
    try:
        for i in range(count):
            if i == fail_at:
                raise RuntimeError("the cursor broke")
            yield threading.current_thread().name, i
    finally:
        finished.append("closed")


def test_read_ahead_reads_on_another_thread_in_order(transactional_db: None) -> None:
    finished: list[str] = []
    rows = list(db.read_ahead(lambda: _numbered(23, finished), batch=3, depth=1))
    assert [i for _name, i in rows] == list(range(23))
    assert {name for name, _i in rows} == {"read-ahead"}
    assert finished == ["closed"]


def test_read_ahead_reads_the_database_on_its_own_connection(transactional_db: None, store: Store) -> None:
    before = _backends()
    rows = list(db.read_ahead(lambda: (_seen() for _ in range(3)), batch=2))
    assert {row["pid"] for row in rows} != {_seen()["pid"]}
    assert [row["stores"] for row in rows] == [[store.code]] * 3
    assert _settled(before) == before


def test_read_ahead_stops_the_reader_when_the_caller_stops(transactional_db: None) -> None:
    finished: list[str] = []
    rows = db.read_ahead(lambda: _numbered(10_000, finished), batch=2, depth=1)
    assert [next(rows)[1], next(rows)[1]] == [0, 1]
    rows.close()  # returns once the reader has stopped
    assert finished == ["closed"]
    assert not any(t.name == "read-ahead" for t in threading.enumerate())


def test_read_ahead_raises_the_readers_error_after_the_rows_before_it(transactional_db: None) -> None:
    got: list[int] = []
    with pytest.raises(RuntimeError, match="the cursor broke"):
        for _name, i in db.read_ahead(lambda: _numbered(10, [], fail_at=7), batch=2):
            got.append(i)
    assert got == list(range(6))  # the rows of the batches completed before the error


def test_read_ahead_inside_a_transaction_reads_here(transactional_db: None) -> None:
    with transaction.atomic():
        rows = list(db.read_ahead(lambda: _numbered(5, []), batch=2))
    assert {name for name, _i in rows} == {"MainThread"}


def test_aside_runs_while_the_caller_works_and_gives_its_result_or_error(
    transactional_db: None, store: Store
) -> None:
    go = threading.Event()

    def waits() -> dict[str, Any]:
        assert go.wait(20)  # the caller goes on meanwhile, then lets it finish
        return _seen()

    with translation.override("en"):
        aside = db.Aside(waits)
        go.set()
        seen = aside.result()
    assert (seen["thread"], seen["language"], seen["stores"]) == ("read-aside", "en", [store.code])
    assert aside.result() is seen  # read once

    def fails() -> None:
        raise LookupError("no such month")

    with pytest.raises(LookupError, match="no such month"):
        db.Aside(fails).result()


def test_aside_inside_a_transaction_runs_here_when_asked(transactional_db: None) -> None:
    calls: list[str] = []

    def call() -> int:
        calls.append(threading.current_thread().name)
        return len(calls)

    with transaction.atomic():
        aside = db.Aside(call)
        assert calls == []  # not started: it runs at result(), in this transaction
        assert aside.result() == 1
        assert aside.result() == 1
    assert calls == ["MainThread"]


def test_read_ahead_fails_rather_than_waits_when_the_reader_dies(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(target: Any, name: str) -> threading.Thread:
        thread = threading.Thread(target=lambda: None, name=name)  # ends without a row or a word
        thread.start()
        return thread

    monkeypatch.setattr(db, "_aside", dies)
    with pytest.raises(RuntimeError, match="stopped without its rows"):
        list(db.read_ahead(lambda: _numbered(5, []), batch=2))
