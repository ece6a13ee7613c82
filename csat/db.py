"""Database session settings for the few heavy reads, the read replica's router, and reads on
other connections (``concurrent_reads``, ``read_ahead``, ``Aside``: the group's monthly report
keeps both cores busy, one reading while the other writes the file) (issue #25).

Stale-read rules of the replica (``DATABASE_REPLICA_URL``; docs/scaling.md):

- only the report's figures are read there (``report_data``: the monthly report build, the report
  dashboard's cached figures and the report API), inside ``replica_reads()``; they are a month's
  aggregates, and the page already says how old they are ("figures as of"), so a replica seconds
  behind changes nothing anyone decides on;
- everything else reads the primary: pages, lists, the records behind a figure (drill-downs), the
  deadline sweep, and any read inside a transaction on the primary (a read that decides a write
  must see the writes before it);
- every write goes to the primary, also of rows that were read from the replica.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar, copy_context
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import timezone, translation

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("csat_replica_reads", default=False)


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES and bool(getattr(settings, "CSAT_READ_REPLICA", False))


def read_alias() -> str:
    """The database the reads in the current context go to."""
    if not _replica_reads.get() or not replica_enabled():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads inside to the replica (when one is configured): for aggregates only."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    """Reads inside ``replica_reads()`` go to the replica; all writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Explicit: without it Django would write a row back to the database it was read from.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        dbs = {obj1._state.db, obj2._state.db}
        return True if dbs <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica gets its schema by replication; the test stand-in (a plain second database)
        # is migrated like the primary.
        if db == REPLICA and not getattr(settings, "CSAT_REPLICA_IS_STANDIN", False):
            return False
        return None


@contextmanager
def parallel_queries(workers: int = 2, using: str | None = None) -> Iterator[None]:
    """Let PostgreSQL use parallel workers for the queries inside (the connections' default is none,
    config.settings.base: pages want short queries). A month's report over the whole group reads
    millions of rows and takes half the time with two workers."""
    connection = connections[using or read_alias()]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, false)", [str(workers)])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET max_parallel_workers_per_gather")
        except DatabaseError:
            pass  # an aborted transaction: its rollback undoes the setting too


def concurrent_reads(
    calls: Mapping[str, Callable[[], Any]],
    *,
    threads: int = 2,
    session: Callable[[], AbstractContextManager[Any]] | None = None,
) -> dict[str, Any]:
    """The results of the independent read-only ``calls``, by key, run on ``threads`` connections at
    once (this thread's and ``threads - 1`` more) when that is safe, else one after the other.

    A group's monthly report is a dozen aggregates over millions of rows, each waiting on
    PostgreSQL: on one connection one core works while the other waits (issue #25). Safe means
    PostgreSQL and no transaction open here: reads inside a transaction must see its own
    uncommitted writes, which another connection cannot (the tests' transactions included). The
    other threads run each call with this thread's language, time zone and context variables (the
    replica flag), inside ``session()`` when given (a session setting the caller made on its own
    connection), and close their connections when done. Calls start in the given order, so put the
    longest first; the first error is raised once every thread has stopped."""
    items = list(calls.items())
    if threads < 2 or len(items) < 2 or not _can_read_aside():
        return {key: call() for key, call in items}
    pending = deque(items)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def work() -> None:
        while not errors:
            try:
                key, call = pending.popleft()  # atomic: each call is taken once
            except IndexError:
                return
            try:
                results[key] = call()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                errors.append(exc)

    def helper() -> None:
        if session is None:
            work()
        else:
            try:
                with session():
                    work()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                errors.append(exc)

    helpers = [_aside(helper, f"concurrent-reads-{n}") for n in range(threads - 1)]
    try:
        work()
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return {key: results[key] for key, _call in items}


_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _can_read_aside() -> bool:
    """Whether reads may go to another connection: PostgreSQL and no transaction open here (a
    transaction's reads must see its own uncommitted writes; the tests' transactions included)."""
    connection = connections[read_alias()]
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


def _aside(target: Callable[[], None], name: str) -> threading.Thread:
    """A started thread running ``target`` with this thread's language, time zone and context
    variables (the replica flag), closing its own connections when done."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def run() -> None:
        try:
            with translation.override(language), timezone.override(zone):
                target()
        finally:
            connections.close_all()  # this thread's own connections only

    # Each thread runs in its own copy of this context (a context is entered by one thread at a time).
    thread = threading.Thread(target=copy_context().run, args=(run,), name=name, daemon=True)
    thread.start()
    return thread


def read_ahead(
    rows: Callable[[], Iterable[Any]], *, batch: int = 500, depth: int = 4
) -> Generator[Any, None, None]:
    """The rows of ``rows()``, read by another thread on its own connection while the caller works
    on the ones before (``_can_read_aside``; else read here). The xlsx's record sheets spend as long
    in Python writing rows as PostgreSQL spends finding them: read aside, the two overlap (issue
    #25). At most ``depth`` batches of ``batch`` rows wait, so memory stays flat in rows; a caller
    that stops early stops the reader; the reader's error is raised here."""
    if not _can_read_aside():
        yield from rows()
        return
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            chunk: list[Any] = []
            for row in rows():
                chunk.append(row)
                if len(chunk) >= batch:
                    if not put(chunk):
                        return
                    chunk = []
            if put(chunk):
                put(_END)
        except BaseException as exc:  # noqa: BLE001 - raised in the reading thread
            put(_Failed(exc))

    reader = _aside(produce, "read-ahead")
    try:
        while True:
            try:
                item = waiting.get(timeout=1)
            except queue.Empty:
                if reader.is_alive():
                    continue
                try:  # it may have put its last item just before it ended
                    item = waiting.get_nowait()
                except queue.Empty:
                    raise RuntimeError("the reading thread stopped without its rows") from None
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield from item
    finally:
        stop.set()
        reader.join()


class Aside:
    """``call()`` started on another thread and connection (``_can_read_aside``; else called at
    ``result()`` here), for the caller to do other work meanwhile."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call
        self._done: list[Any] = []
        self._error: list[BaseException] = []
        self._thread: threading.Thread | None = None
        if _can_read_aside():
            self._thread = _aside(self._run, "read-aside")

    def _run(self) -> None:
        try:
            self._done.append(self._call())
        except BaseException as exc:  # noqa: BLE001 - raised by result()
            self._error.append(exc)

    def result(self) -> Any:
        """The call's result (waiting for it), or its error raised here."""
        if self._thread is None:
            if not (self._done or self._error):
                self._run()
        else:
            self._thread.join()
        if self._error:
            raise self._error[0]
        return self._done[0]
