"""Short-lived cached figures that never take a page down with the cache (Redis in production)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache

log = logging.getLogger(__name__)
T = TypeVar("T")


def cached(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """``compute()`` kept ``seconds`` under ``key``; computed live when the cache cannot be reached."""
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001 - any backend failure (a stopped Redis) means: no cache
        log.warning("cache unavailable, computing %s live", key, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds)
        except Exception:  # noqa: BLE001
            log.warning("cache unavailable, %s not kept", key, exc_info=True)
    return value  # type: ignore[no-any-return]


def forget(keys: Iterable[str]) -> None:
    """Drop cached figures after a write; a cache that cannot be reached holds nothing to drop."""
    try:
        cache.delete_many(list(keys))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, nothing dropped", exc_info=True)
