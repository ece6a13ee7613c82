"""Who is acting and why, for every history row simple-history writes: the reason is what a person
typed (``audit_context``, the object's own ``_change_reason``, or ``csat.change_reason``), never the
request's path (issue #22).

The request's user comes from ``HistoryRequestMiddleware``. Work outside a request (Celery, commands)
names its actor and reason with ``audit_context``; with neither, the row has no user: "系统".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from simple_history.models import HistoricalRecords

from csat import numbering
from csat.change_reason import typed_change_reason

_actor: ContextVar[Any] = ContextVar("audit_actor", default=None)
_reason: ContextVar[str] = ContextVar("audit_reason", default="")


@contextmanager
def audit_context(*, user: Any = None, reason: str = "") -> Iterator[None]:
    """Attribute every history row written inside the block to ``user`` with ``reason``."""
    actor_token = _actor.set(user if user is not None and user.is_authenticated else None)
    reason_token = _reason.set(reason[:100])
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _reason.reset(reason_token)


def current_reason() -> str:
    return _reason.get()


def get_history_user(request: Any = None, **kwargs: Any) -> Any:
    """The context's actor first, then the signed-in user of the current request, else None."""
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class AuditedRecords(HistoricalRecords):
    """HistoricalRecords that fills the change reason from ``audit_context`` when the object has none,
    and records a row numbered right after its insert (``csat.numbering``) as created under its
    number: the creation's history row takes the number, and the renumbering writes no row."""

    def post_save(self, instance: Any, created: bool, using: Any = None, **kwargs: Any) -> None:
        if not created and kwargs.get("update_fields") == frozenset({"number"}):
            versions = getattr(instance, self.manager_name)
            first = (
                versions.filter(history_type="+")
                .order_by("history_id")
                .values("history_id", "number")
                .first()
            )
            if first is not None and numbering.is_placeholder(first["number"]):
                versions.filter(history_id=first["history_id"]).update(number=instance.number)
                return
        super().post_save(instance, created, using=using, **kwargs)

    def get_change_reason_for_object(self, instance: Any, history_type: str, using: Any) -> str | None:
        reason = (
            super().get_change_reason_for_object(instance, history_type, using)
            or _reason.get()
            or typed_change_reason()
        )
        return str(reason)[:100] if reason else None


_task_tokens: dict[str, Token[str]] = {}


def task_started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    """Celery: rows written by a task name the task (its actor stays "系统")."""
    _task_tokens[task_id] = _reason.set(f"task {getattr(task, 'name', '')}"[:100])


def task_finished(task_id: str = "", **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _reason.reset(token)
