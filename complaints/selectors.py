"""Reads of complaints: scoped lists, queues, the ticket page, and department assessment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from complaints.models import (
    AssessmentAdjustment,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineAlert,
    PreventiveMeasure,
    Status,
)
from csat import access
from csat.config import setting_int
from csat.domain import assessment as points
from csat.models import Department, Role
from csat.subqueries import subquery_count


def _visible(qs: QuerySet[Complaint], user: Any) -> QuerySet[Complaint]:
    qs = access.scope_to_user(qs, user)
    profile = access.profile_of(user)
    if profile is not None and not user.is_superuser:
        if profile.role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
            qs = qs.filter(
                Q(department_id=profile.department_id) | Q(received_by_department_id=profile.department_id)
            )
        elif profile.role == Role.STAFF:
            qs = qs.filter(received_by=user)
    return qs


def complaint_list(*, user: Any) -> QuerySet[Complaint]:
    """Store-scoped; a department manager sees their department's tickets and what they received."""
    qs = _visible(
        Complaint.objects.select_related("store", "customer", "department", "received_by_department"), user
    )
    next_due = Deadline.objects.filter(
        complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_at")
    return qs.annotate(
        next_due_at=Subquery(next_due.values("due_at")[:1]),
        next_due_kind=Subquery(next_due.values("kind")[:1]),
        breaches=subquery_count(Deadline.objects.filter(complaint=OuterRef("pk"), breached_at__isnull=False)),
    )


def manager_queue(*, user: Any) -> dict[str, list[Complaint]]:
    """My department's open tickets: new (not yet contacted), due soon, breached."""
    open_tickets = list(complaint_list(user=user).exclude(status=Status.CLOSED).order_by("next_due_at"))
    return {
        "new": [c for c in open_tickets if c.status == Status.DISPATCHED],
        "breached": [c for c in open_tickets if getattr(c, "breaches", 0)],
        "open": open_tickets,
    }


def approval_queue(*, user: Any) -> QuerySet[Complaint]:
    return complaint_list(user=user).filter(status=Status.AWAITING_APPROVAL).order_by("updated_at")


def complaint_detail(*, user: Any, pk: int) -> Complaint:
    return (
        complaint_list(user=user)
        .prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.select_related("department").order_by("cycle", "opens_at"),
            ),
        )
        .get(pk=pk)
    )


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def assessment(*, user: Any, month: dt.date, store_id: int | None = None) -> list[dict[str, Any]]:
    """Points per department for a month with the events behind them (DOMAIN §5)."""
    departments = access.scope_to_user(Department.objects.select_related("store"), user)
    if store_id is not None:
        departments = departments.filter(store_id=store_id)
    return assessment_rows(departments=departments, month=month)


def assessment_rows(*, departments: QuerySet[Department], month: dt.date) -> list[dict[str, Any]]:
    """The assessment of the given departments (already scoped by the caller: a user or a report)."""
    start, end = _month_bounds(month)
    department_rows = list(departments.select_related("store").order_by("store__code", "kind"))
    ids = [d.pk for d in department_rows]
    rows: dict[int | None, dict[str, Any]] = {
        d.pk: {"department": d, "events": [], "deductions": 0, "adjustments": Decimal(0)}
        for d in department_rows
    }

    breaches = DeadlineAlert.objects.filter(
        kind=DeadlineAlert.Kind.BREACH, department_id__in=ids, created_at__gte=start, created_at__lt=end
    ).select_related("deadline__complaint")
    for alert in breaches:
        value = points.points_for(points.MISSED_DEADLINE)
        rows[alert.department_id]["events"].append(
            {
                "kind": points.MISSED_DEADLINE,
                "points": value,
                "complaint": alert.deadline.complaint.number,
                "complaint_id": alert.deadline.complaint_id,
                "step": alert.deadline.kind,
                "at": alert.created_at,
            }
        )
    complaints = Complaint.objects.filter(department_id__in=ids, received_at__gte=start, received_at__lt=end)
    for complaint in complaints.only("pk", "number", "severity", "department_id", "received_at"):
        kind = points.complaint_event_kind(complaint.severity)
        rows[complaint.department_id]["events"].append(
            {
                "kind": kind,
                "points": points.points_for(kind),
                "complaint": complaint.number,
                "complaint_id": complaint.pk,
                "step": "",
                "at": complaint.received_at,
            }
        )
    adjustments = AssessmentAdjustment.objects.filter(
        department_id__in=ids, month=start.date()
    ).select_related("created_by")
    for adj in adjustments:
        rows[adj.department_id]["events"].append(
            {
                "kind": "adjustment",
                "points": adj.points,
                "reason": adj.reason,
                "at": adj.created_at,
                "by": str(adj.created_by),
            }
        )
        rows[adj.department_id]["adjustments"] += adj.points
    for row in rows.values():
        row["deductions"] = sum(e["points"] for e in row["events"] if e["kind"] != "adjustment")
        row["total"] = row["deductions"] + row["adjustments"]
        row["events"].sort(key=lambda e: e["at"])
    return list(rows.values())


