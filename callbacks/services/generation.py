"""Creating callback tasks (hourly) and expiring the ones nobody completed in 15 days.

Idempotent by construction: a task's source (the delivery, the service visit, or the customer and
quarter of a five-dimension survey) is unique in the database, and rows are inserted with
``bulk_create(ignore_conflicts=True)``. Two runs — one after the other or in two workers at once —
leave the same tasks as one run.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Mod
from django.utils import timezone

from callbacks.models import (
    OPEN_STATUSES,
    CallbackEvent,
    CallbackTask,
    CloseReason,
    Survey,
    SurveyType,
    TaskStatus,
)
from csat import selectors as csat_selectors
from csat.business_time import business_tz
from csat.domain import calendar
from csat.domain.periods import quarter_key, quarter_start
from csat.models import Customer, Role, SalesDelivery, ServiceVisit, Store
from csat.selectors import store_role_users

BATCH = 500
# Five-dimension survey: customers with a service visit or a delivery in this many days are active.
FIVE_DIMENSION_ACTIVE_DAYS = 365


def _setting(name: str, default: Any) -> Any:
    csat: dict[str, Any] = settings.CSAT
    return csat.get(name, default)


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=int(_setting(name, 0)))


def _task(
    *,
    type: str,
    store_id: int,
    customer_id: int,
    vehicle_id: int | None,
    due_at: dt.datetime,
    do_not_contact: bool,
    now: dt.datetime,
    **source: Any,
) -> CallbackTask:
    task = CallbackTask(
        type=type,
        store_id=store_id,
        customer_id=customer_id,
        vehicle_id=vehicle_id,
        due_at=due_at,
        expires_at=due_at + _days("CALLBACK_EXPIRY_DAYS"),
        **source,
    )
    if do_not_contact:
        # Recorded, never queued: the reason is counted once, and the source never yields a task again.
        task.status, task.close_reason, task.closed_at = TaskStatus.CANCELLED, CloseReason.DO_NOT_CONTACT, now
    return task


def _insert(rows: list[CallbackTask]) -> None:
    CallbackTask.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def _sales_tasks(now: dt.datetime) -> list[CallbackTask]:
    delay = _days("SALES_CALLBACK_DELAY_DAYS")
    # A delivery whose task would already have expired is too old to call about.
    deliveries = (
        SalesDelivery.objects.filter(
            delivered_at__lte=now, delivered_at__gt=now - delay - _days("CALLBACK_EXPIRY_DAYS")
        )
        .exclude(Exists(CallbackTask.objects.filter(sale_id=OuterRef("pk"))))
        .values_list(
            "id", "store_id", "customer_id", "vehicle_id", "delivered_at", "customer__do_not_contact"
        )
    )
    return [
        _task(
            type=SurveyType.SALES,
            sale_id=pk,
            store_id=store_id,
            customer_id=customer_id,
            vehicle_id=vehicle_id,
            due_at=delivered_at + delay,
            do_not_contact=dnc,
            now=now,
        )
        for pk, store_id, customer_id, vehicle_id, delivered_at, dnc in deliveries
    ]


def _after_sales_tasks(now: dt.datetime) -> list[CallbackTask]:
    delay = _days("SERVICE_CALLBACK_DELAY_DAYS")
    visits = (
        ServiceVisit.objects.filter(
            handed_back_at__lte=now, handed_back_at__gt=now - delay - _days("CALLBACK_EXPIRY_DAYS")
        )
        .exclude(Exists(CallbackTask.objects.filter(visit_id=OuterRef("pk"))))
        .values_list(
            "id", "store_id", "customer_id", "vehicle_id", "handed_back_at", "customer__do_not_contact"
        )
    )
    return [
        _task(
            type=SurveyType.AFTER_SALES,
            visit_id=pk,
            store_id=store_id,
            customer_id=customer_id,
            vehicle_id=vehicle_id,
            due_at=handed_back_at + delay,
            do_not_contact=dnc,
            now=now,
        )
        for pk, store_id, customer_id, vehicle_id, handed_back_at, dnc in visits
        if handed_back_at is not None  # filtered in SQL already; this tells the type checker
    ]


def _quarter_end(day: dt.date) -> dt.date:
    start = quarter_start(day)
    following = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _five_dimension_tasks(now: dt.datetime) -> list[CallbackTask]:
    """The periodic five-dimension survey reaches every active customer about once a quarter
    (training deck "平均每位客户每季度被回访一次"; DOMAIN §2 and §9 "Report scope"), spread over
    the quarter's working days within the agents' daily capacity.

    Per store and working day: the customers still to be reached this quarter (active — a service
    visit or a delivery in the last year —, not do-not-contact, not surveyed within
    SURVEY_QUIET_DAYS, with no open task and no five-dimension task this quarter) are divided by
    the working days left (today included), at most FIVE_DIMENSION_CALLS_PER_AGENT_DAY × the
    store's agents a day. Today's tasks count against today's share, so a second run the same day
    adds nothing; nothing is drawn on a day off. The order is a fixed shuffle per quarter, so
    concurrent runs pick the same customers and the unique constraint absorbs the race.
    """
    today = timezone.localdate(now, business_tz())
    overrides = csat_selectors.calendar_overrides()
    if not calendar.is_working_day(today, overrides=overrides):
        return []
    days_left = 1 + calendar.working_days_between(today, _quarter_end(today), overrides=overrides)
    per_agent = int(_setting("FIVE_DIMENSION_CALLS_PER_AGENT_DAY", 20))
    period = quarter_key(today)
    salt = zlib.crc32(period.encode()) % 10007
    quiet_since = now - _days("SURVEY_QUIET_DAYS")
    active_since = now - dt.timedelta(days=FIVE_DIMENSION_ACTIVE_DAYS)
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=business_tz())
    day_end = day_start + dt.timedelta(days=1)
    rows: list[CallbackTask] = []
    for store_id in Store.objects.values_list("id", flat=True):
        drawn_today = CallbackTask.objects.filter(
            store_id=store_id,
            type=SurveyType.FIVE_DIMENSION,
            period=period,
            due_at__gte=day_start,
            due_at__lt=day_end,
        ).count()
        eligible = (
            Customer.objects.filter(store_id=store_id, do_not_contact=False)
            .filter(
                Exists(ServiceVisit.objects.filter(customer_id=OuterRef("pk"), opened_at__gte=active_since))
                | Exists(
                    SalesDelivery.objects.filter(customer_id=OuterRef("pk"), delivered_at__gte=active_since)
                )
            )
            .exclude(Exists(Survey.objects.filter(customer_id=OuterRef("pk"), surveyed_at__gte=quiet_since)))
            .exclude(
                Exists(
                    CallbackTask.objects.filter(customer_id=OuterRef("pk")).filter(
                        Q(status__in=OPEN_STATUSES) | Q(type=SurveyType.FIVE_DIMENSION, period=period)
                    )
                )
            )
        )
        pending = eligible.count()
        if not pending:
            continue
        capacity = per_agent * max(store_role_users(store_id, Role.AGENT).count(), 1)
        share = min(math.ceil((pending + drawn_today) / days_left), capacity)
        if share <= drawn_today:
            continue
        customers = (
            eligible.annotate(shuffle=Mod(F("id") * 7919 + salt, 10007))
            .order_by("shuffle", "id")
            .values_list("id", flat=True)[: share - drawn_today]
        )
        rows += [
            _task(
                type=SurveyType.FIVE_DIMENSION,
                period=period,
                store_id=store_id,
                customer_id=pk,
                vehicle_id=None,
                due_at=now,
                do_not_contact=False,
                now=now,
            )
            for pk in customers
        ]
    return rows


def callback_tasks_generate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Create the tasks that are missing; return what this run added (by type) and skipped.

    Counts are what this run attempted to insert; a concurrent run inserting the same rows makes
    them over-count, never the table.
    """
    now = now or timezone.now()
    summary: dict[str, int] = {}
    for key, build in (
        (SurveyType.SALES, _sales_tasks),
        (SurveyType.AFTER_SALES, _after_sales_tasks),
        (SurveyType.FIVE_DIMENSION, _five_dimension_tasks),
    ):
        with transaction.atomic():
            rows = build(now)
            _insert(rows)
        skipped = sum(1 for row in rows if row.close_reason == CloseReason.DO_NOT_CONTACT)
        summary[f"created_{key}"] = len(rows) - skipped
        summary[f"skipped_do_not_contact_{key}"] = skipped
    return summary


@transaction.atomic
def callback_tasks_expire(*, now: dt.datetime | None = None) -> int:
    """Cancel open tasks past their expiry (15 days after due), with an event row each."""
    now = now or timezone.now()
    locked = list(
        CallbackTask.objects.select_for_update(skip_locked=True)
        .filter(status__in=OPEN_STATUSES, expires_at__lte=now)
        .values_list("id", "status")
    )
    if not locked:
        return 0
    ids = [pk for pk, _status in locked]
    CallbackTask.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).update(
        status=TaskStatus.CANCELLED,
        close_reason=CloseReason.EXPIRED,
        closed_at=now,
        claimed_by=None,
        claimed_at=None,
        updated_at=now,
    )
    CallbackEvent.objects.bulk_create(
        [
            CallbackEvent(task_id=pk, action="expire", from_status=status, to_status=TaskStatus.CANCELLED)
            for pk, status in locked
        ],
        batch_size=BATCH,
    )
    return len(ids)
