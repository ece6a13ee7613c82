"""Reads of the prevention app: recurring complaint types, the measures a user sees, and a verified
measure's effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from complaints.models import Category, Complaint
from complaints.models.causes import cause_label
from complaints.selectors import openable_ticket_ids
from csat import access
from csat.config import setting_int
from prevention.models import MeasureStatus, PreventiveMeasure


def recurring_problems(
    *, user: Any, now: dt.datetime | None = None, window_days: int | None = None, threshold: int | None = None
) -> list[dict[str, Any]]:
    """Category + cause pairs reaching the threshold in the rolling window, per store (one query)."""
    window_days = window_days or setting_int("RECURRENCE_WINDOW_DAYS")
    threshold = threshold or setting_int("RECURRENCE_THRESHOLD")
    now = now or timezone.now()
    since = now - dt.timedelta(days=window_days)
    rows = (
        access.scope_to_user(Complaint.objects.all(), user)
        .filter(received_at__gte=since, received_at__lte=now, cause_code__isnull=False)
        .values(
            "store_id", "store__name", "category", "cause_code_id", "cause_code__code", "cause_code__label"
        )
        .annotate(count=Count("pk"))
        .filter(count__gte=threshold)
        .order_by("-count", "store_id")
    )
    return [_named(row) for row in rows]


def recurring_across_group(*, user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The same across every store the user sees: a problem the whole group keeps having."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=setting_int("RECURRENCE_WINDOW_DAYS"))
    rows = (
        access.scope_to_user(Complaint.objects.all(), user)
        .filter(received_at__gte=since, received_at__lte=now, cause_code__isnull=False)
        .values("category", "cause_code_id", "cause_code__code", "cause_code__label")
        .annotate(count=Count("pk"), stores=Count("store_id", distinct=True))
        .filter(count__gte=setting_int("RECURRENCE_THRESHOLD"))
        .order_by("-count")
    )
    return [_named(row) for row in rows]


def measure_list(*, user: Any) -> QuerySet[PreventiveMeasure]:
    return access.scope_to_user(
        PreventiveMeasure.objects.select_related("store", "cause", "owner_department", "created_by"), user
    )


def openable_complaint_ids(*, user: Any, measures: Iterable[PreventiveMeasure]) -> set[int]:
    """Which of the measures' linked complaints the user may open (the ticket page's rule, so a
    department manager only their department's): a measure names only these; of the others only how
    many there are, never their numbers or the customer's words. One query, with the complaints
    prefetched."""
    return openable_ticket_ids(user, (c.pk for m in measures for c in m.complaints.all()))


def linked_complaints(*, user: Any, measure: PreventiveMeasure) -> tuple[list[Complaint], int]:
    """The measure's complaints the user may open (newest first, the tickets' order) and how many
    others it links."""
    linked = list(measure.complaints.all())
    openable = openable_complaint_ids(user=user, measures=[measure])
    shown = [c for c in linked if c.pk in openable]
    return shown, len(linked) - len(shown)


def measure_effect(*, measure: PreventiveMeasure, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Complaints of the measure's category (and cause) before vs after verification, same window."""
    if measure.verified_at is None:
        return None
    now = now or timezone.now()
    window = min(now - measure.verified_at, dt.timedelta(days=setting_int("RECURRENCE_WINDOW_DAYS")))
    base = Complaint.objects.filter(store_id=measure.store_id, category=measure.category)
    if measure.cause_id:
        base = base.filter(cause_code_id=measure.cause_id)
    counts = base.aggregate(
        before=Count(
            "pk", filter=Q(received_at__gte=measure.verified_at - window, received_at__lt=measure.verified_at)
        ),
        after=Count(
            "pk", filter=Q(received_at__gte=measure.verified_at, received_at__lt=measure.verified_at + window)
        ),
    )
    return {"days": window.days, "before": counts["before"], "after": counts["after"]}


def awaiting_approval(user: Any) -> QuerySet[PreventiveMeasure]:
    """Measures the GM has to decide, oldest first (shown in the GM's approval queue)."""
    return measure_list(user=user).filter(status=MeasureStatus.AWAITING_APPROVAL).order_by("created_at")


def _named(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with its category and cause named in the reader's language (the codes stay)."""
    return {
        **row,
        "category_label": Category(row["category"]).label
        if row["category"] in Category.values
        else row["category"],
        "cause_label": cause_label(row["cause_code__code"], row["cause_code__label"]),
    }
