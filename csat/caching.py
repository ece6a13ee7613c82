"""Short-lived cached figures that never take a page down with the cache (Redis in production)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache

from csat.outage import cache_outage

log = logging.getLogger(__name__)
T = TypeVar("T")
# Keys past this length (a page's query string, an API address) are stored under their digest:
# memcached refuses keys past 250 characters, with the prefixes the cache adds.
KEY_LIMIT = 200


def stored(key: str) -> str:
    """The key as stored: ``key`` itself, or its digest when it is longer than KEY_LIMIT."""
    return key if len(key) <= KEY_LIMIT else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def cached(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """``compute()`` kept ``seconds`` under ``key``; computed live when the cache cannot be reached.

    Each call is bounded by the cache's socket timeouts; after a failure the cache is skipped for a
    cool-down, so a silent Redis costs one timeout, not one per figure of every page.
    """
    if cache_outage.down():
        return compute()
    started = time.monotonic()
    try:
        value = cache.get(stored(key))
    except Exception:  # noqa: BLE001 - any backend failure (a stopped Redis) means: no cache
        log.warning("cache unavailable, computing %s live", key, exc_info=True)
        cache_outage.failed(since=started)
        return compute()
    if value is None:
        value = compute()
        started = time.monotonic()
        try:
            cache.set(stored(key), value, seconds)
        except Exception:  # noqa: BLE001
            log.warning("cache unavailable, %s not kept", key, exc_info=True)
            cache_outage.failed(since=started)
    return value  # type: ignore[no-any-return]


def forget(keys: Iterable[str]) -> None:
    """Drop cached figures after a write; a cache that cannot be reached holds nothing to drop
    (what it held expires within its short lifetime)."""
    if cache_outage.down():
        return
    started = time.monotonic()
    try:
        cache.delete_many([stored(k) for k in keys])
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, nothing dropped", exc_info=True)
        cache_outage.failed(since=started)


def cache_recovered() -> None:
    """Forget a past failure (tests; an operator's shell)."""
    cache_outage.recovered()


def peek(key: str) -> Any:
    """``cache.get(key)``, or None when the cache cannot be reached (bounded, cool-down aware)."""
    if cache_outage.down():
        return None
    started = time.monotonic()
    try:
        return cache.get(stored(key))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, %s not read", key, exc_info=True)
        cache_outage.failed(since=started)
        return None


def keep(key: str, value: Any, seconds: int) -> None:
    """``cache.set``; a cache that cannot be reached keeps nothing (the caller has a fallback)."""
    if cache_outage.down():
        return
    started = time.monotonic()
    try:
        cache.set(stored(key), value, seconds)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, %s not kept", key, exc_info=True)
        cache_outage.failed(since=started)


def claim(key: str, seconds: int) -> bool:
    """``cache.add(key, 1, seconds)``: True when this caller took the key (a lock); False when it
    was taken, or when the cache cannot be reached (then nobody can hold it)."""
    if cache_outage.down():
        return False
    started = time.monotonic()
    try:
        return bool(cache.add(stored(key), 1, seconds))
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, %s not claimed", key, exc_info=True)
        cache_outage.failed(since=started)
        return False


def peek_many(keys: Iterable[str]) -> dict[str, Any]:
    """``cache.get_many(keys)`` (one round trip), or nothing when the cache cannot be reached."""
    keys = list(keys)
    if not keys or cache_outage.down():
        return {}
    started = time.monotonic()
    try:
        found = cache.get_many([stored(k) for k in keys])
        return {k: found[stored(k)] for k in keys if stored(k) in found}
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, %d keys not read", len(keys), exc_info=True)
        cache_outage.failed(since=started)
        return {}


def keep_many(values: dict[str, Any], seconds: int) -> None:
    """``cache.set_many``; a cache that cannot be reached keeps nothing."""
    if not values or cache_outage.down():
        return
    started = time.monotonic()
    try:
        cache.set_many({stored(k): v for k, v in values.items()}, seconds)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, %d keys not kept", len(values), exc_info=True)
        cache_outage.failed(since=started)
