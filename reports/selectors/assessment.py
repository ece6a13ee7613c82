"""Department assessment points of the report month, with the events behind them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from complaints.models import AssessmentDispute, DeadlineKind
from complaints.selectors import assessment_departments
from complaints.selectors import assessment_events as complaint_assessment_events
from csat.domain import assessment as points
from csat.models import Department

from .period import format_local, scoped

__all__ = ["ASSESSMENT_EVENTS_SHOWN", "assessment", "assessment_events", "department_names"]


# Events kept per department in the report's data (the dashboard); the xlsx lists every one.
ASSESSMENT_EVENTS_SHOWN = 3


def _assessment_departments(store_ids: Sequence[int] | None) -> QuerySet[Department]:
    return assessment_departments(scoped(Department.objects.all(), store_ids))


def department_names(store_ids: Sequence[int] | None) -> dict[int, tuple[str, str]]:
    """Department id → (store name, department name), as ``assessment`` names them, for every
    department of the report's stores (the events' departments among them)."""
    return {
        d.pk: (d.store.name, d.name)
        for d in scoped(Department.objects.all(), store_ids)
        .select_related("store")
        .only("name", "store__name")
    }


def assessment_events(*, month: dt.date, store_ids: Sequence[int] | None) -> Iterator[dict[str, Any]]:
    """complaints.selectors.assessment_events of the report's stores, labelled in the active
    language, streamed (the xlsx lists them all)."""
    kinds = {
        points.MISSED_DEADLINE: _("超时"),
        points.GENERAL_COMPLAINT: _("一般投诉"),
        points.MAJOR_COMPLAINT: _("重大投诉"),
        "penalty": _("考核申请（总经理批准）"),
        "adjustment": _("考核调整"),
    }
    steps = {key: str(DeadlineKind(key).label) for key in DeadlineKind.values}
    departments = scoped(Department.objects.all(), store_ids)
    # Issue #18: each event's dispute and its outcome (one query for the month).
    disputes = {
        d.event: d
        for d in AssessmentDispute.objects.filter(month=month.replace(day=1), department__in=departments)
    }
    for e in complaint_assessment_events(departments=departments, month=month):
        dispute = disputes.get(e.get("ref", ""))
        yield {
            "department_id": e["department_id"],
            "kind": e["kind"],
            "kind_label": str(kinds.get(e["kind"], e["kind"])),
            "points": float(e["points"]),
            "complaint": e.get("complaint", ""),
            "complaint_id": e.get("complaint_id"),
            "step": steps.get(e.get("step") or "", ""),
            "reason": e.get("reason", ""),
            "by": e.get("by", ""),
            "at": format_local(e["at"]),
            "dispute": f"{dispute.status_label}：{dispute.reason}" if dispute else "",
            "dispute_comment": dispute.comment if dispute else "",
        }


def assessment(
    *, month: dt.date, store_ids: Sequence[int] | None, shown: int | None = None
) -> list[dict[str, Any]]:
    """Department points of the month with their event counts and first events, in one pass over
    the streamed events (the data grows with the departments, not with the events)."""
    shown = ASSESSMENT_EVENTS_SHOWN if shown is None else shown
    rows: dict[int, dict[str, Any]] = {
        d.pk: {
            "department_id": d.pk,
            "department": d.name,
            "store": d.store.name,
            "kind": d.kind,
            "deductions": Decimal(0),
            "adjustments": Decimal(0),
            "event_count": 0,
            "events": [],
        }
        for d in _assessment_departments(store_ids)
    }
    for e in assessment_events(month=month, store_ids=store_ids):
        row = rows[e["department_id"]]
        row["adjustments" if e["kind"] == "adjustment" else "deductions"] += Decimal(str(e["points"]))
        row["event_count"] += 1
        if len(row["events"]) < shown:
            row["events"].append(e)
    for row in rows.values():
        row["total"] = float(row["deductions"] + row["adjustments"])
        row["deductions"], row["adjustments"] = float(row["deductions"]), float(row["adjustments"])
    return list(rows.values())
