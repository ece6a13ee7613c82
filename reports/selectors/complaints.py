"""Complaint analysis of the month (DOMAIN §4, §5, §7): counts by kind, severity, category, grade
and department; each deadline step met/missed; open past 3 working days; reopened; compensation
approved; the complaint rate per mille vs the targets; preventive measures; department assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    Approval,
    Category,
    Complaint,
    Deadline,
    DeadlineKind,
    Kind,
    MeasureStatus,
    PreventiveMeasure,
    Severity,
    Status,
)
from complaints.selectors import assessment_rows
from csat.domain import assessment as points
from csat.domain import classification
from csat.models import Department, SalesDelivery, ServiceVisit

from .period import ROW_CHUNK, format_local, month_bounds, scoped

__all__ = [
    "GRADES",
    "assessment",
    "complaint_list",
    "complaint_rates",
    "complaint_stats",
    "deadline_steps",
    "measures",
    "open_past_three_days",
    "reopened",
]

GRADES = ("A", "B", "C", "D", "E", "F", "G", "")
DIMENSIONS = {"kind": Kind, "severity": Severity, "category": Category, "status": Status}


def _number(value: Decimal | None) -> float:
    return float(value or 0)


def _grade_label(grade: str) -> str:
    return grade or _("未定级")


def complaint_stats(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Counts of the complaints received in the month, and the compensation approved in it.

    One aggregate for every enumerated breakdown (conditional counts) and one grouped query for the
    responsible departments.
    """
    start, end = month_bounds(month)
    received = Q(received_at__gte=start, received_at__lt=end)
    approved = Q(approval=Approval.APPROVED, approved_at__gte=start, approved_at__lt=end)
    aggregates: dict[str, Any] = {
        "total": Count("pk", filter=received),
        "compensation_count": Count("pk", filter=approved),
        "compensation_amount": Sum("compensation_amount", filter=approved),
    }
    for field, choices in DIMENSIONS.items():
        for key in choices.values:
            aggregates[f"{field}_{key}"] = Count("pk", filter=received & Q(**{field: key}))
    for grade in GRADES:
        aggregates[f"grade_{grade or 'none'}"] = Count("pk", filter=received & Q(grade=grade))
    base = scoped(Complaint.objects.filter(received | approved), store_ids)
    row = base.aggregate(**aggregates)
    result: dict[str, Any] = {"total": row["total"]}
    for field, choices in DIMENSIONS.items():
        result[f"by_{field}"] = [
            {"key": key, "label": str(choices(key).label), "count": row[f"{field}_{key}"]}
            for key in choices.values
        ]
    result["by_grade"] = [
        {"key": grade, "label": _grade_label(grade), "count": row[f"grade_{grade or 'none'}"]}
        for grade in GRADES
    ]
    result["compensation"] = {
        "count": row["compensation_count"],
        "amount": _number(row["compensation_amount"]),
    }
    departments = (
        scoped(Complaint.objects.filter(received), store_ids)
        .values("department_id", "department__name", "department__store__name")
        .annotate(
            count=Count("pk"),
            major=Count("pk", filter=Q(severity=Severity.MAJOR)),
            general=Count("pk", filter=Q(severity=Severity.GENERAL)),
        )
        .order_by("-count", "department__store__name", "department__name")
    )
    multi_store = store_ids is None or len(store_ids) > 1
    result["by_department"] = [
        {
            "key": "" if d["department_id"] is None else str(d["department_id"]),
            "label": (
                (
                    f"{d['department__store__name']} · {d['department__name']}"
                    if multi_store
                    else d["department__name"]
                )
                if d["department_id"]
                else _("未派单")
            ),
            "count": d["count"],
            "major": d["major"],
            "general": d["general"],
        }
        for d in departments
    ]
    return result


