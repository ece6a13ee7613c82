"""Text rendered in the reader's language later, not the writer's now.

A notification is written while one user acts (in their page language) or while a worker sweeps
(in none) and read by others, each in their own. Its title is built from lazy pieces, and
``csat.notifications`` renders it once per site language when it stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise, lazy


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


def _interpolate(message: Any, params: Mapping[str, Any]) -> str:
    return str(message) % {key: _plain(value) for key, value in params.items()}


_interpolate_lazy = lazy(_interpolate, str)
_call_lazy = lazy(lambda render: render(), str)


def lazy_format(message: str | Promise, params: Mapping[str, Any]) -> Any:
    """``message % params`` once the language is known: the message (``gettext_lazy``) and any lazy
    parameter (a choice label) are translated when the text is rendered, not when it is built."""
    return _interpolate_lazy(message, dict(params))


def lazy_text(render: Callable[[], str]) -> Any:
    """A text whose wording a function gives in the active language (an explanation kept as values)."""
    return _call_lazy(render)


def lazy_join(separator: str, parts: list[Any]) -> Any:
    """Lines or parts joined once the language is known."""
    return lazy_text(lambda: separator.join(str(part) for part in parts))
