"""Reads of the callback work, always scoped to the user's stores; every list is one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
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
from django.utils.translation import gettext_lazy as _

from callbacks.models import (
    OPEN_STATUSES,
    CallAttempt,
    CallbackEvent,
    CallbackTask,
    CloseReason,
    ReasonCode,
    Survey,
    SurveyType,
)
from callbacks.survey_items import items_for
from complaints.models import Complaint, Status
from csat import access
from csat import selectors as csat_selectors
from csat.business_time import business_tz, month_bounds
from csat.caching import cached, forget
from csat.domain import classification, grading, scoring
from csat.models import Customer, IdentityFlag, ServiceVisit
from csat.subqueries import subquery_count

# A call-back-later task shows in the queue this long before the agreed time.
CALL_BACK_LEAD = dt.timedelta(minutes=15)
QUALITY_WINDOW = dt.timedelta(days=30)

# Facts only the agent can observe on the call; each feeds csat.domain.grading.GradeFacts.
OBSERVED_FACTS: dict[str, Any] = {
    "threatens_exposure": _("态度特别生硬，安抚无效，扬言向网络/媒体/电视曝光"),
    "major_quality_issue": _("重大质量问题或核心部件质量问题"),
    "prices_not_transparent": _("工时费、备件或维修价格不透明"),
    "names_reasons": _("客户说出了不满意的具体原因"),
}
CRITERIA_LABELS: dict[str, Any] = {
    "score100": _("按百分制分数"),
    "ratings_mean": _("按五维度平均分"),
    "no_data": _("无评分，默认一般"),
    "injury_or_major_loss": _("重大财产损失或人身伤亡"),
    "threatens_exposure_hostile": OBSERVED_FACTS["threatens_exposure"],
    "major_quality_issue": OBSERVED_FACTS["major_quality_issue"],
    "quality_repairs_30d": _("1 个月内因质量问题进站维修 2 次及以上"),
    "low_mileage_during_complaint": _("投诉期间月行驶里程 300–500 公里"),
    "days_open_unsolved": _("问题超过 20 天未妥善解决"),
    "parts_backorder": _("备件缺件，供应周期超过 3 天"),
    "skill_delay": _("因维修技术原因解决周期超过一周"),
    "prices_not_transparent": OBSERVED_FACTS["prices_not_transparent"],
    "names_reasons": OBSERVED_FACTS["names_reasons"],
}


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate(now)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=business_tz())
    return start, start + dt.timedelta(days=1)


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


def work_queue(
    *,
    user: Any,
    now: dt.datetime | None = None,
    store: int | None = None,
    type: str | None = None,
    agent: int | None = None,
) -> QuerySet[CallbackTask]:
    """What to call now: call-back-later times arriving, overdue, due today — in that order.

    ``agent`` keeps the tasks that agent holds or that were assigned to them.
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


def work_queue_page(
    *, user: Any, limit: int, now: dt.datetime | None = None, **filters: Any
) -> list[CallbackTask]:
    """The first ``limit`` tasks of the work queue with everything the page shows.

    Two queries: the queue's order over the ids alone (the open-task filter, no joins but the
    customer's do-not-contact flag), then the shown rows with their customer, vehicle and attempts.
    Joining and annotating every open task of the group before the sort cost seconds at scale.
    """
    order = list(work_queue(user=user, now=now, **filters).values_list("id", "bucket")[:limit])
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
            rows[pk].bucket = bucket  # type: ignore[attr-defined]  # the row's badge: call back / overdue / today
            shown.append(rows[pk])
    return shown


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


