"""Reads of complaints: scoped lists, queues, the ticket page, and department assessment."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from complaints.models import (
    Approval,
    AssessmentAdjustment,
    AssessmentDispute,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineAlert,
    DeadlineKind,
    Kind,
    PenaltyDecision,
    PenaltyRequest,
    Severity,
    Status,
)
from csat import access
from csat.business_time import month_bounds
from csat.domain import assessment as points
from csat.domain import transitions
from csat.models import Department, Notification, Role
from csat.revisions import revision_cached
from csat.subqueries import subquery_count

# Roles that see only part of their store's tickets (their department's, or their own).
PARTIAL_TICKET_ROLES = (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR, Role.STAFF)


def sees_every_ticket(user: Any) -> bool:
    """Whether ``complaint_list(user)`` is every ticket of the user's stores (customer care, the GM,
    head office, the superuser), not only a department's or the user's own."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = access.profile_of(user)
    return profile is not None and profile.role not in PARTIAL_TICKET_ROLES


def _visible(qs: QuerySet[Complaint], user: Any) -> QuerySet[Complaint]:
    qs = access.scope_to_user(qs, user)
    profile = access.profile_of(user)
    if profile is not None and not user.is_superuser:
        if profile.role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
            qs = qs.filter(
                Q(department_id=profile.department_id) | Q(received_by_department_id=profile.department_id)
            )
        elif profile.role == Role.STAFF:
            qs = qs.filter(Q(received_by=user) | Q(assignee=user))
    return qs


def openable_ticket_ids(user: Any, ids: Iterable[int | None]) -> set[int]:
    """Which of ``ids`` the user may open (``_visible``, as the ticket page): a page that names
    other departments' tickets (reports, assessment, a survey, a customer) links only these and
    shows the other numbers as text, instead of links that answer 404. One query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(_visible(Complaint.objects.filter(pk__in=wanted), user).values_list("pk", flat=True))


def ticket_view_scope(user: Any) -> str:
    """What the tickets a user may open depend on, coarser than ``cache_scope``: every ticket of
    their stores, a department's, or a person's own — a part of the key of a page fragment kept
    for many users that links tickets."""
    if sees_every_ticket(user):
        return "all"
    profile = access.profile_of(user)
    if profile is None:
        return "none"
    if profile.role == Role.STAFF:
        return f"u{user.pk}"
    return f"d{profile.department_id}"


def department_members(department_id: int | None) -> QuerySet[Any]:
    """The active people of a department, whom its manager may assign a ticket to."""
    if department_id is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, profile__department_id=department_id)
        .order_by("username")
    )


def store_people(*, user: Any) -> QuerySet[Any]:
    """The active people of the user's store (every store's for a superuser): whom an assignment
    may name (the service checks the department)."""
    people = get_user_model().objects.filter(is_active=True)
    if user.is_superuser:
        return people
    store_id = access.user_store_id(user)
    return people.filter(profile__store_id=store_id) if store_id is not None else people.none()


# Whom the list's assignee filter leaves out: the GM approves and decides, a department's people
# work the tickets (DOMAIN §9 "Who is responsible"); head office reads only.
NOT_ASSIGNEES = (Role.GENERAL_MANAGER, Role.GROUP_VIEWER)


def assignable_people(*, store_ids: Iterable[int]) -> QuerySet[Any]:
    """The active people of these stores who may work a ticket (the list's assignee filter): each
    in a department, not the GM. The model does not tell a technician from an advisor (both
    ``staff`` of their department), so front-line staff stay. Ordered by username."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, profile__store_id__in=sorted(store_ids), profile__department__isnull=False
        )
        .exclude(profile__role__in=NOT_ASSIGNEES)
        .order_by("username")
    )


def assigned_to(*, user: Any) -> QuerySet[Complaint]:
    """My tickets: the open ones my department manager assigned to me, soonest deadline first."""
    return (
        _table_rows(complaint_list(user=user))
        .filter(assignee=user, status__in=OPEN_STATUSES)
        .order_by(*BY_URGENCY)
    )


