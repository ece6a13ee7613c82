"""Reads of the shared records, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from csat.access import MANAGER_ROLES, AnyUser, profile_of, scope_to_user, sees_all_stores, visible_stores
from csat.business_time import business_tz
from csat.caching import cached
from csat.domain import calendar as working_calendar
from csat.domain import holiday_schedule, identifiers
from csat.models import (
    CalendarOverride,
    CalendarYear,
    Customer,
    Department,
    DutyRoster,
    Role,
    SalesDelivery,
    ServiceVisit,
    Store,
    Vehicle,
)

_VIN_LIKE = re.compile(r"^[A-HJ-NPR-Z0-9]{11,17}$", re.IGNORECASE)
_PLATE_SEP = re.compile(r"[\s·•.\-_]")


def managers_of(department: Department | None) -> QuerySet[Any]:
    """The active managers of a department (notifications and escalation)."""
    if department is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(
        is_active=True, profile__department=department, profile__role__in=MANAGER_ROLES
    )


def store_role_users(store_id: int, role: str) -> QuerySet[Any]:
    """The active users of one role in one store (notifications and escalation)."""
    return get_user_model().objects.filter(is_active=True, profile__store_id=store_id, profile__role=role)


def store_list(*, user: AnyUser) -> QuerySet[Store]:
    return visible_stores(user).order_by("code")


def department_list(*, user: AnyUser) -> QuerySet[Department]:
    return scope_to_user(Department.objects.select_related("store"), user).order_by("store__code", "kind")


def customer_list(*, user: AnyUser) -> QuerySet[Customer]:
    return scope_to_user(Customer.objects.select_related("store"), user)


def vehicle_list(*, user: AnyUser) -> QuerySet[Vehicle]:
    return scope_to_user(Vehicle.objects.select_related("store", "customer"), user)


def sales_delivery_list(*, user: AnyUser) -> QuerySet[SalesDelivery]:
    return scope_to_user(
        SalesDelivery.objects.select_related("store", "vehicle", "customer", "consultant"), user
    )


def service_visit_list(*, user: AnyUser) -> QuerySet[ServiceVisit]:
    return scope_to_user(
        ServiceVisit.objects.select_related("store", "vehicle", "customer", "service_advisor", "technician"),
        user,
    )


def customer_search(*, user: AnyUser, query: str, limit: int = 20) -> list[Customer]:
    """One box for mobile (any format), plate (any case/separator), VIN, or name.

    Each branch is an indexed equality or prefix lookup, so it stays fast at a million rows.
    """
    text = (query or "").strip()
    if not text:
        return []
    customers = customer_list(user=user)
    if identifiers.looks_like_mobile(text):
        return list(customers.filter(mobile=identifiers.normalize_mobile(text))[:limit])
    digits = re.sub(r"\D", "", text)
    if digits and len(digits) == len(re.sub(r"[\s\-]", "", text)) and len(digits) >= 4:
        # A partial number: prefix for the start of a mobile, tail for "last four digits".
        field = "mobile__startswith" if digits.startswith("1") and len(digits) >= 7 else "mobile__endswith"
        return list(customers.filter(**{field: digits})[:limit])
    compact = _PLATE_SEP.sub("", text).upper()
    vehicles = scope_to_user(Vehicle.objects.all(), user)
    if compact and compact[0] in identifiers.PROVINCES and len(compact) >= 3:
        ids = vehicles.filter(plate__startswith=compact).values("customer_id")
        return list(customers.filter(id__in=ids)[:limit])
    if _VIN_LIKE.match(compact) and any(c.isdigit() for c in compact) and any(c.isalpha() for c in compact):
        field = "vin" if len(compact) == 17 else "vin__endswith"
        ids = vehicles.filter(**{field: compact}).values("customer_id")
        return list(customers.filter(id__in=ids)[:limit])
    return list(customers.filter(Q(name__startswith=text) | Q(name=text))[:limit])


def calendar_overrides() -> dict[dt.date, bool]:
    """Admin-entered holiday/workday corrections, for csat.domain.calendar."""
    return dict(CalendarOverride.objects.values_list("date", "is_working_day"))


def calendar_confirmed_years() -> set[int]:
    """Years whose schedule is known: confirmed by an admin, or covered by the bundled data."""
    return set(CalendarYear.objects.values_list("year", flat=True))


def calendar_unconfirmed_year(*, today: dt.date | None = None) -> int | None:
    """The next year, from 1 November on, while nobody confirmed its schedule (DOMAIN §9)."""
    if today is None:
        today = timezone.localdate(timezone=business_tz())
    year = holiday_schedule.unconfirmed_year(today, calendar_confirmed_years())
    if year is None or working_calendar.has_bundled_data(year):
        return None
    return year


def calendar_year_status(*, today: dt.date) -> list[dict[str, Any]]:
    """This year and the next two: where their working days come from and whether confirmed."""
    confirmed = {c.year: c for c in CalendarYear.objects.select_related("confirmed_by")}
    counts: dict[int, int] = {}
    for day in CalendarOverride.objects.filter(
        date__year__gte=today.year, date__year__lte=today.year + 2
    ).values_list("date", flat=True):
        counts[day.year] = counts.get(day.year, 0) + 1
    rows = []
    for year in range(today.year, today.year + 3):
        rows.append(
            {
                "year": year,
                "bundled": working_calendar.has_bundled_data(year),
                "confirmed": confirmed.get(year),
                "overrides": counts.get(year, 0),
                "holidays": working_calendar.statutory_holidays(year),
            }
        )
    return rows


def duty_leaders(*, store_id: int, department: Department | None, on: dt.date) -> list[Any]:
    """Who is alerted of an urgent complaint received off hours (DOMAIN §9): the store's GM, the
    responsible department's managers, and whoever the store's duty roster names for ``on``."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(profile__store_id=store_id, profile__role=Role.GENERAL_MANAGER)
            | Q(profile__department=department, profile__role__in=MANAGER_ROLES)
            | Q(duty_shifts__store_id=store_id, duty_shifts__starts_on__lte=on, duty_shifts__ends_on__gte=on)
        )
        .distinct()
        .order_by("id")
    )
    return list(users)


