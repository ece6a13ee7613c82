"""Each role's home shows its own work: tiles of counts that link to their (filtered) lists.

The apps above csat contribute the tiles (callbacks: the agent's queue; complaints: the department's
and customer care's tickets, the GM's approvals, the admin's disputes; crisis: the GM's signals), so
that csat never imports them: each registers a provider in its ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Tile:
    """One number on a home page and the list it opens.

    ``tone`` is "danger" (breached, overdue), "warning" (needs action soon) or "" (plain);
    ``rows`` are a few items shown under the number (tickets with a countdown, approvals with amounts).
    """

    key: str
    label: str
    count: int
    url: str
    tone: str = ""
    rows: Sequence[Any] = field(default_factory=tuple)
    group: str = ""


Provider = Callable[[Any, dt.datetime], Iterable[Tile]]

# role → the providers of its home's tiles, in registration order
HOME_PROVIDERS: dict[str, list[Provider]] = {}


def register_home_tiles(roles: Iterable[str], provider: Provider) -> None:
    for role in roles:
        providers = HOME_PROVIDERS.setdefault(str(role), [])
        if provider not in providers:
            providers.append(provider)


def home_tiles(*, user: Any, role: str, now: dt.datetime) -> list[Tile]:
    tiles: list[Tile] = []
    for provider in HOME_PROVIDERS.get(str(role), []):
        tiles.extend(provider(user, now))
    return tiles