def complaint_list(*, user: Any) -> QuerySet[Complaint]:
    """Store-scoped; a department manager sees their department's tickets and what they received.
    Each ticket carries its next open deadline (``next_due_at``/``next_due_kind``, kept on the row)."""
    qs = _visible(
        Complaint.objects.select_related("store", "customer", "department", "received_by_department"), user
    )
    return qs.annotate(
        breaches=subquery_count(Deadline.objects.filter(complaint=OuterRef("pk"), breached_at__isnull=False)),
    )


# transitions.OPEN_STATUSES in workflow order (the order the open-by-status counts are listed in).
OPEN_STATUSES = tuple(status for status in Status.values if status in transitions.OPEN_STATUSES)
# Soonest deadline first; tickets with no open deadline last (the partial index's own order).
BY_URGENCY = [F("next_due_at").asc(nulls_last=True), F("id").asc()]
# Rows per section of the manager's queue (3 sections) and per board column (6 steps); each shows
# its total and links to its full list. Rendering the rows is most of these pages' time.
QUEUE_ROWS = 10
BOARD_ROWS = 10


# The columns of a ticket table (partials/_ticket_table.html): not the long texts of each ticket.
TABLE_COLUMNS = (
    "id",
    "number",
    "store_id",
    "kind",
    "severity",
    "urgent",
    "status",
    "next_due_at",
    "next_due_kind",
    "customer__name",
    "department__name",
    "store__name",  # head office's tables name each ticket's store (a join, no query more)
    "plate",
    "grade",
    "received_at",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _table_rows(tickets: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The table's columns, with when the step behind ``next_due_at`` started (``next_due_from``:
    its countdown turns amber in the last share of the step, csat.durations) — a subquery per shown
    row, in the same query."""
    step = Deadline.objects.filter(
        complaint=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_at", "id")
    return (
        tickets.select_related(None)
        .select_related("customer", "department", "assignee", "store")
        .only(*TABLE_COLUMNS)
        .annotate(next_due_from=Subquery(step.values("started_at")[:1], output_field=DateTimeField()))
    )


def _breached(kind: str | None = None) -> Exists:
    deadlines = Deadline.objects.filter(complaint=OuterRef("pk"), breached_at__isnull=False)
    return Exists(deadlines.filter(kind=kind) if kind else deadlines)


def manager_queue(*, user: Any, rows: int | None = None) -> dict[str, dict[str, Any]]:
    """My department's open tickets in three groups, each ticket in one: new (not yet contacted,
    not overdue), overdue, and the others; each the ``rows`` most urgent with the group's total and
    a link to its list (the others' link lists every ticket not overdue).

    The sections' totals and ids read only the complaint tables: they are kept until the next write
    to them (csat.revisions, issue #25); then one query reads the shown rows of all three."""
    limit = rows or QUEUE_ROWS
    sections = {
        "new": (Q(status=Status.DISPATCHED) & ~Q(_breached()), f"?status={Status.DISPATCHED}&breached=0"),
        "breached": (Q(_breached()), "?breached=1"),
        "open": (~Q(status=Status.DISPATCHED) & ~Q(_breached()), "?breached=0"),
    }

    def rank() -> dict[str, tuple[int, list[int]]]:
        open_tickets = _visible(Complaint.objects.all(), user).filter(status__in=OPEN_STATUSES)
        counts = open_tickets.aggregate(
            **{name: Count("pk", filter=q) for name, (q, _query) in sections.items()}
        )
        return {
            name: (
                counts[name],
                list(open_tickets.filter(q).order_by(*BY_URGENCY).values_list("pk", flat=True)[:limit])
                if counts[name]
                else [],
            )
            for name, (q, _query) in sections.items()
        }

    ranked = revision_cached("complaints", f"queue:{cache_scope(user)}:{limit}", rank)
    shown = ticket_rows(user=user, ids=sorted({pk for _n, ids in ranked.values() for pk in ids}))
    by_pk = {c.pk: c for c in shown}
    return {
        name: {
            "tickets": [by_pk[pk] for pk in ranked[name][1] if pk in by_pk],
            "count": ranked[name][0],
            "query": query,
        }
        for name, (_q, query) in sections.items()
    }


def approval_queue(*, user: Any) -> QuerySet[Complaint]:
    """What awaits the GM's approval, oldest first; each with the compensation the same customer was
    approved before (count and money, on other tickets): the GM decides knowing it (the help desks'
    approval request carries the requester's history)."""
    before = Complaint.objects.filter(
        customer=OuterRef("customer"), approval=Approval.APPROVED, approved_at__isnull=False
    ).exclude(pk=OuterRef("pk"))
    return (
        complaint_list(user=user)
        .filter(status=Status.AWAITING_APPROVAL)
        .annotate(
            earlier_compensations=Coalesce(
                Subquery(before.order_by().values("customer").annotate(n=Count("pk")).values("n")[:1]), 0
            ),
            earlier_amount=Subquery(
                before.order_by()
                .values("customer")
                .annotate(total=Sum("compensation_amount"))
                .values("total")[:1]
            ),
        )
        .order_by("updated_at")
    )


def major_reviews(*, user: Any) -> QuerySet[Complaint]:
    """Major complaints whose proposed measures the GM has not marked read (DOMAIN §9 "The GM's
    gate"), oldest proposal first, in one query."""
    return (
        complaint_list(user=user)
        .filter(severity=Severity.MAJOR, major_reviewed_at__isnull=True)
        .exclude(solution="")
        .order_by("updated_at", "pk")
    )


def disputes(*, user: Any, month: dt.date | None = None) -> QuerySet[AssessmentDispute]:
    """The assessment disputes of the departments the user sees (of ``month``), in one query."""
    qs = AssessmentDispute.objects.filter(
        department__in=access.scope_to_user(Department.objects.all(), user).values("pk")
    ).select_related("department", "raised_by", "decided_by", "complaint")
    if month is not None:
        qs = qs.filter(month=month.replace(day=1))
    return qs.order_by("created_at", "pk")


def penalty_queue(*, user: Any) -> QuerySet[PenaltyRequest]:
    """The penalty requests awaiting the GM's decision (DOMAIN §9), oldest first, in one query."""
    return (
        PenaltyRequest.objects.filter(
            decision=PenaltyDecision.PENDING,
            complaint__in=_visible(Complaint.objects.all(), user).values("pk"),
        )
        .select_related("complaint", "complaint__department", "requested_by")
        .order_by("requested_at", "pk")
    )


def complaint_detail(*, user: Any, pk: int) -> Complaint:
    """One ticket the user may open (``_visible``, as the lists), with what its page shows: its
    store, customer, vehicle, departments, handler and penalty request joined, its history and
    timers prefetched (issue #25: not the lists' breach count, which the page does not show; the
    vehicle joined, not read by the template afterwards)."""
    return (
        _visible(
            Complaint.objects.select_related(
                "store", "customer", "vehicle", "department", "received_by_department", "assignee", "penalty"
            ),
            user,
        )
        .prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.select_related("department").order_by("cycle", "opens_at"),
            ),
        )
        .get(pk=pk)
    )


