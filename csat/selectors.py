"""Reads of the shared records, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Reverse
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
    Delivery,
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
# A piece of a plate (without its province character) or of a VIN's tail.
_ALNUM = re.compile(r"^[A-Z0-9]{3,8}$")


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


def _tail(field: str, text: str) -> Q:
    """``field`` ends with ``text``, as a prefix match on the reversed column (an index on
    PostgreSQL, csat migration 0012: a plain "ends with" would read every row)."""
    return Q(**{f"{field}_reversed__startswith": text[::-1]})


def _reversed(qs: QuerySet[Any], *fields: str) -> QuerySet[Any]:
    return qs.annotate(**{f"{f}_reversed": Reverse(f) for f in fields})


def _vehicle_tails(text: str) -> Q:
    """A plate ending in ``text`` (3–6 characters) or a VIN ending in it (6–8)."""
    match = Q(pk__in=[])
    if 3 <= len(text) <= 6:
        match |= _tail("plate", text)
    if 6 <= len(text) <= 8:
        match |= _tail("vin", text)
    return match


def customer_search(
    *, user: AnyUser, query: str, limit: int = 20, with_vehicles: bool = True
) -> list[Customer]:
    """One box for mobile (whole, prefix or tail), plate (with or without the province character,
    its start or its tail), VIN (whole or its last 6–8) or name; the customers come with their
    vehicles (the results show the plate).

    Each branch is an indexed equality, prefix or reversed-prefix lookup, so it stays fast at a
    million rows (tests/csat/test_search.py checks the plans on PostgreSQL).
    """
    customers = customer_list(user=user)
    if with_vehicles:
        customers = customers.prefetch_related(
            Prefetch("vehicles", queryset=Vehicle.objects.only("id", "customer_id", "plate", "vin", "model"))
        )
    parts = _customer_matches(user=user, query=query, customers=customers, owners_limit=limit)
    if len(parts) == 1:
        return list(parts[0][:limit])
    # The digits of a mobile's start or tail, or of a plate's or VIN's tail: two indexed reads
    # rather than one OR, which would read every customer.
    found: dict[int, Customer] = {}
    for part in parts:
        for customer in part[:limit]:
            found.setdefault(customer.pk, customer)
    return sorted(found.values(), key=lambda c: -c.pk)[:limit]


def customer_match_q(*, user: AnyUser, query: str, field: str = "customer_id") -> Q | None:
    """``customer_search``'s matching as a condition on another table's customer column (``field``):
    the agent's work queue searches its tasks by customer name, phone tail or plate with the same
    rules, in the same query as its list. None when the query is blank."""
    parts = _customer_matches(user=user, query=query, customers=scope_to_user(Customer.objects.all(), user))
    if not parts:
        return None
    match = Q(pk__in=[])
    for part in parts:
        match |= Q(**{f"{field}__in": part.values("pk")})
    return match


def _customer_matches(
    *, user: AnyUser, query: str, customers: QuerySet[Customer], owners_limit: int | None = None
) -> list[QuerySet[Customer]]:
    """The customer querysets a search box's text matches (none for blank text; two for a run of
    digits — the mobile and the vehicles — each an indexed read).

    ``owners_limit``: read the newest that many owners of the matching vehicles first and match
    customers by that list. As one query (customers whose id is in a subquery, newest first,
    LIMIT 20) PostgreSQL misjudges a rare plate or tail and walks every customer backwards by id
    (0.5 s at a million customers, group scope: bench/search_bench.py)."""
    # NFKC: a full-width IME types １３８… and 粤Ｂ１２３４５; the stored identifiers are ASCII.
    text = unicodedata.normalize("NFKC", query or "").strip()
    if not text:
        return []
    vehicles = scope_to_user(Vehicle.objects.all(), user)

    def owners(match: Q, *reversed_fields: str) -> QuerySet[Customer]:
        matching = _reversed(vehicles, *reversed_fields).filter(match).values_list("customer_id", flat=True)
        if owners_limit is None:
            return customers.filter(id__in=matching)
        newest = matching.order_by("-customer_id").distinct()[:owners_limit]
        return customers.filter(id__in=list(newest))

    if identifiers.looks_like_mobile(text):
        return [customers.filter(mobile=identifiers.normalize_mobile(text))]
    compact = _PLATE_SEP.sub("", text).upper()
    digits = re.sub(r"\D", "", text)
    if digits and len(digits) == len(compact) and len(digits) >= 4:
        # The start of a mobile, or "the last four digits": of the mobile, the plate (粤B·12345 →
        # "2345") or the VIN.
        if digits.startswith("1") and len(digits) >= 7:
            by_mobile = customers.filter(mobile__startswith=digits)
        else:
            by_mobile = _reversed(customers, "mobile").filter(_tail("mobile", digits))
        return [by_mobile, owners(_vehicle_tails(digits), "plate", "vin")]
    if compact and compact[0] in identifiers.PROVINCES and len(compact) >= 3:
        return [owners(Q(plate__startswith=compact))]
    if _VIN_LIKE.match(compact) and any(c.isdigit() for c in compact) and any(c.isalpha() for c in compact):
        return [owners(Q(vin=compact) if len(compact) == 17 else _tail("vin", compact), "vin")]
    if _ALNUM.match(compact) and any(c.isdigit() for c in compact):
        # A plate typed without its province ("B12345": any province's, one index range each), a
        # plate's tail, or a VIN's last 6–8.
        starts = Q()
        if "A" <= compact[0] <= "Z" and len(compact) <= 7:
            for province in identifiers.PROVINCES:
                starts |= Q(plate__startswith=province + compact)
        return [owners(starts | _vehicle_tails(compact), "plate", "vin")]
    return [customers.filter(Q(name__startswith=text) | Q(name=text))]


def calendar_overrides() -> dict[dt.date, bool]:
    """Admin-entered holiday/workday corrections, for csat.domain.calendar."""
    return dict(CalendarOverride.objects.values_list("date", "is_working_day"))


def calendar_confirmed_years() -> set[int]:
    """Years whose schedule is known: confirmed by an admin, or covered by the bundled data."""
    return set(CalendarYear.objects.values_list("year", flat=True))


def calendar_unconfirmed_year(*, today: dt.date | None = None) -> int | None:
    """This year, or from 1 November on the next, while nobody confirmed its schedule and the
    bundled data does not cover it (DOMAIN §9)."""
    if today is None:
        today = timezone.localdate(timezone=business_tz())
    bundled = {y for y in (today.year, today.year + 1) if working_calendar.has_bundled_data(y)}
    return holiday_schedule.unconfirmed_year(today, calendar_confirmed_years() | bundled)


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


# Deliveries an admin should hear of (/healthz): unsent this long …
DELIVERY_UNSENT_ALERT_AFTER = dt.timedelta(hours=1)
# … or given up within this window (older ones were seen, or are history).
DELIVERY_GIVEN_UP_WINDOW = dt.timedelta(days=7)


def delivery_backlog(*, now: dt.datetime | None = None) -> dict[str, int]:
    """E-mails and robot messages still unsent an hour after they were written (mail server or robot
    down: tried again with backoff), and those given up in the last 7 days. Two counts, each on its
    partial index (the unsent and the given-up deliveries are a small part of the table)."""
    now = now or timezone.now()
    return {
        "unsent_over_1h": Delivery.objects.filter(
            sent_at__isnull=True, gave_up_at__isnull=True, created_at__lt=now - DELIVERY_UNSENT_ALERT_AFTER
        ).count(),
        "given_up_7d": Delivery.objects.filter(gave_up_at__gte=now - DELIVERY_GIVEN_UP_WINDOW).count(),
    }
