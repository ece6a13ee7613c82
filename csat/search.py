"""The header's search box: customers (csat.selectors.customer_search) and the records of the apps
above csat, which register a lookup in their ``AppConfig.ready`` (complaints: a ticket by its
number), so that csat never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hit:
    """One record found: what it is, its number or name, a line about it, and its page."""

    kind: str
    label: str
    detail: str
    url: str


Lookup = Callable[[Any, str], list[Hit]]

LOOKUPS: list[Lookup] = []


def register_lookup(lookup: Lookup) -> None:
    if lookup not in LOOKUPS:
        LOOKUPS.append(lookup)


def record_hits(*, user: Any, query: str) -> list[Hit]:
    hits: list[Hit] = []
    for lookup in LOOKUPS:
        hits.extend(lookup(user, query))
    return hits
