"""The GM's one approval queue holds more than compensation proposals: features above this app
(preventive measures) add their waiting items here, so this app never imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# context name → a function of the user returning the items awaiting the GM's decision
APPROVAL_SOURCES: dict[str, Callable[[Any], Iterable[Any]]] = {}


def register_approval_source(name: str, source: Callable[[Any], Iterable[Any]]) -> None:
    APPROVAL_SOURCES[name] = source


def approval_context(user: Any) -> dict[str, list[Any]]:
    return {name: list(source(user)) for name, source in APPROVAL_SOURCES.items()}