def on_duty(*, user: Any, store_id: int, on: dt.date) -> bool:
    return DutyRoster.objects.filter(
        user=user, store_id=store_id, starts_on__lte=on, ends_on__gte=on
    ).exists()


def office_hours() -> tuple[dt.time, dt.time]:
    hours = cast(tuple[str, str], settings.CSAT["OFFICE_HOURS"])
    return dt.time.fromisoformat(hours[0]), dt.time.fromisoformat(hours[1])


OVERVIEW_CACHE_SECONDS = 60


def store_overview(*, user: AnyUser) -> dict[str, int]:
    """The counts on every landing page, for the stores the user may see (one query each).

    Whole-table counts at dealer-group scale take hundreds of milliseconds, so the figures are
    cached per scope (the group, or one store) for a minute; no invalidation.
    """
    if sees_all_stores(user):
        key = "overview:all"
    else:
        profile = profile_of(user)
        key = f"overview:store:{profile.store_id if profile is not None else None}"
    return cached(
        key,
        OVERVIEW_CACHE_SECONDS,
        lambda: {
            "stores": visible_stores(user).count(),
            "customers": customer_list(user=user).count(),
            "vehicles": scope_to_user(Vehicle.objects.all(), user).count(),
            "sales": scope_to_user(SalesDelivery.objects.all(), user).count(),
            "service_visits": scope_to_user(ServiceVisit.objects.all(), user).count(),
        },
    )


def customer_card(*, customer: Customer, recent: int = 10) -> dict[str, object]:
    """Everything an agent wants beside the survey form: vehicles, recent visits and sales."""
    return {
        "vehicles": list(customer.vehicles.all()),
        "service_visits": list(
            customer.service_visits.select_related("vehicle", "service_advisor").order_by("-opened_at")[
                :recent
            ]
        ),
        "sales": list(
            customer.sales.select_related("vehicle", "consultant").order_by("-delivered_at")[:recent]
        ),
    }
