"""Reads of the callback work, always scoped to the user's stores; every list is one query.

The grade suggestion lives in ``.grades`` and the figures in ``.figures``; both are re-exported.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from callbacks.models import (
    OPEN_STATUSES,
    CallAttempt,
    CallbackEvent,
    CallbackTask,
    Outcome,
    ReasonCode,
    Survey,
)
from callbacks.survey_items import items_for
from complaints.models import Complaint, Status
from complaints.selectors import openable_ticket_ids
from csat import access
from csat import selectors as csat_selectors
from csat.domain import grading, scoring
from csat.models import Customer, IdentityFlag, ServiceVisit
from csat.subqueries import subquery_count

from .figures import (
    QUEUE_FIGURES_SECONDS,
    agent_activity,
    callback_dashboard,
    day_bounds,
    queue_figures,
    queue_figures_forget,
    store_figures,
)
from .grades import (
    CRITERIA_LABELS,
    OBSERVED_FACTS,
    QUALITY_WINDOW,
    criteria_labels,
    grade_facts,
    grade_suggestion,
)

__all__ = [
    "CALL_BACK_LEAD",
    "CRITERIA_LABELS",
    "OBSERVED_FACTS",
    "QUALITY_WINDOW",
    "QUEUE_FIGURES_SECONDS",
    "QUEUE_ROW_COLUMNS",
    "agent_activity",
    "callback_dashboard",
    "callback_task_detail",
    "callback_task_list",
    "criteria_labels",
    "customer_panel",
    "day_bounds",
    "grade_facts",
    "grade_suggestion",
    "queue_figures",
    "queue_figures_forget",
    "reason_code_list",
    "store_figures",
    "survey_answers",
    "survey_list",
    "survey_ratings",
    "QUEUE_SORTS",
    "work_queue",
    "work_queue_ids",
    "work_queue_page",
    "work_queue_rows",
]

# A call-back-later task shows in the queue this long before the agreed time.
CALL_BACK_LEAD = dt.timedelta(minutes=15)


def callback_task_list(*, user: Any) -> QuerySet[CallbackTask]:
    last_attempt = CallAttempt.objects.filter(task=OuterRef("pk")).order_by("-at", "-id")
    return access.scope_to_user(
        CallbackTask.objects.select_related(
            "store", "customer", "vehicle", "claimed_by", "assigned_to"
        ).annotate(
            attempt_count=subquery_count(CallAttempt.objects.filter(task=OuterRef("pk"))),
            # The survey's id only (a list shows whether there is one; its answers are wide rows).
            survey_pk=Subquery(Survey.objects.filter(callback=OuterRef("pk")).values("pk")[:1]),
            last_attempt_at=Subquery(last_attempt.values("at")[:1]),
            last_outcome=Subquery(last_attempt.values("outcome")[:1]),
        ),
        user,
    )


# A failed call: the customer did not pick up or the line was busy.
FAILED_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY)


def retry_after() -> dt.timedelta:
    """How long a task waits after a failed call (setting CSAT["RETRY_AFTER_MINUTES"])."""
    return dt.timedelta(minutes=int(settings.CSAT.get("RETRY_AFTER_MINUTES", 120)))


def next_try_at(last_failed_at: dt.datetime) -> dt.datetime:
    return last_failed_at + retry_after()


def task_next_try_at(task: CallbackTask, now: dt.datetime | None = None) -> dt.datetime | None:
    """When an open task may be called again after its last failed call (shown on the call page);
    None when it is not waiting: no failed call within the retry interval, or a booked call-back.
    Reads the task's attempts as loaded (``callback_task_detail`` prefetches them)."""
    if not task.is_open or task.callback_later_at is not None:
        return None
    now = now or timezone.now()
    failed = [a.at for a in task.attempts.all() if a.outcome in FAILED_OUTCOMES]
    if not failed:
        return None
    at = next_try_at(max(failed))
    return at if at > now else None


def _tried_recently(now: dt.datetime) -> QuerySet[CallAttempt]:
    """A failed attempt on the task within the retry interval: the task waits ("next try after")."""
    return CallAttempt.objects.filter(
        task=OuterRef("pk"), outcome__in=FAILED_OUTCOMES, at__gt=now - retry_after()
    )


