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

import logging
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def progress_store(job_id: int, rows: int) -> None:
    try:
        cache.set(progress_key(job_id), rows, 3600)
    except Exception:  # noqa: BLE001 - any backend failure (a stopped Redis): no live figure
        log.warning("cache unavailable, progress of import %s not kept", job_id, exc_info=True)


def progress_read(job_id: int) -> int | None:
    try:
        value = cache.get(progress_key(job_id))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, progress of import %s unknown", job_id, exc_info=True)
        return None
    return int(value) if value is not None else None


def progress_clear(job_id: int) -> None:
    try:
        cache.delete(progress_key(job_id))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, progress of import %s not cleared", job_id, exc_info=True)


def enqueue(task: Any, job_id: int) -> bool:
    """``task.delay(job_id)``; False (logged) when the broker cannot take it — beat re-queues it."""
    try:
        task.delay(job_id)
    except Exception:  # noqa: BLE001 - a broker outage must not undo or fail the committed request
        log.exception("could not queue %s for import %s; beat will re-queue it", task.name, job_id)
        return False
    return True
