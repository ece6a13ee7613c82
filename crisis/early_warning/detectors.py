"""The data patterns, checked by beat: each detector is one aggregate over a recent window, and each
row it yields becomes a signal (fired once per record, so a second sweep repeats nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from complaints.models import Complaint, Status
from crisis.early_warning.firing import fire
from crisis.explanations import explain
from crisis.models import WarningSignal
from csat.domain import early_warning as rules
from csat.models import ServiceVisit

# A detector yields the keyword arguments of one fire() call per row.
Detector = Callable[[dt.datetime], Iterator[dict[str, Any]]]

OPEN_WITHOUT_SOLUTION = [
    Status.RECEIVED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL,
]


def repeat_quality_repairs(now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Same vehicle, ≥ 2 quality-related repairs within 30 days."""
    window = now - dt.timedelta(days=rules.QUALITY_WINDOW_DAYS)
    rows = (
        ServiceVisit.objects.filter(quality_related=True, opened_at__gte=window, opened_at__lte=now)
        .values("vehicle_id", "store_id", "customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rules.QUALITY_REPAIRS_MIN)
    )
    for row in rows:
        yield {
            "store_id": row["store_id"],
            "customer_id": row["customer_id"],
            "source": WarningSignal.Source.VEHICLE,
            "record_id": row["vehicle_id"],
            "code": "repeat_quality_repairs",
            **explain("repeat_quality_repairs", n=row["n"]),
            "weight": 3,
        }


def parts_backorder(now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Parts back-ordered more than 3 days on a recent visit."""
    window = now - dt.timedelta(days=rules.QUALITY_WINDOW_DAYS)
    rows = ServiceVisit.objects.filter(
        parts_backorder_days__gt=rules.BACKORDER_DAYS_OVER, opened_at__gte=window
    ).values("pk", "store_id", "customer_id", "parts_backorder_days")
    for visit in rows:
        yield {
            "store_id": visit["store_id"],
            "customer_id": visit["customer_id"],
            "source": WarningSignal.Source.VISIT,
            "record_id": visit["pk"],
            "code": "parts_backorder",
            **explain("parts_backorder", n=visit["parts_backorder_days"]),
            "weight": 1,
        }


def open_over_20_days(now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Complaints open more than 20 days without a solution."""
    rows = Complaint.objects.filter(
        received_at__lt=now - dt.timedelta(days=rules.OPEN_DAYS_OVER),
        status__in=OPEN_WITHOUT_SOLUTION,
        solution="",
    ).values("pk", "store_id", "customer_id", "received_at")
    for ticket in rows:
        yield {
            "store_id": ticket["store_id"],
            "customer_id": ticket["customer_id"],
            "source": WarningSignal.Source.COMPLAINT,
            "record_id": ticket["pk"],
            "code": "open_over_20_days",
            **explain("open_over_20_days", n=(now - ticket["received_at"]).days),
            "weight": 3,
        }


def batch_problem(now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Several customers, same model and same fault, within 14 days: a possible batch problem."""
    recent = now - dt.timedelta(days=rules.BATCH_WINDOW_DAYS)
    rows = (
        Complaint.objects.filter(received_at__gte=recent, received_at__lte=now, vehicle__isnull=False)
        .exclude(vehicle__model="")
        .values("store_id", "vehicle__model", "category", "cause_code_id")
        .annotate(customers=Count("customer_id", distinct=True), first=Min("pk"), last=Max("pk"))
        .filter(customers__gte=rules.BATCH_MIN_CUSTOMERS)
        .filter(~Q(category="other") | Q(cause_code_id__isnull=False))
    )
    for batch in rows:
        yield {
            "store_id": batch["store_id"],
            "customer_id": None,
            "source": WarningSignal.Source.COMPLAINT,
            "record_id": batch["first"],
            "code": "batch_problem",
            **explain("batch_problem", n=batch["customers"], what=batch["vehicle__model"]),
            "weight": 3,
        }


DETECTORS: tuple[Detector, ...] = (repeat_quality_repairs, parts_backorder, open_over_20_days, batch_problem)


def sweep_patterns(*, now: dt.datetime | None = None) -> int:
    """Run every detector; returns how many signals fired for the first time."""
    now = now or timezone.now()
    return sum(bool(fire(**found)) for detector in DETECTORS for found in detector(now))
