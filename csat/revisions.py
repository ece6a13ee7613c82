"""Revision tokens: cached figures that are exactly right, not "a few seconds old" (issue #25).

A group's complaint lists count 15,000 open tickets per view on every page; PostgreSQL takes
15–70 ms for that on the bench machine, most of a page's budget. The counts are cached under a
*revision token* of the tables they read, and every write to those tables replaces the token:

- every statement that writes a watched table (INSERT / UPDATE / DELETE / COPY … through any
  Django connection: ``save()``, queryset ``update()`` and ``bulk_create()`` — which bypass model
  signals —, cascades, raw SQL) replaces the token at once, and again when its transaction
  commits. The first makes a write visible to this process and to tests at once; the second closes
  the window in which a reader could have stored counts read before the commit under the token of
  the uncommitted write. A rolled-back write only costs a recount.
- the token is random (``uuid4``), never a counter: a Redis that evicted the token (but kept some
  counts) or was flushed can never bring an old token and its counts back.
- a reader reads the token *before* the figures; figures read after a write commits are stored
  under a token that is either the new one or an old one nobody reads any more.
- when the cache cannot be reached there is no token and callers compute live.

Writes outside Django (psql by hand) do not replace the token: ``revision_bump`` (or
``manage.py shell -c "from csat.revisions import revision_bump; revision_bump('complaints')"``)
does; cached figures also expire after ``TTL_SECONDS``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from csat import caching
from csat.outage import cache_outage

log = logging.getLogger(__name__)

# Name → the tables whose writes replace its token (regular expressions of table names).
WATCHED: dict[str, tuple[str, ...]] = {
    "complaints": ("complaints_complaint", "complaints_deadline"),
    # Every table the ticket page's body reads (csat.fragments; a test fails on a new one).
    "ticket": (
        r"complaints_\w+",
        r"crisis_\w+",
        "callbacks_callbacktask",  # the repair order the ticket came from (callbacks.customer_page)
        "callbacks_survey",
        "csat_servicevisit",
        "auth_user",
        "auth_user_groups",
        "auth_group",
        "csat_store",
        "csat_department",
        "csat_staffprofile",
        "csat_customer",
        "csat_vehicle",
        "csat_attachment",
    ),
    # Every table the complaint lists' blocks read: the board, the queues, the GM's overview, the
    # full list (csat.fragments; a test fails on a new one).
    "complaint_lists": (
        r"complaints_\w+",
        r"prevention_\w+",
        "auth_user",
        "csat_store",
        "csat_department",
        "csat_staffprofile",
        "csat_customer",
        "csat_vehicle",
    ),
    # The signed-in user as csat.backends reads it on every request.
    "accounts": (
        r"auth_\w+",
        "csat_staffprofile",
        "csat_store",
        "csat_department",
    ),
    # The navigation's unread-notification counts (csat.fragments.unread_badge).
    "notifications": ("csat_notification",),
    # Every table the report dashboard's content reads besides its figures (reports.dashboard
    # replaces this token with every new copy of the figures; a test fails on a new table).
    "report_dashboard": (
        r"complaints_\w+",
        r"reports_\w+",
        "auth_user",
        "csat_store",
        "csat_department",
        "csat_staffprofile",
        "csat_customer",
        "csat_vehicle",
    ),
}
TTL_SECONDS = 600
_KEY = "csat:revision:{}"
_READS = ("SELECT", "EXPLAIN", "SHOW", "SET", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA")
_PATTERNS = {
    name: re.compile(r'(?<![\w"])"?(?:' + "|".join(tables) + r')"?(?!\w)', re.IGNORECASE)
    for name, tables in WATCHED.items()
}


def pattern(name: str) -> re.Pattern[str]:
    """A regular expression that matches the names of the tables ``name`` watches (fullmatch)."""
    return re.compile("|".join(f"(?:{table})" for table in WATCHED[name]), re.IGNORECASE)


def revision(name: str) -> str | None:
    """The current token of ``name`` (one cache read), None when the cache cannot be reached."""
    if cache_outage.down():
        return None
    started = time.monotonic()
    try:
        token = cache.get(_KEY.format(name))
        if token is None:
            cache.add(_KEY.format(name), uuid.uuid4().hex, None)
            token = cache.get(_KEY.format(name))
    except Exception:  # noqa: BLE001 - any backend failure (a stopped Redis) means: no cache
        log.warning("cache unavailable, no revision of %s", name, exc_info=True)
        cache_outage.failed(since=started)
        return None
    return token  # type: ignore[no-any-return]


def revision_bump(name: str) -> None:
    """Replace the token of ``name``: every figure cached under the old one is never read again."""
    if cache_outage.down():
        return
    started = time.monotonic()
    try:
        cache.set(_KEY.format(name), uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001
        log.warning("cache unavailable, revision of %s not replaced", name, exc_info=True)
        cache_outage.failed(since=started)


def writes(sql: str) -> list[str]:
    """The names whose watched tables this statement writes (empty for a read)."""
    head = sql.lstrip()[:10].upper()
    if head.startswith(_READS):
        return []
    return [name for name, pattern in _PATTERNS.items() if pattern.search(sql)]


def _bumper(alias: str, name: str) -> Callable[[], None]:
    def bump_on_commit() -> None:
        revision_bump(name)

    bump_on_commit.__qualname__ = f"revision_bump_on_commit[{alias}:{name}]"
    return bump_on_commit


class _Watch:
    """The execute wrapper of one connection: after a statement that writes a watched table,
    replace the token now and when the transaction commits (once per transaction)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        for name in writes(sql):
            revision_bump(name)
            if self.connection.in_atomic_block:
                self._on_commit(name)
        return result

    def _on_commit(self, name: str) -> None:
        tag = f"revision_bump_on_commit[{self.connection.alias}:{name}]"
        if any(
            getattr(func, "__qualname__", "") == tag for _sids, func, _robust in self.connection.run_on_commit
        ):
            return
        transaction.on_commit(_bumper(self.connection.alias, name), using=self.connection.alias)


def watch(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Receiver of ``connection_created``: install the wrapper (once per connection object)."""
    if not any(isinstance(w, _Watch) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(_Watch(connection))


def revision_cached(name: str, key: str, compute: Callable[[], Any], seconds: int = TTL_SECONDS) -> Any:
    """``compute()`` kept under ``key`` for the current revision of ``name``: read again only after
    a write to its tables (computed live when the cache cannot be reached). ``compute`` must read
    nothing but those tables and what ``key`` names (the user's scope, the parameters).

    One cache round trip on a hit: the token and the value are read together, the value kept with
    the token it was computed under (a value of another token is a miss)."""
    found = current(name, f"{name}:kept:{key}")
    if found is None:
        return compute()
    token, value = found
    if value is not None:
        return value
    value = compute()
    caching.keep(f"{name}:kept:{key}", (token, value), seconds)
    return value


def current(name: str, key: str) -> tuple[str, Any] | None:
    """The token of ``name`` and what is kept under ``key`` for that token — None when it was kept
    for another one or nothing is —, in one round trip (two when the token must be created); None
    when the cache cannot be reached. Whatever the caller computes on a miss it keeps under ``key``
    as ``(token, value)``: the token was read first (see the module's docstring)."""
    token_key = _KEY.format(name)
    found = caching.peek_many([token_key, key])
    token = found.get(token_key)
    if token is None:
        token = revision(name)  # the cache is down (None), or the token is to be created
        if token is None:
            return None
    kept = found.get(key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == token:
        return token, kept[1]
    return token, None
