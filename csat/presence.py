"""Who else has a record's page open: a help desk's collision notice ("王敏 也在查看").

Each open page reports itself when it polls (the ticket page every 20 s); a page that has not
reported for ``WINDOW`` seconds is closed. One cache entry per record holds the viewers, read and
written back without a lock: two polls at the same instant may drop one viewer until its next poll,
which a notice can afford. Without a cache nobody is shown.
"""

from __future__ import annotations

import time
from typing import Any

from csat import caching

# Two missed polls (every 20 s) and the page counts as closed; a hidden tab polls less often.
WINDOW = 45


def others_viewing(record: str, user: Any) -> list[str]:
    """Mark ``user`` as viewing ``record`` ("complaint:42") now; the names of the others who are."""
    key = f"presence:{record}"
    now = time.time()
    held = caching.peek(key)
    viewers: dict[int, tuple[str, float]] = {}
    if isinstance(held, dict):
        viewers = {
            uid: (name, at) for uid, (name, at) in held.items() if uid != user.pk and now - at < WINDOW
        }
    others = sorted(name for name, _at in viewers.values())
    viewers[user.pk] = (user.get_full_name() or user.username, now)
    caching.keep(key, viewers, WINDOW)
    return others
