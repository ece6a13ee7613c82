"""Progress of an import job, and its task put on the queue — neither may take an import down.

With Redis stopped, the progress ``cache.set`` every 1,000 rows, the ``cache.get`` of the import
page and the ``cache.delete`` after a committed import each answered 500, and a task lost when
the broker refused it left its job "validating" for ever. Now:

- the cache is a nicety: every read and write here degrades to "no figure" (as csat.caching does);
- validation also writes its progress into the job row (``processed_rows``, ``updated_at``), so
  the page shows it without the cache and a stalled job can be told from a working one;
- a task that cannot be queued is logged and left for ``import_jobs_requeue_stalled`` (beat).
"""

from __future__ import annotations

from typing import Any

from csat.caching import forget, keep, peek
from csat.publishing import publish


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def progress_store(job_id: int, rows: int) -> None:
    keep(progress_key(job_id), rows, 3600)  # best effort: no live figure while the cache is down


def progress_read(job_id: int) -> int | None:
    value = peek(progress_key(job_id))  # None while the cache is down
    return int(value) if value is not None else None


def progress_clear(job_id: int) -> None:
    forget([progress_key(job_id)])


def enqueue(task: Any, job_id: int) -> bool:
    """``task.delay(job_id)``; False (logged) when the broker cannot take it — beat re-queues it."""
    return publish(task, job_id)
