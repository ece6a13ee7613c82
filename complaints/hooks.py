"""Where features above this app plug into its pages, so that this app never imports them: the
GM's approval queue (preventive measures) and the ticket page (crisis banner and signals)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# context name → a function of the user returning the items awaiting the GM's decision
APPROVAL_SOURCES: dict[str, Callable[[Any], Iterable[Any]]] = {}
# functions of the ticket and its reader returning extra context for the ticket page
TICKET_CONTEXT: list[Callable[[Any, Any], dict[str, Any]]] = []


def register_approval_source(name: str, source: Callable[[Any], Iterable[Any]]) -> None:
    APPROVAL_SOURCES[name] = source


def approval_context(user: Any) -> dict[str, list[Any]]:
    return {name: list(source(user)) for name, source in APPROVAL_SOURCES.items()}


def register_ticket_context(provider: Callable[[Any, Any], dict[str, Any]]) -> None:
    if provider not in TICKET_CONTEXT:
        TICKET_CONTEXT.append(provider)


def ticket_extras(complaint: Any, user: Any) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for provider in TICKET_CONTEXT:
        extras.update(provider(complaint, user))
    return extras
