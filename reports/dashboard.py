"""The report dashboard's figures, served from a cache instead of recomputed per page view (issue #25).

The figures of a month and scope (a store or the group) take seconds to compute at group scale
(3.5 s in-process for 50 stores), so the page shows the last computed figures with their
"figures as of" time:

- a cached copy younger than ``REPORT_DASHBOARD_FRESH_SECONDS`` is served as it is;
- an older copy is served too, and one Celery task (``refresh_dashboard_figures``) recomputes it in
  the background — the page never waits; a lock in the cache lets one refresh run at a time per
  month, scope and language, however many people open the page;
- with no cached copy, the newest stored report version of that month and scope (same schema and
  language) is served and refreshed the same way; with none either, the figures are computed once
  in the request and cached.

``REPORT_DASHBOARD_FRESH_SECONDS`` 0 turns the cache off (every view computes the figures live).
Stale-read rule: the figures shown are at most that old plus one refresh, and the page always says
how old (``data.as_of``); records behind the figures (the drill-down lists) are always read live.

The page's content is kept whole (csat.fragments) under the revision ``REVISION``, which every new
copy of figures stored here replaces; see reports.views.index for how long a built page is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import get_language

from csat import caching, revisions
from csat.models import Store
from reports import selectors
from reports.models import MonthlyReport

log = logging.getLogger(__name__)

# Cached figures are kept this long (a month's figures are asked for again for weeks).
KEEP_SECONDS = 35 * 24 * 3600
# A refresh that died (worker killed) frees its lock after this long.
LOCK_SECONDS = 300
# The revision (csat.revisions) of the page kept whole: its tables, and every new copy of figures.
REVISION = "report_dashboard"


def fresh_seconds() -> int:
    return int(settings.CSAT.get("REPORT_DASHBOARD_FRESH_SECONDS", 300))


def cache_key(month: dt.date, store_id: int | None, language: str) -> str:
    scope = store_id if store_id is not None else selectors.GROUP
    return f"reports:dashboard:v{selectors.SCHEMA}:{month:%Y-%m}:{scope}:{language}"


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _stored(month: dt.date, store: Store | None, language: str) -> dict[str, Any] | None:
    """The newest stored version of the month and scope, when its figures read like the page's."""
    qs = MonthlyReport.objects.filter(month=month)
    qs = qs.filter(store__isnull=True) if store is None else qs.filter(store=store)
    report = qs.order_by("-version").only("data", "data_as_of").first()
    if report is None or not isinstance(report.data, dict):
        return None
    if report.data.get("schema") != selectors.SCHEMA or report.data.get("language") != language:
        return None
    return {"data": report.data, "at": report.data_as_of}


def _keep(key: str, entry: dict[str, Any]) -> None:
    caching.keep(key, entry, KEEP_SECONDS)
    # Pages kept whole (csat.fragments) show these figures: new figures, new pages.
    revisions.revision_bump(REVISION)


def _compute(month: dt.date, store: Store | None, language: str) -> dict[str, Any]:
    at = timezone.now()
    with translation.override(language):
        data = selectors.report_data(month=month, store=store, as_of=at)
    entry = {"data": data, "at": at}
    _keep(cache_key(month, store.pk if store else None, language), entry)
    return entry


def request_refresh(month: dt.date, store: Store | None, language: str) -> bool:
    """Queue one background refresh (none when one is already queued or running); True if queued."""
    key = cache_key(month, store.pk if store else None, language)
    # No lock without a cache, and no refresh then: its figures could not be kept.
    if not caching.claim(f"{key}:refreshing", LOCK_SECONDS):
        return False
    from reports.tasks import refresh_dashboard_figures

    try:
        refresh_dashboard_figures.delay(f"{month:%Y-%m}", store.pk if store else None, language)
    except Exception:  # the broker is down: the page still shows the figures it has
        caching.forget([f"{key}:refreshing"])
        log.warning("report dashboard refresh not queued (%s)", key, exc_info=True)
        return False
    return True


@dataclass(frozen=True)
class Figures:
    """The figures of a month and scope; whether this call queued their refresh, and whether one is
    on its way (queued now or by an earlier view, or running); the key of this computation of them
    ("" when computed live), which the page's cached fragments (the figures rendered once for
    everyone) carry; and when they go stale (Unix time; None when computed live)."""

    data: dict[str, Any]
    refreshing: bool
    pending: bool
    key: str
    stale_at: float | None

    def kept_until(self) -> float | None:
        """Until when a page showing these figures is right without a write (csat.fragments): figures
        computed live, never kept; fresh ones, until they go stale; stale ones with a refresh on its
        way, until that refresh replaces them (None: csat.fragments' minute at most); stale ones
        without (the broker is down), not kept, so that the next view asks again."""
        if self.stale_at is None:
            return 0.0
        return None if self.pending else self.stale_at


def figures(*, month: dt.date, store: Store | None) -> Figures:
    """The dashboard's figures of the month and scope (see the module's docstring)."""
    month = month.replace(day=1)
    ttl = fresh_seconds()
    if ttl <= 0:
        return Figures(selectors.report_data(month=month, store=store), False, False, "", None)
    language = _language()
    key = cache_key(month, store.pk if store else None, language)
    entry = caching.peek(key)  # None too when the cache cannot be reached
    if entry is None:
        entry = _stored(month, store, language)
        if entry is None:
            entry = _compute(month, store, language)
        else:
            _keep(key, entry)
    refreshing = pending = False
    stale_at = entry["at"] + dt.timedelta(seconds=ttl)
    if timezone.now() > stale_at:
        refreshing = request_refresh(month, store, language)
        # Not queued: one is already (its lock is held), or the broker is down (no lock).
        pending = refreshing or caching.peek(f"{key}:refreshing") is not None
    at = f"{key}:{entry['at'].timestamp():.6f}"
    return Figures(entry["data"], refreshing, pending, at, stale_at.timestamp())


def dashboard_figures(*, month: dt.date, store: Store | None) -> tuple[dict[str, Any], bool, str]:
    """``figures()`` as (data, refreshing, key)."""
    found = figures(month=month, store=store)
    return found.data, found.refreshing, found.key


def refresh(month: str, store_id: int | None, language: str) -> None:
    """Recompute and cache one month's dashboard figures (the Celery task
    ``reports.tasks.refresh_dashboard_figures``; idempotent: a second run recomputes)."""
    target = selectors.parse_month(month)
    store = Store.objects.get(pk=store_id) if store_id is not None else None
    try:
        _compute(target, store, language)
    finally:
        caching.forget([f"{cache_key(target, store_id, language)}:refreshing"])


def forget_quarter(*, year: int, quarter: int, store_id: int) -> None:
    """A manufacturer's score was entered (issue #19): the cached figures of the quarter's months,
    of the store and of the group, are dropped in every language. The next view recomputes them (or
    serves the newest stored version, refreshed in the background when older than the fresh time)."""
    first = dt.date(year, 3 * quarter - 2, 1)
    now = selectors.current_month()
    months = [m for m in (selectors.add_months(first, n) for n in range(3)) if m <= now]
    caching.forget(
        cache_key(month, scope, language)
        for month in months
        for scope in (store_id, None)
        for language, _name in settings.LANGUAGES
    )  # one round trip
    revisions.revision_bump(REVISION)
