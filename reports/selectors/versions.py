"""Reads of the stored report versions, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from csat import access
from reports.models import MonthlyReport

__all__ = ["GROUP", "latest_report", "report_get", "report_versions"]

GROUP = "GROUP"


def report_versions(
    *, user: Any, month: dt.date | None = None, store_id: int | None = None, scope: str | None = None
) -> QuerySet[MonthlyReport]:
    """Built versions, newest first, without their payloads (one query for the whole list).

    Group reports belong to head office; a store's reports to that store's people.
    """
    qs = MonthlyReport.objects.select_related("store", "built_by").defer("data")
    if not access.sees_all_stores(user):
        store = access.user_store_id(user)
        if store is None:
            return qs.none()
        qs = qs.filter(store_id=store)
    if month is not None:
        qs = qs.filter(month=month.replace(day=1))
    if scope == GROUP:
        qs = qs.filter(store__isnull=True)
    elif scope:
        qs = qs.filter(scope=scope)
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    return qs.order_by("-month", "scope", "-version")


def report_get(*, user: Any, pk: int) -> MonthlyReport:
    """One version with its file; another store's (or, for a store's staff, the group's) → 404."""
    qs = MonthlyReport.objects.select_related("store")
    if not access.sees_all_stores(user):
        store = access.user_store_id(user)
        if store is None:
            raise Http404
        qs = qs.filter(store_id=store)
    try:
        return qs.get(pk=pk)
    except MonthlyReport.DoesNotExist:
        raise Http404 from None


def latest_report(*, user: Any, month: dt.date, store_id: int | None) -> MonthlyReport:
    """The newest version of the month for a store (``None``: the group); 404 when none or not visible."""
    qs = report_versions(user=user, month=month)
    qs = qs.filter(store__isnull=True) if store_id is None else qs.filter(store_id=store_id)
    found = qs.defer(None).order_by("-version").first()
    if found is None:
        raise Http404
    return found