def work_queue(
    *,
    user: Any,
    now: dt.datetime | None = None,
    store: int | None = None,
    type: str | None = None,
    agent: int | None = None,
    due: str | None = None,
    search: str | None = None,
) -> QuerySet[CallbackTask]:
    """What to call now: call-back-later times arriving, overdue, due today — in that order.

    ``agent`` keeps the tasks that agent holds or that were assigned to them. ``due`` keeps one part
    (the home page's numbers link to them): "today", "overdue", or "booked" — every booked call-back,
    also the later ones. ``search`` keeps the tasks of the customers the header search box would find
    (name, mobile whole / start / tail, plate with or without the province character, VIN tail:
    ``csat.selectors.customer_match_q``, one matcher for the whole site).
    """
    now = now or timezone.now()
    today, tomorrow = day_bounds(now)
    arriving = now + CALL_BACK_LEAD
    # An anti-join on the few do-not-contact customers (a partial index), not a join of every open
    # task to its customer: the join cost most of the head-office queue's time.
    do_not_contact = Customer.objects.filter(pk=OuterRef("customer_id"), do_not_contact=True)
    # The bare tasks (not callback_task_list's joins and per-row subqueries): the page orders ids
    # first, then reads the shown rows with everything they display (work_queue_page).
    qs = access.scope_to_user(CallbackTask.objects.all(), user).filter(
        ~Exists(do_not_contact), status__in=OPEN_STATUSES, expires_at__gt=now
    )
    if due != "booked":  # a booked call-back keeps its agreed time
        qs = qs.exclude(Exists(_tried_recently(now)))
    if due == "booked":
        qs = qs.filter(callback_later_at__isnull=False)
    elif due == "overdue":
        qs = qs.filter(callback_later_at__isnull=True, due_at__lt=today)
    elif due == "today":
        qs = qs.filter(callback_later_at__isnull=True, due_at__gte=today, due_at__lt=tomorrow)
    else:
        qs = qs.filter(
            Q(callback_later_at__isnull=False, callback_later_at__lte=arriving)
            | Q(callback_later_at__isnull=True, due_at__lt=tomorrow)
        )
    if store:
        qs = qs.filter(store_id=store)
    if type:
        qs = qs.filter(type=type)
    if agent:
        qs = qs.filter(Q(claimed_by_id=agent) | Q(assigned_to_id=agent))
    if search and (match := csat_selectors.customer_match_q(user=user, query=search)) is not None:
        qs = qs.filter(match)
    return qs.annotate(
        bucket=Case(
            When(callback_later_at__isnull=False, then=Value(0)),
            When(due_at__lt=today, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        sort_at=Coalesce("callback_later_at", "due_at"),
    ).order_by("bucket", "sort_at", "id")


# What a queue row shows (callbacks/partials/_queue.html), not every column of five tables.
_PERSON = ("username", "first_name", "last_name")
QUEUE_ROW_COLUMNS = (
    "id", "store_id", "type", "status", "due_at", "expires_at", "callback_later_at",
    "customer__name", "customer__mobile", "customer__identity_flags", "vehicle__plate", "vehicle__model",
    *(f"{who}__{field}" for who in ("claimed_by", "assigned_to") for field in _PERSON),
)  # fmt: skip


# The queue's sortable columns (issue #22): each ends in the queue's own order, then the id.
QUEUE_SORTS: dict[str, tuple[str, ...]] = {
    "due": ("due_at",),
    "customer": ("customer__name",),
    "type": ("type",),
    "attempts": ("attempt_count",),
}
_QUEUE_ORDER = ("bucket", "sort_at")


def work_queue_ids(
    *, user: Any, now: dt.datetime | None = None, sort: str = "", **filters: Any
) -> QuerySet[Any]:
    """The work queue's (id, bucket) pairs in the queue's order, or sorted by a column of
    ``QUEUE_SORTS`` ("-" first: descending): what the page paginates before it reads the rows
    (``work_queue_rows``). Only a sort by customer joins the customer; by attempts counts them per
    open task in the same query."""
    qs = work_queue(user=user, now=now, **filters)
    key = sort.lstrip("-")
    order: list[Any] = []
    if key in QUEUE_SORTS:
        if key == "attempts":
            qs = qs.annotate(attempt_count=subquery_count(CallAttempt.objects.filter(task=OuterRef("pk"))))
        descending = sort.startswith("-")
        order = [F(name).desc() if descending else F(name).asc() for name in QUEUE_SORTS[key]]
    return qs.order_by(*order, *_QUEUE_ORDER, "id").values_list("id", "bucket")


def work_queue_rows(*, user: Any, order: list[tuple[int, int]]) -> list[CallbackTask]:
    """The shown rows of a page of ``work_queue_ids``, in that order, with their customer, vehicle
    and attempts: one query by primary key."""
    rows = (
        callback_task_list(user=user)
        .select_related(None)
        .select_related("customer", "vehicle", "claimed_by", "assigned_to")
        .only(*QUEUE_ROW_COLUMNS)
        .in_bulk([pk for pk, _bucket in order])
    )
    shown = []
    for pk, bucket in order:
        if pk in rows:
            row = rows[pk]
            row.bucket = bucket  # type: ignore[attr-defined]  # the row's badge: call back / overdue / today
            row.last_outcome_label = Outcome(row.last_outcome).label if row.last_outcome else ""  # type: ignore[attr-defined]
            shown.append(row)
    return shown


def work_queue_page(
    *, user: Any, limit: int, now: dt.datetime | None = None, sort: str = "", **filters: Any
) -> list[CallbackTask]:
    """The first ``limit`` tasks of the work queue with everything the page shows.

    Two queries: the queue's order over the ids alone (the open-task filter, no joins but the
    customer's do-not-contact flag), then the shown rows with their customer, vehicle and attempts.
    Joining and annotating every open task of the group before the sort cost seconds at scale.
    """
    order = list(work_queue_ids(user=user, now=now, sort=sort, **filters)[:limit])
    return work_queue_rows(user=user, order=order)


def callback_task_detail(*, user: Any, pk: int) -> CallbackTask:
    return (
        callback_task_list(user=user)
        .select_related("survey", "sale__consultant", "visit__service_advisor", "visit__technician")
        .prefetch_related(
            Prefetch("attempts", queryset=CallAttempt.objects.select_related("by").order_by("at", "id")),
            Prefetch("events", queryset=CallbackEvent.objects.select_related("actor")),
        )
        .get(pk=pk)
    )


def survey_list(*, user: Any) -> QuerySet[Survey]:
    return access.scope_to_user(
        Survey.objects.select_related(
            "store", "customer", "vehicle", "surveyed_by", "complaint__department", "callback"
        ).prefetch_related("reason_codes"),
        user,
    )


def reason_code_list(*, active_only: bool = True) -> QuerySet[ReasonCode]:
    qs = ReasonCode.objects.all()
    return qs.filter(active=True) if active_only else qs


def customer_panel(*, customer: Customer, user: Any = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The card beside the survey form: vehicles, recent visits and sales, earlier surveys and their
    grades, open complaints (every department's are listed; ``openable_tickets``, those ``user`` may
    open, are links: a department manager's others are 404 to them), and the identity (F) guidance."""
    now = now or timezone.now()
    card = csat_selectors.customer_card(customer=customer, recent=5)
    card["surveys"] = list(
        customer.surveys.select_related("surveyed_by", "complaint").order_by("-surveyed_at")[:5]
    )
    open_complaints = list(
        Complaint.objects.filter(customer=customer).exclude(status=Status.CLOSED).order_by("-received_at")[:5]
    )
    card["open_complaints"] = open_complaints
    card["openable_tickets"] = (
        openable_ticket_ids(user, [c.pk for c in open_complaints])
        if user is not None and open_complaints
        else set()
    )
    visits: list[ServiceVisit] = card["service_visits"]  # type: ignore[assignment]
    card["quality_repairs_30d"] = sum(
        1 for v in visits if v.quality_related and v.opened_at >= now - QUALITY_WINDOW
    )
    card["guidance"] = [
        {"label": IdentityFlag(flag).label, "text": grading.IDENTITY_GUIDANCE[flag]}
        for flag in customer.identity_flags
        if flag in grading.IDENTITY_GUIDANCE
    ]
    return card


def survey_answers(survey: Survey) -> list[dict[str, Any]]:
    """The item answers with their labels, in the order the form asks them."""
    rows = []
    for item in items_for(survey.type):
        value = survey.items.get(item.key)
        if value in (None, ""):
            continue
        labels = dict(item.choices)
        rows.append(
            {"group": item.group, "label": item.label, "answer": labels.get(value, value), "value": value}
        )
    return rows


def survey_ratings(survey: Survey) -> list[dict[str, Any]]:
    """The five dimensions' ratings with their labels and levels in the page's language."""
    zh = (get_language() or "zh-hans").startswith("zh")
    levels = {lvl.key: lvl.zh if zh else lvl.en for lvl in scoring.RATING_LEVELS}
    return [
        {
            "label": scoring.DIMENSION_LABELS[dim][0 if zh else 1],
            "rating": survey.ratings[dim],
            "level": levels[scoring.rating_level(survey.ratings[dim])],
        }
        for dim in scoring.DIMENSIONS
        if survey.ratings.get(dim) is not None
    ]