def assessment(*, user: Any, month: dt.date, store_id: int | None = None) -> list[dict[str, Any]]:
    """Points per department for a month with the events behind them (DOMAIN §5)."""
    departments = access.scope_to_user(Department.objects.select_related("store"), user)
    if store_id is not None:
        departments = departments.filter(store_id=store_id)
    return assessment_rows(departments=departments, month=month)


def assessment_events(*, departments: QuerySet[Department], month: dt.date) -> Iterator[dict[str, Any]]:
    """Every assessment event of the month (DOMAIN §5: missed deadlines, complaints, adjustments)
    of the given departments, by department (store code, kind, id) then time, streamed: three
    ordered queries merged, so a whole group's month is never held. Each event names its
    ``department_id``; ties keep the order breaches, complaints, penalties, adjustments."""
    start, end = month_bounds(month)
    in_scope = {"department__in": departments.values("pk")}
    order = ("department__store__code", "department__kind", "department_id")
    # A missed step belongs to the month its deadline fell due, whenever the breach was recorded
    # (a complaint back-filled after the month's end, a sweep in the month's last minute): the
    # report's 处理时限 counts its steps so, and the −2 must stand beside them in the same month.
    breaches = (
        DeadlineAlert.objects.filter(
            kind=DeadlineAlert.Kind.BREACH, deadline__due_at__gte=start, deadline__due_at__lt=end, **in_scope
        )
        .order_by(*order, "deadline__due_at", "pk")
        .values(
            *order,
            "pk",
            "deadline__due_at",
            "deadline__kind",
            "deadline__complaint_id",
            "deadline__complaint__number",
        )
    )
    # DOMAIN §9 "What counts against a department": only complaints (kind ``complaint``) cost −1/−5;
    # dissatisfied callbacks and grievances cost only their missed deadlines (the breaches above).
    complaints = (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end, kind=Kind.COMPLAINT, **in_scope)
        .order_by(*order, "received_at", "pk")
        .values(*order, "received_at", "pk", "number", "severity")
    )
    # A penalty request the GM approved on a neglected dissatisfied callback or grievance (DOMAIN §9):
    # one event of the points the GM set, for the department the ticket was with when decided.
    penalties = (
        PenaltyRequest.objects.filter(
            decision=PenaltyDecision.APPROVED, decided_at__gte=start, decided_at__lt=end, **in_scope
        )
        .order_by(*order, "decided_at", "pk")
        .values(*order, "pk", "decided_at", "points", "reason", "complaint_id", "complaint__number")
    )
    adjustments = (
        AssessmentAdjustment.objects.filter(month=start.date(), **in_scope)
        .order_by(*order, "created_at", "pk")
        .values(*order, "created_at", "points", "reason", "created_by__username")
    )
    missed = points.points_for(points.MISSED_DEADLINE)

    def keyed(r: dict[str, Any], at: dt.datetime, event: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        key = (r["department__store__code"], r["department__kind"], r["department_id"], at)
        return key, {"department_id": r["department_id"], **event, "at": at}

    streams = (
        (
            keyed(r, r["deadline__due_at"], {"kind": points.MISSED_DEADLINE, "points": missed,
                  "complaint": r["deadline__complaint__number"], "complaint_id": r["deadline__complaint_id"],
                  "step": r["deadline__kind"], "ref": f"breach:{r['pk']}"})
            for r in breaches.iterator(chunk_size=EVENT_CHUNK)
        ),
        (
            keyed(r, r["received_at"], {"kind": kind, "points": points.points_for(kind), "complaint": r["number"],
                  "complaint_id": r["pk"], "step": "", "ref": f"complaint:{r['pk']}"})
            for r in complaints.iterator(chunk_size=EVENT_CHUNK)
            for kind in (points.complaint_event_kind(r["severity"]),)
        ),
        (
            keyed(r, r["decided_at"], {"kind": "penalty", "points": r["points"], "reason": r["reason"],
                  "complaint": r["complaint__number"], "complaint_id": r["complaint_id"], "step": "",
                  "ref": f"penalty:{r['pk']}"})
            for r in penalties.iterator(chunk_size=EVENT_CHUNK)
        ),
        (
            keyed(r, r["created_at"], {"kind": "adjustment", "points": r["points"], "reason": r["reason"],
                  "by": r["created_by__username"] or ""})
            for r in adjustments.iterator(chunk_size=EVENT_CHUNK)
        ),
    )  # fmt: skip
    for _key, event in heapq.merge(*streams, key=lambda pair: pair[0]):
        yield event


# Rows read at a time by a streamed assessment.
EVENT_CHUNK = 2000


def assessment_departments(departments: QuerySet[Department]) -> QuerySet[Department]:
    """The departments in the order their events stream."""
    return departments.select_related("store").order_by("store__code", "kind", "pk")


def assessment_rows(*, departments: QuerySet[Department], month: dt.date) -> list[dict[str, Any]]:
    """The assessment of the given departments (already scoped by the caller: a user or a report)."""
    rows: dict[int | None, dict[str, Any]] = {
        d.pk: {"department": d, "events": [], "deductions": 0, "adjustments": Decimal(0)}
        for d in assessment_departments(departments)
    }
    for event in assessment_events(departments=departments, month=month):
        row = rows[event.pop("department_id")]
        row["events"].append(event)
        if event["kind"] == "adjustment":
            row["adjustments"] += event["points"]
        else:
            row["deductions"] += event["points"]
    for row in rows.values():
        row["total"] = row["deductions"] + row["adjustments"]
    return list(rows.values())


def ticket_q(
    *,
    user: Any = None,
    status: str | None = None,
    breached: bool | None = None,
    step: str | None = None,
    severity: str | None = None,
    assignee: int | None = None,
    awaiting_proposal: bool = False,
    follow_up_before: dt.datetime | None = None,
    search: str = "",
    department: int | None = None,
    departments: Iterable[int] | None = None,
    store: int | None = None,
    kind: str | None = None,
    grade: str | None = None,
    urgent: bool = False,
    received_from: dt.datetime | None = None,
    received_before: dt.datetime | None = None,
    todo: bool = False,
) -> Q:
    """The condition of one filtered list (issue #22): the same Q filters the list's ids and
    counts each saved view in one aggregate. ``status`` None: every open ticket; ``ALL_STATUSES``:
    closed ones too. ``search``: ticket number, customer name, phone tail, plate (with or without
    the province character) or words of the complaint — every word must match one of them.
    ``departments``: any of these (head office's "销售部" is every store's sales department; an
    empty list matches nothing); ``store``: one store's tickets (the caller checked it is the
    user's to see; ``_visible`` scopes the list anyway)."""
    q = Q()
    if status == ALL_STATUSES:
        pass
    elif status:
        q &= Q(status=status)
    else:
        q &= Q(status__in=OPEN_STATUSES)
    if breached or step:
        q &= Q(_breached(step))
    elif breached is False:  # not overdue at any step
        q &= ~Q(_breached())
    if severity:
        q &= Q(severity=severity)
    if assignee:
        q &= Q(assignee_id=assignee)
    if awaiting_proposal:
        q &= Q(status=Status.IN_PROGRESS, solution="")
    if follow_up_before is not None:
        q &= Q(_follow_up_open(follow_up_before))
    if department:
        q &= Q(department_id=department)
    if departments is not None:
        q &= Q(department_id__in=sorted(departments))
    if store:
        q &= Q(store_id=store)
    if kind:
        q &= Q(kind=kind)
    if grade:
        q &= Q(grade=grade)
    if urgent:
        q &= Q(urgent=True)
    if received_from is not None:
        q &= Q(received_at__gte=received_from)
    if received_before is not None:
        q &= Q(received_at__lt=received_before)
    if todo:
        q &= my_todo_q(user)
    for word in search_words(search):
        q &= _search_q(word)
    return q


def ticket_q_is_stable(*, user: Any = None, search: str = "", todo: bool = False, **_filters: Any) -> bool:
    """Whether ``ticket_q`` with these filters reads only the complaint and deadline tables and
    no clock, so its count changes only with a write to them (csat.revisions). Not so: a search
    (it reads the customers' names and phones) and customer care's "我的待办" (the follow-ups whose
    window has opened by now)."""
    if search_words(search):
        return False
    if todo:
        profile = access.profile_of(user) if user is not None else None
        return profile is None or profile.role not in (Role.AGENT, Role.CUSTOMER_CARE_MANAGER)
    return True


# ``status`` of a list that includes closed tickets (the filter bar's "全部（含已结案）").
ALL_STATUSES = "all"


def search_words(text: str) -> list[str]:
    """The words of a search, at most 5, each at most 50 characters (full-width spaces split too)."""
    return [w[:50] for w in (text or "").replace("\u3000", " ").split()][:5]


def _search_q(word: str) -> Q:
    """One word of the list's search: the number, the customer's name, a phone (whole or its last
    digits, ≥ 4), a plate (粤B·12345, B12345, 12345, separators ignored) or the complaint's words."""
    q = Q(number__icontains=word) | Q(customer__name__icontains=word) | Q(content__icontains=word)
    digits = "".join(ch for ch in word if ch.isdigit())
    if len(digits) >= 4 and len(digits) == len(word.replace("-", "").replace(" ", "")):
        q |= Q(phone__endswith=digits) | Q(customer__mobile__endswith=digits)
    plate = "".join(ch for ch in word if ch not in " ·•.-_").upper()
    if len(plate) >= 3:
        q |= Q(plate__contains=plate)
    return q


def my_todo_q(user: Any) -> Q:
    """ "我的待办": the open tickets whose next move is this user's — customer care: to register, to
    dispatch, and follow-ups whose day 5–7 window is open; a department manager: their department's
    tickets to contact or work; the GM: approvals; staff: what is assigned to them."""
    profile = access.profile_of(user) if user is not None else None
    if profile is None:
        return Q(pk__in=[])
    role = profile.role
    if role in (Role.AGENT, Role.CUSTOMER_CARE_MANAGER):
        return Q(status__in=[Status.RECEIVED, Status.REGISTERED]) | Q(_follow_up_open(timezone.now()))
    if role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR):
        return Q(department_id=profile.department_id, status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
    if role == Role.GENERAL_MANAGER:
        return Q(status=Status.AWAITING_APPROVAL)
    if role == Role.STAFF:
        return Q(assignee=user)
    return Q(pk__in=[])


def _urgent_filter(tickets: QuerySet[Complaint], **filters: Any) -> QuerySet[Complaint]:
    return tickets.filter(ticket_q(**filters))


def urgent_tickets(*, user: Any, **filters: Any) -> QuerySet[Complaint]:
    """The user's tickets of one step (every open one when ``status`` is None; only those with a
    breached deadline when ``breached``, of the deadline kind ``step`` when given), soonest deadline
    first. The home pages' numbers link here with the same filters (csat.home):
    ``awaiting_proposal`` — in progress with no solution proposed yet; ``follow_up_before`` — the
    day 5–7 follow-up window open before that moment and not yet done."""
    return _table_rows(_urgent_filter(complaint_list(user=user), user=user, **filters)).order_by(*BY_URGENCY)


def urgent_ticket_ids(*, user: Any, **filters: Any) -> QuerySet[Any]:
    """The ids of ``urgent_tickets`` in the same order, from the complaint table alone: a page of
    them is read from the open-ticket indexes (complaint_open_due_idx at group scope,
    complaint_open_urgency_idx in a store) without joining a single customer; the rows of that page
    only are then read by ``ticket_rows`` (issue #25: at group scope the joined query scanned all
    customers to keep 50)."""
    return ticket_ids(user=user, order=BY_URGENCY, **filters)


def ticket_ids(*, user: Any, order: list[Any] | tuple[Any, ...], **filters: Any) -> QuerySet[Any]:
    """The ids of the user's tickets matching the filters (``ticket_q``) in ``order`` (ending in
    the id): the id-first paging of the full list. Only a search by customer name or a sort by a
    joined column joins beyond the complaint table."""
    tickets = _visible(Complaint.objects.all(), user).filter(ticket_q(user=user, **filters))
    return tickets.order_by(*order).values_list("pk", flat=True)


def ticket_rows(*, user: Any, ids: list[int]) -> list[Complaint]:
    """The table rows (customer, department, breaches) of the given tickets the user may see, in
    the order of ``ids``: one query by primary key."""
    if not ids:
        return []
    shown = _table_rows(complaint_list(user=user)).in_bulk(ids)
    return [shown[pk] for pk in ids if pk in shown]


def next_follow_up_opening() -> dt.datetime | None:
    """When the next pending follow-up window of any ticket opens (after now): the moment
    "我的待办" changes without a write (csat.fragments). Read from the pending-deadline index."""
    return Deadline.objects.filter(
        kind=DeadlineKind.FOLLOW_UP,
        met_at__isnull=True,
        breached_at__isnull=True,
        cancelled_at__isnull=True,
        opens_at__gt=timezone.now(),
    ).aggregate(first=Min("opens_at"))["first"]


def _follow_up_open(before: dt.datetime) -> Exists:
    return Exists(
        Deadline.objects.filter(
            complaint=OuterRef("pk"),
            kind=DeadlineKind.FOLLOW_UP,
            opens_at__lt=before,
            met_at__isnull=True,
            cancelled_at__isnull=True,
        )
    )


def board(*, user: Any, rows: int | None = None) -> list[dict[str, Any]]:
    """Customer care's board: per open step, its total and the ``rows`` most urgent tickets, soonest
    deadline first; the full list is ``complaints:list?status=…``.

    Two queries: the ranking over the bare tickets (window functions per step over the store's open
    tickets, which the partial index complaint_open_urgency_idx holds in that order), then only the
    shown rows with their customer, department and breaches. The ranking reads only the complaint
    table: it is kept until the next write to it (csat.revisions, issue #25: 15,000 open tickets of a
    group cost 40 ms to rank)."""
    limit = rows or BOARD_ROWS

    def rank() -> list[tuple[int, str, int]]:
        ranked = (
            _visible(Complaint.objects.all(), user)
            .filter(status__in=OPEN_STATUSES)
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("status")], order_by=BY_URGENCY),
                step_total=Window(Count("pk"), partition_by=[F("status")]),
            )
            .filter(rank__lte=limit)
            .order_by("status", "rank")
            .values_list("pk", "status", "step_total")
        )
        return list(ranked)

    order = revision_cached("complaints", f"board:{cache_scope(user)}:{limit}", rank)
    shown = _table_rows(complaint_list(user=user)).in_bulk([pk for pk, _status, _total in order])
    columns: dict[str, list[Complaint]] = defaultdict(list)
    totals: dict[str, int] = {}
    for pk, status, total in order:
        totals[status] = total
        if pk in shown:
            columns[status].append(shown[pk])
    return [
        {
            "status": status,
            "label": Status(status).label,
            "count": totals.get(status, 0),
            "tickets": columns[status],
        }
        for status in OPEN_STATUSES
    ]


def cache_scope(user: Any) -> str:
    """What a cached list or count of the user's tickets depends on besides the complaint tables:
    everything ``_visible`` and ``my_todo_q`` read of the user (a key part, csat.revisions)."""
    profile = access.profile_of(user)
    if profile is None:
        return f"{user.pk}:{int(user.is_superuser)}:-"
    return f"{user.pk}:{int(user.is_superuser)}:{profile.role}:{profile.store_id}:{profile.department_id}"


# --- prevention ---------------------------------------------------------------------------


def notification_mark() -> int:
    """The newest inbox row now: what an action notifies comes after it (``notified_since``)."""
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def notified_since(*, complaint: Complaint, mark: int) -> list[Any]:
    """Who was told about this ticket since ``mark`` (inbox rows), with their profiles, for the
    flash that says what an action did and who heard of it."""
    recipients = (
        Notification.objects.filter(pk__gt=mark, url=f"/complaints/{complaint.pk}/")
        .select_related("recipient__profile")
        .order_by("pk")
    )
    seen: dict[int, Any] = {}
    for row in recipients:
        seen.setdefault(row.recipient_id, row.recipient)
    return list(seen.values())
