"""Request ids for logs: a context variable, a logging filter, and the Celery task id hook."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# An incoming X-Request-ID is kept only when it is short and plain (no log injection).
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def sane_request_id(value: str | None) -> str:
    """The caller's id when it looks safe, otherwise a fresh uuid4 hex."""
    if value and _SANE_ID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the web request or the Celery task id) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RefusedHostFilter(logging.Filter):
    """For ``django.security.DisallowedHost``: a request naming a host not in ALLOWED_HOSTS is one
    warning line, not an error with a traceback. Anyone can send them (scanners do, all day); as
    errors they flooded the log and buried the real ones. The line still shows a deployment whose
    ALLOWED_HOSTS misses the site's own name (every request refused)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text = None, None
        return True


def _task_started(task_id: str | None = None, **_: Any) -> None:
    request_id_var.set(task_id or "-")


def _task_finished(**_: Any) -> None:
    request_id_var.set("-")


def connect_celery_signals() -> None:
    """Every log line a task writes carries its task id."""
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="csat-request-id-prerun")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="csat-request-id-postrun")