def deadline_steps(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Each step's timers that fell due in the month: met on time, missed (breached or met late),
    still open. Cancelled timers (the step was skipped) do not count."""
    start, end = month_bounds(month)
    rows = {
        r["kind"]: r
        for r in scoped(
            Deadline.objects.filter(due_at__gte=start, due_at__lt=end, cancelled_at__isnull=True),
            store_ids,
            "complaint__store_id",
        )
        .values("kind")
        .annotate(
            total=Count("pk"),
            met=Count(
                "pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"), breached_at__isnull=True)
            ),
            missed=Count("pk", filter=Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at"))),
            open=Count("pk", filter=Q(met_at__isnull=True, breached_at__isnull=True)),
        )
        .order_by()
    }
    empty = {"total": 0, "met": 0, "missed": 0, "open": 0}
    result = []
    for kind in DeadlineKind.values:
        r = rows.get(kind, empty)
        decided = r["met"] + r["missed"]
        result.append(
            {
                "key": kind,
                "label": str(DeadlineKind(kind).label),
                "total": r["total"],
                "met": r["met"],
                "missed": r["missed"],
                "open": r["open"],
                "met_rate": r["met"] / decided if decided else None,
            }
        )
    return result


def _complaint_row(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "received_at": format_local(c.received_at),
        "store": c.store.name,
        "customer": c.customer.name,
        "kind": c.kind,
        "kind_label": c.get_kind_display(),
        "severity": c.severity,
        "severity_label": c.get_severity_display(),
        "category": c.category,
        "category_label": c.get_category_display(),
        "grade": c.grade,
        "department_id": c.department_id,
        "department": c.department.name if c.department else "",
        "status": c.status,
        "status_label": c.get_status_display(),
        "reopen_count": c.reopen_count,
        "compensation_amount": _number(c.compensation_amount) if c.compensation_amount is not None else None,
        "approval": c.approval,
        "approval_label": c.get_approval_display(),
    }


_RELATED = ("store", "customer", "department")


def complaint_list(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """The month's complaints, the records behind every complaint figure (one query)."""
    start, end = month_bounds(month)
    qs = scoped(Complaint.objects.filter(received_at__gte=start, received_at__lt=end), store_ids)
    rows = qs.select_related(*_RELATED).order_by("received_at", "pk")
    return [_complaint_row(c) for c in rows.iterator(chunk_size=ROW_CHUNK)]


def open_past_three_days(
    *, month: dt.date, store_ids: Sequence[int] | None, as_of: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Complaints still unresolved in the month after a stored progress-report deadline (3 working
    days after first contact, DOMAIN §5 step 6) had come due — read from the stored timers, never
    recomputed from the calendar."""
    start, end = month_bounds(month)
    cutoff = min(end, as_of or timezone.now())
    qs = (
        scoped(Complaint.objects.all(), store_ids)
        .filter(
            Q(
                deadlines__kind=DeadlineKind.PROGRESS_REPORT,
                deadlines__cancelled_at__isnull=True,
                deadlines__due_at__lt=cutoff,
            )
            & (
                Q(resolved_at__isnull=True)
                | Q(resolved_at__gt=F("deadlines__due_at"), resolved_at__gte=start)
            )
        )
        .annotate(past_due_at=Min("deadlines__due_at"))
        .select_related(*_RELATED)
        .order_by("received_at", "pk")
    )
    rows = []
    for c in qs.iterator(chunk_size=ROW_CHUNK):
        row = _complaint_row(c)
        row["past_due_at"] = format_local(c.past_due_at)  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def reopened(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Complaints the customer sent back in the month (a "reopen" event), with how often."""
    start, end = month_bounds(month)
    qs = (
        scoped(Complaint.objects.all(), store_ids)
        .filter(events__action="reopen", events__created_at__gte=start, events__created_at__lt=end)
        .annotate(reopens=Count("events"))
        .select_related(*_RELATED)
        .order_by("received_at", "pk")
    )
    rows = []
    for c in qs.iterator(chunk_size=ROW_CHUNK):
        row = _complaint_row(c)
        row["reopens"] = c.reopens  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def complaint_rates(
    *, month: dt.date, store_ids: Sequence[int] | None, stats: dict[str, Any]
) -> list[dict[str, Any]]:
    """Complaints per mille: sales-category complaints per car delivered, every other category per
    service intake (DOMAIN §4 Decision targets)."""
    start, end = month_bounds(month)
    intakes = scoped(ServiceVisit.objects.filter(opened_at__gte=start, opened_at__lt=end), store_ids).count()
    sold = scoped(
        SalesDelivery.objects.filter(delivered_at__gte=start, delivered_at__lt=end), store_ids
    ).count()
    sales = next(r["count"] for r in stats["by_category"] if r["key"] == Category.SALES)
    service = stats["total"] - sales
    cfg: dict[str, Any] = settings.CSAT
    rows = []
    for key, label, count, base, goal in (
        (
            "service",
            _("售后投诉率（‰ 进厂台次）"),
            service,
            intakes,
            cfg["COMPLAINT_RATE_TARGET_SERVICE_PER_MILLE"],
        ),
        ("sales", _("销售投诉率（‰ 交车台数）"), sales, sold, cfg["COMPLAINT_RATE_TARGET_SALES_PER_MILLE"]),
    ):
        rate = classification.complaint_rate_per_mille(count, base)
        rows.append(
            {
                "key": key,
                "label": str(label),
                "complaints": count,
                "base": base,
                "per_mille": rate,
                "target": goal,
                "short": rate is not None and rate > goal,
            }
        )
    return rows


FINISHED = (MeasureStatus.DONE, MeasureStatus.VERIFIED, MeasureStatus.REJECTED)


def measures(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Preventive measures alive in the month (created by its end, not verified or rejected before
    it began): counted by status in SQL, and listed."""
    start, end = month_bounds(month)
    qs = (
        scoped(PreventiveMeasure.objects.filter(created_at__lt=end), store_ids)
        .exclude(status=MeasureStatus.VERIFIED, verified_at__lt=start)
        .exclude(status=MeasureStatus.REJECTED, decided_at__lt=start)
    )
    counts = {r["status"]: r["count"] for r in qs.values("status").annotate(count=Count("pk")).order_by()}
    today = timezone.localdate()
    items = [
        {
            "id": m.pk,
            "store": m.store.name,
            "category": m.category,
            "category_label": m.get_category_display(),
            "cause": m.cause.label if m.cause else "",
            "problem": m.problem,
            "measure": m.measure,
            "department": m.owner_department.name,
            "due_date": m.due_date.isoformat(),
            "status": m.status,
            "status_label": m.get_status_display(),
            "overdue": m.status not in FINISHED and (m.overdue_at is not None or m.due_date < today),
        }
        for m in qs.select_related("store", "cause", "owner_department")
        .order_by("due_date", "pk")
        .iterator(chunk_size=ROW_CHUNK)
    ]
    return {
        "by_status": [
            {"key": key, "label": str(MeasureStatus(key).label), "count": counts.get(key, 0)}
            for key in MeasureStatus.values
        ],
        "items": items,
    }


def assessment(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Department points with the events behind them (complaints.selectors.assessment_rows)."""
    kinds = {
        points.MISSED_DEADLINE: _("超时"),
        points.GENERAL_COMPLAINT: _("一般投诉"),
        points.MAJOR_COMPLAINT: _("重大投诉"),
        "adjustment": _("考核调整"),
    }
    steps = {key: str(DeadlineKind(key).label) for key in DeadlineKind.values}
    rows = assessment_rows(departments=scoped(Department.objects.all(), store_ids), month=month)
    return [
        {
            "department_id": r["department"].pk,
            "department": r["department"].name,
            "store": r["department"].store.name,
            "kind": r["department"].kind,
            "deductions": float(r["deductions"]),
            "adjustments": float(r["adjustments"]),
            "total": float(r["total"]),
            "events": [
                {
                    "kind": e["kind"],
                    "kind_label": str(kinds.get(e["kind"], e["kind"])),
                    "points": float(e["points"]),
                    "complaint": e.get("complaint", ""),
                    "complaint_id": e.get("complaint_id"),
                    "step": steps.get(e.get("step") or "", ""),
                    "reason": e.get("reason", ""),
                    "by": e.get("by", ""),
                    "at": format_local(e["at"]),
                }
                for e in r["events"]
            ],
        }
        for r in rows
    ]