def customer_panel(*, customer: Customer, now: dt.datetime | None = None) -> dict[str, Any]:
    """The card beside the survey form: vehicles, recent visits and sales, earlier surveys and their
    grades, open complaints, and the identity (F) guidance."""
    now = now or timezone.now()
    card = csat_selectors.customer_card(customer=customer, recent=5)
    card["surveys"] = list(
        customer.surveys.select_related("surveyed_by", "complaint").order_by("-surveyed_at")[:5]
    )
    card["open_complaints"] = list(
        Complaint.objects.filter(customer=customer).exclude(status=Status.CLOSED).order_by("-received_at")[:5]
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


def grade_facts(
    *,
    customer: Customer,
    survey_type: str,
    visit: ServiceVisit | None = None,
    now: dt.datetime | None = None,
    observed: Iterable[str] = (),
) -> dict[str, Any]:
    """The facts the system knows for the grade suggestion (stored with the survey, for audit)."""
    now = now or timezone.now()
    recent = ServiceVisit.objects.filter(customer=customer, opened_at__gte=now - QUALITY_WINDOW).aggregate(
        quality=Count("id", filter=Q(quality_related=True)), backorder=Max("parts_backorder_days")
    )
    facts: dict[str, Any] = {
        "identity": sorted(customer.identity_flags),
        "quality_repairs_30d": recent["quality"] or 0,
    }
    if survey_type != SurveyType.SALES:
        # Back-ordered parts concern the service side, not a car sale.
        facts["parts_backorder_days"] = max(
            recent["backorder"] or 0, visit.parts_backorder_days if visit else 0
        )
    observed = set(observed)
    if "threatens_exposure" in observed:
        facts["threatens_exposure"] = facts["hostile"] = True
    for key in ("major_quality_issue", "prices_not_transparent", "names_reasons"):
        if key in observed:
            facts[key] = True
    return facts


def grade_suggestion(
    *, facts: Mapping[str, Any], score100: int | None = None, ratings: Mapping[str, int] | None = None
) -> tuple[str, list[str]]:
    return grading.suggest_grade(
        grading.GradeFacts(**facts, score100=score100, ratings=dict(ratings) if ratings else None)
    )


def criteria_labels(codes: Iterable[str]) -> list[str]:
    labels = []
    for code in codes:
        if code.startswith("identity:"):
            key = code.split(":", 1)[1]
            labels.append(str(IdentityFlag(key).label) if key in IdentityFlag.values else key)
        elif code.startswith("crisis_type:"):
            labels.append(str(_("危机事件类型 %(t)s") % {"t": code.split(":", 1)[1]}))
        else:
            labels.append(str(CRITERIA_LABELS.get(code, code)))
    return labels


def _month_figures(*, user: Any, now: dt.datetime, store: int | None) -> dict[str, Any]:
    """The month's required / reached / surveyed tasks, today's due, and the month's average."""
    month_start, month_end = month_bounds(timezone.localdate(now))
    today, tomorrow = day_bounds(now)
    tasks = access.scope_to_user(CallbackTask.objects.all(), user)
    surveys = access.scope_to_user(Survey.objects.all(), user)
    if store:
        tasks, surveys = tasks.filter(store_id=store), surveys.filter(store_id=store)
    month = (
        tasks.filter(due_at__gte=month_start, due_at__lt=month_end)
        .exclude(close_reason=CloseReason.DO_NOT_CONTACT)
        .aggregate(
            required=Count("id"),
            reached=Count("id", filter=Q(reached_at__isnull=False)),
            surveyed=Count("id", filter=Q(survey__score_used__isnull=False)),
            due_today=Count("id", filter=Q(due_at__gte=today, due_at__lt=tomorrow)),
        )
    )
    average = surveys.filter(
        surveyed_at__gte=month_start, surveyed_at__lt=month_end, score_used__isnull=False
    ).aggregate(avg=Avg("score_used"), n=Count("id"))
    return {**month, "average": average["avg"], "rated": average["n"]}


def _my_day(agent: Any | None, now: dt.datetime) -> dict[str, int]:
    """The agent's calls and surveys today."""
    if agent is None:
        return {"calls": 0, "surveys": 0}
    today, tomorrow = day_bounds(now)
    return {
        "calls": CallAttempt.objects.filter(by=agent, at__gte=today, at__lt=tomorrow).count(),
        "surveys": Survey.objects.filter(
            surveyed_by=agent, surveyed_at__gte=today, surveyed_at__lt=tomorrow
        ).count(),
    }


def _figures(month: dict[str, Any], mine: dict[str, int], *, now: dt.datetime) -> dict[str, Any]:
    cfg: dict[str, Any] = settings.CSAT
    check = classification.validity(
        month["required"],
        month["reached"],
        month["surveyed"],
        reach_min=cfg["REACH_RATE_MIN"],
        survey_min=cfg["SURVEY_RATE_MIN"],
    )
    target = cfg["SATISFACTION_TARGET"]
    return {
        "month": timezone.localdate(now).strftime("%Y-%m"),
        "today_calls": mine["calls"],
        "today_surveys": mine["surveys"],
        "due_today": month["due_today"],
        "required": month["required"],
        "reached": month["reached"],
        "surveyed": month["surveyed"],
        "reach_rate": check.reach_rate,
        "survey_rate": check.survey_rate,
        "reach_min": cfg["REACH_RATE_MIN"],
        "survey_min": cfg["SURVEY_RATE_MIN"],
        "reach_short": not check.reach_ok,
        "survey_short": not check.survey_ok,
        "average": month["average"],
        "rated": month["rated"],
        "target": target,
        "average_short": month["average"] is not None and month["average"] < target,
    }


def callback_dashboard(
    *, user: Any, now: dt.datetime | None = None, agent: Any | None = None, store: int | None = None
) -> dict[str, Any]:
    """Today's count and the month's figures against the 50 % / 60 % rules and the target of 90.

    Required = the tasks due this month (customers skipped as do-not-contact are not required);
    reached = those where the customer was reached; surveyed = those with a rated survey.
    """
    now = now or timezone.now()
    return _figures(_month_figures(user=user, now=now, store=store), _my_day(agent, now), now=now)


# The work queue refreshes after every call: its figures are kept a minute (the month's per scope,
# the agent's day per agent) and dropped when a call or survey of the store is recorded, so an
# agent sees their own work at once and the others' within the minute.
QUEUE_FIGURES_SECONDS = 60


def _month_figures_key(scope: str, store: int | None, now: dt.datetime) -> str:
    return f"callbacks:month-figures:{scope}:{store or 'any'}:{timezone.localdate(now):%Y-%m-%d}"


def _scope_key(user: Any) -> str:
    if access.sees_all_stores(user):
        return "all"
    profile = access.profile_of(user)
    return f"store{profile.store_id if profile is not None else None}"


def queue_figures(
    *, user: Any, now: dt.datetime | None = None, agent: Any | None = None, store: int | None = None
) -> dict[str, Any]:
    """callback_dashboard for the work queue page, its month figures cached (QUEUE_FIGURES_SECONDS)."""
    now = now or timezone.now()
    key = _month_figures_key(_scope_key(user), store, now)
    month = cached(key, QUEUE_FIGURES_SECONDS, lambda: _month_figures(user=user, now=now, store=store))
    if agent is None:
        return _figures(month, _my_day(None, now), now=now)
    mine = cached(_my_day_key(agent.pk, now), QUEUE_FIGURES_SECONDS, lambda: _my_day(agent, now))
    return _figures(month, mine, now=now)


def _my_day_key(agent_id: int, now: dt.datetime) -> str:
    return f"callbacks:my-day:{agent_id}:{timezone.localdate(now):%Y-%m-%d}"


def queue_figures_forget(*, store_id: int, agent_id: int, now: dt.datetime | None = None) -> None:
    """Drop the cached figures a call or survey changes: the month's that count this store's tasks
    (its own and the group's) and the day of the agent who made it."""
    now = now or timezone.now()
    months = [
        _month_figures_key(scope, store, now)
        for scope in (f"store{store_id}", "all")
        for store in (None, store_id)
    ]
    forget([_my_day_key(agent_id, now), *months])


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
    levels = {lvl.key: lvl.zh for lvl in scoring.RATING_LEVELS}
    return [
        {
            "label": scoring.DIMENSION_LABELS[dim][0],
            "rating": survey.ratings[dim],
            "level": levels[scoring.rating_level(survey.ratings[dim])],
        }
        for dim in scoring.DIMENSIONS
        if survey.ratings.get(dim) is not None
    ]
