"""A dependency seen failing is left alone for a while by this process (a cool-down).

A Redis that accepts connections and never answers costs a socket timeout on every call; after one
failure the callers skip it for ``REDIS_COOLDOWN_SECONDS`` and degrade (compute live, leave the
publish for beat's re-queue) instead of waiting again on every call of every request.
"""

from __future__ import annotations

import time

from django.conf import settings

# A failure faster than this (a refused connection) costs nothing to repeat: no cool-down, so a
# restarted Redis is used again at once. A slower one (a timeout) starts the cool-down.
SLOW_FAILURE_SECONDS = 0.5


class Outage:
    def __init__(self, name: str) -> None:
        self.name = name
        self._until = 0.0

    def down(self) -> bool:
        return time.monotonic() < self._until

    def failed(self, *, since: float) -> None:
        """A call that started at ``since`` (``time.monotonic()``) failed."""
        now = time.monotonic()
        if now - since >= SLOW_FAILURE_SECONDS:
            self._until = now + float(getattr(settings, "REDIS_COOLDOWN_SECONDS", 30.0))

    def recovered(self) -> None:
        self._until = 0.0


cache_outage = Outage("cache")
broker_outage = Outage("broker")