# Six open steps × 20 rows: rendering 50 per step cost ~100 ms more on the group's board.
BOARD_COLUMN_ROWS = 20
OPEN_STATUSES = tuple(status for status in Status.values if status != Status.CLOSED)

# Each ticket's soonest open deadline, aggregated once (the partial index deadline_open_next_idx)
# instead of a correlated subquery per ticket: ordering thousands of open tickets by it stays cheap.
_BY_URGENCY = """
    SELECT c.id, row_number() OVER (PARTITION BY c.status ORDER BY n.due_at NULLS LAST, c.id) AS rank_in_status
    FROM ({tickets}) c
    LEFT JOIN (
        SELECT complaint_id, MIN(due_at) AS due_at FROM complaints_deadline
        WHERE met_at IS NULL AND cancelled_at IS NULL GROUP BY complaint_id
    ) n ON n.complaint_id = c.id
    ORDER BY n.due_at NULLS LAST, c.id
"""


def _ids_by_urgency(
    tickets: QuerySet[Complaint], *, per_status: int | None = None, **window: int
) -> list[int]:
    """Ids of ``tickets`` soonest deadline first: the first ``per_status`` of each step, or one page
    (``limit``/``offset``) of them all."""
    try:
        sql, params = tickets.order_by().values("id", "status").query.sql_with_params()
    except EmptyResultSet:  # a scope that sees nothing (no profile)
        return []
    query = _BY_URGENCY.format(tickets=sql)
    if per_status is not None:
        query = f"SELECT id FROM ({query}) ranked WHERE rank_in_status <= %s"  # noqa: S608 - ORM-compiled SQL
        params = (*params, per_status)
    else:
        query = f"SELECT id FROM ({query}) ranked LIMIT %s OFFSET %s"  # noqa: S608 - ORM-compiled SQL
        params = (*params, window["limit"], window["offset"])
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [row[0] for row in cursor.fetchall()]


def _with_rows(ids: list[int], user: Any) -> list[Complaint]:
    rows = complaint_list(user=user).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


class UrgentTickets:
    """A ticket list for django.core.paginator.Paginator: counts with one COUNT, and each page is its
    ids by urgency then those rows with the list's annotations (two queries, whatever the page)."""

    def __init__(self, tickets: QuerySet[Complaint], *, user: Any) -> None:
        self.tickets, self.user = tickets, user

    def count(self) -> int:
        return self.tickets.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Complaint]:
        start, stop = window.start or 0, window.stop
        ids = _ids_by_urgency(self.tickets, limit=stop - start, offset=start)
        return _with_rows(ids, self.user)


def urgent_tickets(*, user: Any, status: str | None = None) -> UrgentTickets:
    """The user's tickets of one step (every open one when ``status`` is None), soonest deadline first."""
    tickets = _visible(Complaint.objects.all(), user)
    tickets = tickets.filter(status=status) if status else tickets.filter(status__in=OPEN_STATUSES)
    return UrgentTickets(tickets, user=user)


def board(*, user: Any, rows: int | None = None) -> list[dict[str, Any]]:
    """Customer care's board: per open step, its total (one grouped COUNT) and the ``rows`` most
    urgent tickets, soonest deadline first; the full list is ``complaints:list?status=…``."""
    open_tickets = _visible(Complaint.objects.all(), user).filter(status__in=OPEN_STATUSES)
    counts = dict(open_tickets.values_list("status").annotate(n=Count("pk")).order_by())
    columns: dict[str, list[Complaint]] = defaultdict(list)
    for ticket in _with_rows(_ids_by_urgency(open_tickets, per_status=rows or BOARD_COLUMN_ROWS), user):
        columns[ticket.status].append(ticket)
    return [
        {
            "status": status,
            "label": Status(status).label,
            "count": counts.get(status, 0),
            "tickets": columns[status],
        }
        for status in OPEN_STATUSES
    ]


# --- prevention ---------------------------------------------------------------------------


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
        .values("store_id", "store__name", "category", "cause_code_id", "cause_code__label")
        .annotate(count=Count("pk"))
        .filter(count__gte=threshold)
        .order_by("-count", "store_id")
    )
    return [dict(row) for row in rows]


def recurring_across_group(*, user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The same across every store the user sees: a problem the whole group keeps having."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=setting_int("RECURRENCE_WINDOW_DAYS"))
    rows = (
        access.scope_to_user(Complaint.objects.all(), user)
        .filter(received_at__gte=since, received_at__lte=now, cause_code__isnull=False)
        .values("category", "cause_code_id", "cause_code__label")
        .annotate(count=Count("pk"), stores=Count("store_id", distinct=True))
        .filter(count__gte=setting_int("RECURRENCE_THRESHOLD"))
        .order_by("-count")
    )
    return [dict(row) for row in rows]


def measure_list(*, user: Any) -> QuerySet[PreventiveMeasure]:
    return access.scope_to_user(
        PreventiveMeasure.objects.select_related("store", "cause", "owner_department", "created_by"), user
    )


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
