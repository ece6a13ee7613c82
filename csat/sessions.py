"""Sessions in the database, their reads spared by the cache (issue #25: every request reads its
session). Django's ``cached_db`` engine, made to live with a cache that fails: the database stays
the record (every save and sign-out is written there first), a cache that cannot be reached is
skipped for a cool-down (csat.outage) instead of failing the request, and a session is kept in the
cache at most ``CACHE_SECONDS``. That bound is what a sign-out made while Redis was down costs: its
cached copy could not be deleted, and Redis, back with its data, serves it that long at most."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from csat import caching

CACHE_SECONDS = 300


class SessionStore(CachedDbStore):
    def load(self) -> dict[str, Any]:
        data = caching.peek(self.cache_key)
        if data is not None:
            return data  # type: ignore[no-any-return]
        row = self._get_session_from_db()  # type: ignore[attr-defined]
        if row is None:
            return {}
        data = self.decode(row.session_data)
        caching.keep(self.cache_key, data, self._cache_seconds(row.expire_date))
        return data  # type: ignore[no-any-return]

    def exists(self, session_key: str) -> bool:
        # Asked only for a new key (at sign-in): the database is the record.
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        caching.keep(self.cache_key, self._session, self._cache_seconds())  # type: ignore[attr-defined]

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        key = session_key or self.session_key
        if key:
            caching.forget([self.cache_key_prefix + key])

    def _cache_seconds(self, expiry: Any = None) -> int:
        return max(
            1, min(CACHE_SECONDS, self.get_expiry_age(expiry=expiry) if expiry else self.get_expiry_age())
        )
