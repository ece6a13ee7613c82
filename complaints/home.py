"""The complaint numbers on each role's home (csat.home), each linking to its filtered list.

Department manager: new dispatches with the 2-hour countdown, breached, awaiting my proposal, assigned
to each person. Customer care: to register, to dispatch, day 5–7 follow-ups due today, breached by
step. GM: approvals with amounts, open major complaints. Admin: open assessment disputes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import selectors
from complaints.models import (
    AssessmentDispute,
    Complaint,
    Deadline,
    DeadlineKind,
    DisputeStatus,
    Severity,
    Status,
)
from csat import access
from csat.business_time import business_tz
from csat.home import Tile, register_home_tiles
from csat.models import Department, Role

# Tickets shown under a tile (the new dispatches with their countdown, the approvals with amounts).
TILE_ROWS = 5


def list_url(**query: Any) -> str:
    """The full ticket list (complaints:list) with the given filters."""
    params = {name: value for name, value in query.items() if value not in (None, "", False)}
    return reverse("complaints:list") + (f"?{urlencode(params)}" if params else "")


def tomorrow_start(now: dt.datetime) -> dt.datetime:
    day = timezone.localdate(now, timezone=business_tz()) + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=business_tz())


def _open(user: Any) -> Any:
    return selectors._visible(Complaint.objects.all(), user).filter(status__in=selectors.OPEN_STATUSES)


def department_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    """New dispatches (with the 2-hour contact countdown), breached, awaiting my proposal, and the
    open tickets assigned to each person of the department."""
    # New and breached are disjoint, as in the department's queue: an overdue dispatch is counted
    # (and listed) once, under breached, not also as "within 2 hours".
    counts = _open(user).aggregate(
        new=Count("pk", filter=Q(~selectors._breached(), status=Status.DISPATCHED)),
        breached=Count("pk", filter=selectors._breached()),
        proposal=Count("pk", filter=Q(status=Status.IN_PROGRESS, solution="")),
    )
    new_rows = (
        list(selectors.urgent_tickets(user=user, status=Status.DISPATCHED, breached=False)[:TILE_ROWS])
        if counts["new"]
        else []
    )
    yield Tile(
        "new", _("新派单（2 小时内联系客户）"), counts["new"],
        list_url(status=Status.DISPATCHED, breached="0"),
        tone="warning" if counts["new"] else "", rows=new_rows,
    )  # fmt: skip
    yield Tile(
        "breached", _("已超时"), counts["breached"], list_url(breached=1),
        tone="danger" if counts["breached"] else "",
    )  # fmt: skip
    yield Tile(
        "proposal", _("待我提出方案"), counts["proposal"], list_url(status=Status.IN_PROGRESS, proposal=1)
    )
    assigned = (
        _open(user)
        .filter(assignee__isnull=False)
        .values("assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(n=Count("pk"))
        .order_by("assignee__username")
    )
    for row in assigned:
        name = f"{row['assignee__last_name']}{row['assignee__first_name']}" or row["assignee__username"]
        yield Tile(
            f"assignee-{row['assignee_id']}", name, row["n"], list_url(assignee=row["assignee_id"]),
            group=_("已分派给本部门人员"),
        )  # fmt: skip


def customer_care_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    """To register, to dispatch, the day 5–7 follow-ups due today, and breaches by step."""
    counts = _open(user).aggregate(
        register=Count("pk", filter=Q(status=Status.RECEIVED)),
        dispatch=Count("pk", filter=Q(status=Status.REGISTERED)),
        follow_up=Count("pk", filter=selectors._follow_up_open(tomorrow_start(now))),
    )
    yield Tile(
        "register", _("待登记"), counts["register"], list_url(status=Status.RECEIVED),
        tone="warning" if counts["register"] else "",
    )  # fmt: skip
    yield Tile(
        "dispatch", _("待派单"), counts["dispatch"], list_url(status=Status.REGISTERED),
        tone="warning" if counts["dispatch"] else "",
    )  # fmt: skip
    yield Tile("follow_up", _("今日应回访（第 5–7 天）"), counts["follow_up"], list_url(followup="today"))
    by_step = dict(
        Deadline.objects.filter(breached_at__isnull=False, complaint__in=_open(user).values("pk"))
        .values_list("kind")
        .annotate(n=Count("complaint_id", distinct=True))
        .values_list("kind", "n")
    )
    for kind in DeadlineKind.values:
        if by_step.get(kind):
            yield Tile(
                f"breached-{kind}", str(DeadlineKind(kind).label), by_step[kind], list_url(breached=1, step=kind),
                tone="danger", group=_("已超时（按环节）"),
            )  # fmt: skip


def general_manager_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    """Approvals with their amounts, open major complaints."""
    counts = _open(user).aggregate(
        approvals=Count("pk", filter=Q(status=Status.AWAITING_APPROVAL)),
        major=Count("pk", filter=Q(severity=Severity.MAJOR)),
    )
    rows = (
        list(
            selectors.approval_queue(user=user)
            .select_related(None)
            .select_related("customer", "department")
            .only(
                "id",
                "number",
                "compensation_amount",
                "compensation_in_kind",
                "customer__name",
                "department__name",
            )[:TILE_ROWS]
        )
        if counts["approvals"]
        else []
    )
    yield Tile(
        "approvals", _("待审批"), counts["approvals"], reverse("complaints:approvals"),
        tone="warning" if counts["approvals"] else "", rows=rows,
    )  # fmt: skip
    yield Tile(
        "major", _("未结重大投诉"), counts["major"], list_url(severity=Severity.MAJOR),
        tone="danger" if counts["major"] else "",
    )  # fmt: skip


def admin_tiles(user: Any, now: dt.datetime) -> Iterable[Tile]:
    """The open assessment disputes of the departments the admin sees."""
    open_disputes = AssessmentDispute.objects.filter(
        status=DisputeStatus.OPEN,
        department__in=access.scope_to_user(Department.objects.all(), user).values("pk"),
    ).count()
    yield Tile(
        "disputes", _("待处理的考核申诉"), open_disputes, reverse("complaints:assessment") + "#disputes",
        tone="warning" if open_disputes else "",
    )  # fmt: skip


def register() -> None:
    register_home_tiles([Role.DEPARTMENT_MANAGER], department_tiles)
    register_home_tiles([Role.CUSTOMER_CARE_MANAGER], customer_care_tiles)
    register_home_tiles([Role.GENERAL_MANAGER], general_manager_tiles)
    register_home_tiles([Role.ADMIN_ASSESSOR], admin_tiles)
