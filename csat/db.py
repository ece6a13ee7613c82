"""Database session settings for the few heavy reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def parallel_queries(workers: int = 2) -> Iterator[None]:
    """Let PostgreSQL use parallel workers for the queries inside (the connections' default is none,
    config.settings.base: pages want short queries). A month's report over the whole group reads
    millions of rows and takes half the time with two workers."""
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
