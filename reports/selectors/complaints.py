"""Complaint analysis of the month (DOMAIN §4, §5, §7): counts by kind, severity, category, grade
and department; each deadline step met/missed; open past 3 working days; reopened; compensation
approved; the complaint rate per mille vs the targets. Preventive measures (``.measures``) and the
department assessment (``.assessment``) are re-exported here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    Approval,
    Category,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineKind,
    Kind,
    Severity,
    Status,
)
from csat import params
from csat.domain import classification
from csat.models import Customer, SalesDelivery, ServiceVisit

from .assessment import assessment, assessment_events
from .measures import measures
from .period import ROW_CHUNK, format_local, month_bounds, scoped

__all__ = [
    "GRADES",
    "assessment",
    "assessment_events",
    "complaint_drill",
    "complaint_lists",
    "complaint_records",
    "complaint_rates",
    "complaint_stats",
    "deadline_steps",
    "measures",
    "open_past_three_days",
    "reopened",
]

GRADES = ("A", "B", "C", "D", "E", "F", "G", "")
DIMENSIONS = {"kind": Kind, "severity": Severity, "category": Category, "status": Status}
# General/major is a complaint's severity (一般投诉/重大投诉): the other kinds are not complaints
# (DOMAIN §9) and are not counted under it.
COMPLAINTS_ONLY = {"severity"}
NOT_COMPLAINTS = (Kind.DISSATISFIED, Kind.GRIEVANCE)


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
    # DOMAIN §9: only complaints (kind ``complaint``) are complaints: the count, the per-mille rate
    # and general/major. Dissatisfied callbacks and grievances are counted under their own label.
    counted = received & Q(kind=Kind.COMPLAINT)
    aggregates: dict[str, Any] = {
        # Every ticket of the month, whatever its kind (the ticket list's rows).
        "total": Count("pk", filter=received),
        "complaints": Count("pk", filter=counted),
        "dissatisfied_grievances": Count("pk", filter=received & Q(kind__in=NOT_COMPLAINTS)),
        "complaints_sales": Count("pk", filter=counted & Q(category=Category.SALES)),
        "compensation_count": Count("pk", filter=approved),
        "compensation_amount": Sum("compensation_amount", filter=approved),
        # DOMAIN §9 "The GM's gate": compensation in kind, approved like money.
        "compensation_in_kind": Count("pk", filter=approved & ~Q(compensation_in_kind="")),
    }
    for field, choices in DIMENSIONS.items():
        of = counted if field in COMPLAINTS_ONLY else received
        for key in choices.values:
            aggregates[f"{field}_{key}"] = Count("pk", filter=of & Q(**{field: key}))
    for grade in GRADES:
        aggregates[f"grade_{grade or 'none'}"] = Count("pk", filter=received & Q(grade=grade))
    base = scoped(Complaint.objects.filter(received | approved), store_ids)
    row = base.aggregate(**aggregates)
    result: dict[str, Any] = {
        "total": row["total"],
        "complaints": row["complaints"],
        "complaints_sales": row["complaints_sales"],
        "dissatisfied_grievances": row["dissatisfied_grievances"],
    }
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
        "in_kind_count": row["compensation_in_kind"],
        "in_kind": in_kind_approved(month=month, store_ids=store_ids),
    }
    departments = (
        scoped(Complaint.objects.filter(received), store_ids)
        .values("department_id", "department__name", "department__store__name")
        .annotate(
            count=Count("pk"),
            complaints=Count("pk", filter=Q(kind=Kind.COMPLAINT)),
            major=Count("pk", filter=Q(kind=Kind.COMPLAINT, severity=Severity.MAJOR)),
            general=Count("pk", filter=Q(kind=Kind.COMPLAINT, severity=Severity.GENERAL)),
            others=Count("pk", filter=Q(kind__in=NOT_COMPLAINTS)),
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
            # Every ticket = complaints (major + general) + dissatisfied callbacks and grievances.
            "count": d["count"],
            "complaints": d["complaints"],
            "major": d["major"],
            "general": d["general"],
            "others": d["others"],
        }
        for d in departments
    ]
    return result


# Rows of the approved in-kind compensation kept in the report's data (the count has them all).
IN_KIND_SHOWN = 200


def in_kind_approved(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """The compensation in kind the GM approved in the month, oldest approval first: what was given,
    to whom, with the money beside it (DOMAIN §7 "compensation approved", §9 "The GM's gate")."""
    start, end = month_bounds(month)
    rows = (
        scoped(
            Complaint.objects.filter(
                approval=Approval.APPROVED, approved_at__gte=start, approved_at__lt=end
            ).exclude(compensation_in_kind=""),
            store_ids,
        )
        .select_related("store", "customer", "department")
        .order_by("approved_at", "pk")[:IN_KIND_SHOWN]
    )
    return [
        {
            "id": c.pk,
            "number": c.number,
            "store": c.store.name,
            "customer": c.customer.name,
            "department": c.department.name if c.department else "",
            "approved_at": format_local(c.approved_at),
            "compensation_amount": _number(c.compensation_amount)
            if c.compensation_amount is not None
            else None,
            "compensation_in_kind": c.compensation_in_kind,
        }
        for c in rows
    ]


def deadline_steps(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Each step's timers that fell due in the month: met on time, missed (breached or met late),
    still open. A timer stopped before it breached (the step was skipped) does not count; one
    stopped after it breached (the ticket transferred away) stays missed, as the breach stays
    charged to the department that owned the step (DOMAIN §9)."""
    start, end = month_bounds(month)
    counted = Q(cancelled_at__isnull=True) | Q(breached_at__isnull=False)
    rows = {
        r["kind"]: r
        for r in scoped(
            Deadline.objects.filter(counted, due_at__gte=start, due_at__lt=end),
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


_LABELLED = ("kind", "severity", "category", "status", "approval")


def _choice_labels() -> dict[str, dict[Any, Any]]:
    """Each labelled field's value → label in the active language, built once per list: Django's
    ``get_FOO_display`` rebuilds the whole choices dict on every call (issue #25: most of the time of
    the dashboard's complaint list at group scale)."""
    return {
        name: {
            value: str(label) for value, label in getattr(Complaint._meta.get_field(name), "flatchoices", [])
        }
        for name in _LABELLED
    }


# The columns of a complaint row, read as values (no model instances: the xlsx streams a group's
# month, ~13,000 tickets, through here).
_FIELDS = (
    "pk",
    "number",
    "received_at",
    "store__name",
    "customer_name",
    "kind",
    "severity",
    "category",
    "grade",
    "department_id",
    "department__name",
    "status",
    "reopen_count",
    "compensation_amount",
    "compensation_in_kind",
    "approval",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "responsible_staff",
    "internal_measure",
    "accountability",
)


def _full_name(first: str | None, last: str | None, username: str | None) -> str:
    """The user's ``get_full_name()`` or else username; '' without a user."""
    if username is None:
        return ""
    return f"{first} {last}".strip() or username


def _complaint_row(r: dict[str, Any], labels: dict[str, dict[Any, Any]] | None = None) -> dict[str, Any]:
    """One ticket of a list from a ``.values(*_FIELDS)`` row."""
    labels = labels or _choice_labels()
    kind, severity, category, status, approval = (
        r["kind"],
        r["severity"],
        r["category"],
        r["status"],
        r["approval"],
    )
    return {
        "id": r["pk"],
        "number": r["number"],
        "received_at": format_local(r["received_at"]),
        "store": r["store__name"],
        "customer": r["customer_name"],
        "kind": kind,
        "kind_label": labels["kind"].get(kind, kind),
        "severity": severity,
        "severity_label": labels["severity"].get(severity, severity),
        "category": category,
        "category_label": labels["category"].get(category, category),
        "grade": r["grade"],
        "department_id": r["department_id"],
        "department": r["department__name"] or "",
        "status": status,
        "status_label": labels["status"].get(status, status),
        "reopen_count": r["reopen_count"],
        "compensation_amount": _number(r["compensation_amount"])
        if r["compensation_amount"] is not None
        else None,
        "compensation_in_kind": r["compensation_in_kind"],
        "approval": approval,
        "approval_label": labels["approval"].get(approval, approval),
        # Who is responsible (DOMAIN §9, issue #18).
        "assignee": _full_name(r["assignee__first_name"], r["assignee__last_name"], r["assignee__username"]),
        "responsible_staff": r["responsible_staff"],
        "internal_measure": r["internal_measure"],
        "accountability": r["accountability"],
    }


# Records of each complaint list kept in the report's data (the first ones, with the count); the
# dashboard's list and the xlsx read the rest from the database.
COMPLAINTS_SHOWN = 50
# Rows of the dashboard's complaint list (a drill-down) shown under its count.
DRILL_SHOWN = 200


def _received_in(month: dt.date, store_ids: Sequence[int] | None) -> QuerySet[Complaint]:
    start, end = month_bounds(month)
    return scoped(Complaint.objects.filter(received_at__gte=start, received_at__lt=end), store_ids)


def _open_past(
    month: dt.date, store_ids: Sequence[int] | None, as_of: dt.datetime | None
) -> QuerySet[Complaint]:
    """Complaints still unresolved in the month after a stored progress-report deadline (3 working
    days after the department received the form, DOMAIN §5 step 6, §9) had come due — read from the
    stored timers and the resolve steps, never recomputed from the calendar. A timer counts unless
    the ticket was resolved between its start and its due time (or, for a timer due before the
    month, before the month began): a ticket the customer sent back is unresolved again in its new
    cycle, though its earlier resolution is still on record."""
    start, end = month_bounds(month)
    cutoff = min(end, as_of or timezone.now())
    resolved_in_time = ComplaintEvent.objects.filter(
        complaint=OuterRef("complaint"),
        action="resolve",
        created_at__gte=OuterRef("started_at"),
        created_at__lte=Greatest(OuterRef("due_at"), Value(start)),
    )
    past_due = Deadline.objects.filter(
        kind=DeadlineKind.PROGRESS_REPORT, cancelled_at__isnull=True, due_at__lt=cutoff
    ).exclude(Exists(resolved_in_time))
    return scoped(Complaint.objects.filter(pk__in=past_due.values("complaint_id")), store_ids).annotate(
        past_due_at=Subquery(
            past_due.filter(complaint=OuterRef("pk")).order_by("due_at").values("due_at")[:1]
        )
    )


def _reopened(month: dt.date, store_ids: Sequence[int] | None) -> QuerySet[Complaint]:
    """Complaints the customer sent back in the month (a "reopen" event), with how often."""
    start, end = month_bounds(month)
    return (
        scoped(Complaint.objects.all(), store_ids)
        .filter(events__action="reopen", events__created_at__gte=start, events__created_at__lt=end)
        .annotate(reopens=Count("events"))
    )


def _rows(
    qs: QuerySet[Complaint],
    limit: int | None = None,
    annotations: Sequence[str] = (),
    **extra: Callable[[dict[str, Any]], Any],
) -> Iterator[dict[str, Any]]:
    """Row dicts oldest first, streamed (``limit``: only the first ones); ``extra`` adds columns,
    each from the values row (with the queryset's ``annotations``)."""
    # The customer's name looked up per ticket: joined, the planner would read all the customers
    # (a million at group scale) to keep a month's tickets.
    customer = Customer.objects.filter(pk=OuterRef("customer_id")).values("name")[:1]
    rows = (
        qs.annotate(customer_name=Subquery(customer))
        .order_by("received_at", "pk")
        .values(*_FIELDS, *annotations)
    )
    tickets = rows[:limit] if limit is not None else rows.iterator(chunk_size=ROW_CHUNK)
    labels = _choice_labels()
    for r in tickets:
        yield {**_complaint_row(r, labels), **{key: get(r) for key, get in extra.items()}}


def _past_due(r: dict[str, Any]) -> str:
    return format_local(r["past_due_at"])


def _reopens(r: dict[str, Any]) -> int:
    return int(r["reopens"])


PAST_DUE: dict[str, Any] = {"annotations": ("past_due_at",), "past_due_at": _past_due}
REOPENS: dict[str, Any] = {"annotations": ("reopens",), "reopens": _reopens}


def complaint_lists(
    *,
    month: dt.date,
    store_ids: Sequence[int] | None,
    as_of: dt.datetime | None = None,
    shown: int | None = None,
) -> dict[str, Any]:
    """The first ``shown`` of the month's complaints, of those open past 3 working days and of those
    reopened, with the two lists' counts: the data does not grow with the month's complaints."""
    open_past, reopened = _open_past(month, store_ids, as_of), _reopened(month, store_ids)
    shown = COMPLAINTS_SHOWN if shown is None else shown
    return {
        "items": list(_rows(_received_in(month, store_ids), shown)),
        "open_past_three_days": list(_rows(open_past, shown, **PAST_DUE)),
        "open_past_three_days_count": open_past.count(),
        "reopened": list(_rows(reopened, shown, **REOPENS)),
        "reopened_count": reopened.count(),
    }


def open_past_three_days(
    *, month: dt.date, store_ids: Sequence[int] | None, as_of: dt.datetime | None = None
) -> list[dict[str, Any]]:
    return list(_rows(_open_past(month, store_ids, as_of), **PAST_DUE))


def reopened(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    return list(_rows(_reopened(month, store_ids), **REOPENS))


DRILL_FIELDS = {"kind", "severity", "category", "grade", "status", "department"}


def only_visible(qs: QuerySet[Complaint], visible: QuerySet[Complaint] | None) -> QuerySet[Complaint]:
    """``qs`` kept to the tickets of ``visible`` (a user's own ticket selector). A selector that
    restricts nothing (head office, the superuser: every store, every department) is not applied:
    as ``pk IN (SELECT id FROM complaints)`` it read the whole complaint table on every view of the
    group's dashboard (issue #25: 40 of the page's 100 ms at 50 stores)."""
    if visible is None or (not visible.query.where and not visible.query.is_sliced):
        return qs
    return qs.filter(pk__in=visible.values("pk"))


def complaint_drill(
    *,
    month: dt.date,
    store_ids: Sequence[int] | None,
    drill: str,
    shown: int = DRILL_SHOWN,
    visible: QuerySet[Complaint] | None = None,
) -> tuple[str, list[dict[str, Any]], int]:
    """The complaints behind one figure of the dashboard (``open``, ``reopened`` or ``field:value``;
    anything else: all of the month's): (the drill understood, the first ``shown`` rows, how many).
    ``visible``: only these tickets (the user's own ticket selector)."""
    name, _sep, value = drill.partition(":")
    extra: dict[str, Any] = {}
    if name == "open":
        qs, extra = _open_past(month, store_ids, None), PAST_DUE
    elif name == "reopened":
        qs, extra = _reopened(month, store_ids), REOPENS
    elif name in DRILL_FIELDS:
        qs = _received_in(month, store_ids)
        if name == "department":
            qs = qs.filter(department_id=value) if params.is_id(value) else qs.filter(department__isnull=True)
        else:
            qs = qs.filter(**{name: value})
        if name in COMPLAINTS_ONLY:  # the tickets behind the figure: complaints only
            qs = qs.filter(kind=Kind.COMPLAINT)
    else:
        drill, qs = "", _received_in(month, store_ids)
    qs = only_visible(qs, visible)
    return drill, list(_rows(qs, shown, **extra)), qs.count()


def complaint_records(
    *,
    month: dt.date,
    store_ids: Sequence[int] | None,
    as_of: dt.datetime | None = None,
    visible: QuerySet[Complaint] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every complaint of the month's figures for the xlsx, streamed: those received in the month and
    older ones open past 3 working days or reopened in it, each flagged. ``visible``: only these
    tickets (the downloading user's own ticket selector).

    The tickets open past 3 working days and the month's reopen counts are read first, once each
    (a few thousand ids at group scale): as subqueries of the list they were computed twice, and the
    reopen count once per row."""
    start, end = month_bounds(month)
    open_ids = set(_open_past(month, store_ids, as_of).values_list("pk", flat=True))
    reopens = dict(_reopened(month, store_ids).values_list("pk", "reopens"))
    qs = scoped(
        Complaint.objects.filter(
            Q(received_at__gte=start, received_at__lt=end) | Q(pk__in=open_ids | set(reopens))
        ),
        store_ids,
    )
    qs = only_visible(qs, visible)
    return _rows(qs, open_past=lambda r: r["pk"] in open_ids, reopens=lambda r: reopens.get(r["pk"]))


def complaint_rates(
    *, month: dt.date, store_ids: Sequence[int] | None, stats: dict[str, Any]
) -> list[dict[str, Any]]:
    """Complaints per mille: sales-category complaints per car delivered, every other category per
    service intake (DOMAIN §4 Decision targets); kind ``complaint`` only (DOMAIN §9)."""
    start, end = month_bounds(month)
    intakes = scoped(ServiceVisit.objects.filter(opened_at__gte=start, opened_at__lt=end), store_ids).count()
    sold = scoped(
        SalesDelivery.objects.filter(delivered_at__gte=start, delivered_at__lt=end), store_ids
    ).count()
    # Only complaints (kind ``complaint``) count: dissatisfied callbacks and grievances are reported
    # as their own lines (by kind) but "不在公司质量目标的要求上直接体现" (DOMAIN §9).
    sales = stats["complaints_sales"]
    service = stats["complaints"] - sales
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
