"""The grade facts the database holds for a customer's case (DOMAIN §3 and §9 "Grades on every case").

Read-only: the complaint intake, the grade refresh and the survey form all suggest a grade from the
same facts. Each fact is the input of one criterion of ``csat.domain.grading.suggest_grade``:

- ``days_open_unsolved``: the oldest of the customer's tickets not yet resolved, in whole calendar
  days (E when > 20: "超过 20 天没有得到妥善解决");
- ``quality_repairs_30d``: service visits marked as quality repairs in the last 30 days (E at ≥ 2);
- ``parts_backorder_days``: the longest parts back-order of those visits (D when > 3);
- ``skill_delay_days``: the longest repair of the last 30 days (机修/钣喷/索赔/事故) counted from
  entry to hand-back (or now), less the days waiting for parts — the delay that was the work
  itself, i.e. technique (D when > 7: "因维修技师技术原因导致问题解决周期超过一周");
- ``monthly_km_during_complaint``: km per 30 days between the vehicle's two latest odometer
  readings, when the later one is recent (≤ 30 days) and they are at least 7 days apart (E at
  300–500 km/month: the customer hardly used the car while complaining);
- ``first_minor_quality_complaint`` (complaints only): the ticket is about a repair, exactly one
  quality repair in the last 30 days and no other ticket from the customer in that time (D);
- ``identity`` and ``injury_or_major_loss`` as recorded; ``crisis_type`` once escalated (G).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from complaints.models import Category, Complaint, Status
from csat.domain import grading
from csat.models import Customer, ServiceKind, ServiceVisit, Vehicle

__all__ = [
    "QUALITY_WINDOW",
    "complaint_grade_facts",
    "customer_case_facts",
    "suggest",
]

QUALITY_WINDOW = dt.timedelta(days=30)
KM_READING_RECENT = dt.timedelta(days=30)
KM_READING_MIN_SPAN_DAYS = 7
REPAIR_KINDS = (ServiceKind.REPAIR, ServiceKind.BODY_PAINT, ServiceKind.WARRANTY, ServiceKind.ACCIDENT)
UNSOLVED = (
    Status.RECEIVED,
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.AWAITING_APPROVAL,
)


def _days_open_unsolved(customer: Customer, now: dt.datetime) -> int | None:
    oldest = Complaint.objects.filter(customer=customer, status__in=UNSOLVED).aggregate(
        at=Min("received_at")
    )["at"]
    if oldest is None:
        return None
    return max((now - oldest).days, 0)


def _skill_delay_days(customer: Customer, since: dt.datetime, now: dt.datetime) -> int:
    longest = 0
    visits = ServiceVisit.objects.filter(
        customer=customer, kind__in=REPAIR_KINDS, opened_at__gte=since, opened_at__lte=now
    ).values_list("opened_at", "handed_back_at", "parts_backorder_days")
    for opened_at, handed_back_at, backorder in visits:
        days = ((handed_back_at or now) - opened_at).days - (backorder or 0)
        longest = max(longest, days)
    return longest


def _monthly_km(vehicle: Vehicle | None, now: dt.datetime) -> int | None:
    if vehicle is None:
        return None
    readings = list(
        ServiceVisit.objects.filter(vehicle=vehicle, mileage__isnull=False, opened_at__lte=now)
        .order_by("-opened_at", "-id")
        .values_list("opened_at", "mileage")[:2]
    )
    if len(readings) < 2:
        return None
    (latest_at, latest), (earlier_at, earlier) = readings
    latest_km, earlier_km = int(latest or 0), int(earlier or 0)  # mileage__isnull=False above
    span = (latest_at - earlier_at).days
    if now - latest_at > KM_READING_RECENT or span < KM_READING_MIN_SPAN_DAYS or latest_km < earlier_km:
        return None
    return round((latest_km - earlier_km) * 30 / span)


def customer_case_facts(
    *,
    customer: Customer,
    vehicle: Vehicle | None = None,
    now: dt.datetime | None = None,
    service_side: bool = True,
) -> dict[str, Any]:
    """The facts the database holds about the customer now (JSON-ready, stored with the grade)."""
    now = now or timezone.now()
    since = now - QUALITY_WINDOW
    recent = ServiceVisit.objects.filter(
        customer=customer, opened_at__gte=since, opened_at__lte=now
    ).aggregate(quality=Count("id", filter=Q(quality_related=True)), backorder=Max("parts_backorder_days"))
    facts: dict[str, Any] = {
        "identity": sorted(customer.identity_flags),
        "quality_repairs_30d": recent["quality"] or 0,
    }
    days_open = _days_open_unsolved(customer, now)
    if days_open is not None:
        facts["days_open_unsolved"] = days_open
    if service_side:
        # Back-ordered parts and repair delays concern the service side, not a car sale.
        facts["parts_backorder_days"] = recent["backorder"] or 0
        facts["skill_delay_days"] = _skill_delay_days(customer, since, now)
    if vehicle is None:
        vehicle = customer.vehicles.order_by("-id").first()
    km = _monthly_km(vehicle, now)
    if km is not None:
        facts["monthly_km_during_complaint"] = km
    return facts


def complaint_grade_facts(
    *,
    customer: Customer,
    vehicle: Vehicle | None,
    category: str,
    injury_or_major_loss: bool,
    now: dt.datetime | None = None,
    complaint_id: int | None = None,
    crisis_type: str | None = None,
) -> dict[str, Any]:
    """The grade facts of a complaint ticket (``complaint_id`` is the ticket itself once recorded)."""
    now = now or timezone.now()
    facts = customer_case_facts(
        customer=customer, vehicle=vehicle, now=now, service_side=category != Category.SALES
    )
    if injury_or_major_loss:
        facts["injury_or_major_loss"] = True
    if crisis_type:
        facts["crisis_type"] = crisis_type
    if category == Category.REPAIR and facts["quality_repairs_30d"] == 1:
        others = Complaint.objects.filter(customer=customer, received_at__gte=now - QUALITY_WINDOW)
        if complaint_id is not None:
            others = others.exclude(pk=complaint_id)
        facts["first_minor_quality_complaint"] = not others.exists()
    return facts


def suggest(facts: dict[str, Any]) -> tuple[str, list[str]]:
    return grading.suggest_grade(grading.GradeFacts(**facts))
