"""Database session settings for the few heavy reads, and the read replica's router (issue #25).

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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

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
