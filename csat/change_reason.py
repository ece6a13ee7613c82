"""The reason a person typed for a change (a transfer's reason, a rejection's comment), carried to
the audit history of the rows the change saves, whichever interface (page, API, task) made it.

The audit app (above this one) reads it when it writes a history row; the lower apps only set it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REASON_LENGTH = 100  # the history's reason column
_typed: ContextVar[str] = ContextVar("typed_change_reason", default="")


@contextmanager
def change_reason(text: str) -> Iterator[None]:
    """Every history row written inside the block carries ``text`` (stripped, cut to the column)."""
    token = _typed.set((text or "").strip()[:REASON_LENGTH])
    try:
        yield
    finally:
        _typed.reset(token)


def typed_change_reason() -> str:
    return _typed.get()
