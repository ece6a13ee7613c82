"""The callback figures: today's work and the month's against the 50 % / 60 % rules and the target,
for the dashboard and (cached a minute) the work queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, IntegerField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from callbacks.models import (
    OPEN_STATUSES,
    CallAttempt,
    CallbackTask,
    CloseReason,
    Outcome,
    Survey,
    SurveyType,
)
from csat import access
from csat.business_time import business_tz, month_bounds
from csat.caching import cached, forget
from csat.domain import classification, scoring

__all__ = [
    "QUEUE_FIGURES_SECONDS",
    "agent_activity",
    "callback_dashboard",
    "day_bounds",
    "my_day_figures",
    "queue_figures",
    "queue_figures_forget",
    "store_figures",
]


# DOMAIN §9 "Report scope": the surveys whose 100-point score makes the monthly satisfaction.
HUNDRED_POINT_TYPES = (SurveyType.SALES, SurveyType.AFTER_SALES)


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    day = timezone.localdate(now)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=business_tz())
    return start, start + dt.timedelta(days=1)


def _still_due_today(today: dt.datetime, tomorrow: dt.datetime) -> Q:
    """Today's due tasks not yet done: the "今日到期" the agent's home tile and queue show (a task
    surveyed this morning is no longer due)."""
    return Q(due_at__gte=today, due_at__lt=tomorrow, status__in=OPEN_STATUSES)


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
            due_today=Count("id", filter=_still_due_today(today, tomorrow)),
        )
    )
    # DOMAIN §9 "Report scope": the average against 90 is of the 100-point surveys only; the
    # five-dimension survey's figure is beside it, never averaged in.
    hundred = Q(type__in=HUNDRED_POINT_TYPES)
    average = (
        surveys.filter(surveyed_at__gte=month_start, surveyed_at__lt=month_end, score_used__isnull=False)
        .annotate(**RATING_ANNOTATIONS)
        .aggregate(
            avg=Avg("score_used", filter=hundred),
            n=Count("id", filter=hundred),
            **five_dimension_aggregates("five", Q()),
        )
    )
    five, five_n = five_dimension_from_row(average, "five")
    return {
        **month,
        "average": average["avg"],
        "rated": average["n"],
        "five_dimension_average": five,
        "five_dimension_rated": five_n,
    }


# The five 10-point ratings as integers, for aggregating a queryset annotated with them.
RATING_ANNOTATIONS = {
    f"r_{d}": Cast(KeyTextTransform(d, "ratings"), IntegerField()) for d in scoring.DIMENSIONS
}


def five_dimension_aggregates(prefix: str, where: Q) -> dict[str, Any]:
    """Aggregates (over a queryset annotated with ``RATING_ANNOTATIONS``) for the five-dimension
    figure of the surveys matching ``where``; read back with :func:`five_dimension_from_row`."""
    five = Q(type=SurveyType.FIVE_DIMENSION, score_used__isnull=False) & where
    return {
        f"{prefix}_n": Count("pk", filter=five),
        **{f"{prefix}_{d}": Avg(f"r_{d}", filter=five) for d in scoring.DIMENSIONS},
    }


def five_dimension_from_row(row: dict[str, Any], prefix: str) -> tuple[float | None, int]:
    """The five-dimension survey's overall satisfaction on the 100 scale, the source's way (DOMAIN
    §2): each dimension's mean rating × 10, then the mean of the five; and how many surveys rated.
    The report's dimension table computes the same figure from its rating counts."""
    scores = [row[f"{prefix}_{d}"] * 10 for d in scoring.DIMENSIONS if row[f"{prefix}_{d}"] is not None]
    return (scoring.overall_score(scores) if scores else None), row[f"{prefix}_n"]


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
        "five_dimension_average": month.get("five_dimension_average"),
        "five_dimension_rated": month.get("five_dimension_rated", 0),
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


def store_figures(*, user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per store the user sees, the month's figures against the 50 % / 60 % rules and the target
    (the head office's comparison of its stores); three queries however many stores."""
    now = now or timezone.now()
    month_start, month_end = month_bounds(timezone.localdate(now))
    today, tomorrow = day_bounds(now)
    tasks = (
        access.scope_to_user(CallbackTask.objects.all(), user)
        .filter(due_at__gte=month_start, due_at__lt=month_end)
        .exclude(close_reason=CloseReason.DO_NOT_CONTACT)
        .values("store_id")
        .annotate(
            required=Count("id"),
            reached=Count("id", filter=Q(reached_at__isnull=False)),
            surveyed=Count("id", filter=Q(survey__score_used__isnull=False)),
            due_today=Count("id", filter=_still_due_today(today, tomorrow)),
        )
        .order_by()
    )
    averages = {
        row["store_id"]: row
        for row in access.scope_to_user(Survey.objects.all(), user)
        .filter(surveyed_at__gte=month_start, surveyed_at__lt=month_end, score_used__isnull=False)
        .values("store_id")
        .annotate(
            average=Avg("score_used", filter=Q(type__in=HUNDRED_POINT_TYPES)),
            rated=Count("id", filter=Q(type__in=HUNDRED_POINT_TYPES)),
        )
        .order_by()
    }
    counted = {row["store_id"]: row for row in tasks}
    nothing = {"required": 0, "reached": 0, "surveyed": 0, "due_today": 0}
    rows = []
    for store in access.visible_stores(user).order_by("name"):  # a store with nothing due shows too
        scores = averages.get(store.pk, {"average": None, "rated": 0})
        month = {**counted.get(store.pk, nothing), "average": scores["average"], "rated": scores["rated"]}
        rows.append({"store": store.name, **_figures(month, {"calls": 0, "surveys": 0}, now=now)})
    return rows


def agent_activity(
    *, user: Any, now: dt.datetime | None = None, store: int | None = None
) -> list[dict[str, Any]]:
    """Per person who called or surveyed this month in the user's stores (or ``store``): today's
    calls and surveys, the month's calls, the customers reached, the surveys and their average on
    the 100-point surveys; the busiest first. Two queries."""
    now = now or timezone.now()
    month_start, month_end = month_bounds(timezone.localdate(now))
    today, tomorrow = day_bounds(now)
    attempts = access.scope_to_user(CallAttempt.objects.all(), user, store_field="task__store").filter(
        at__gte=month_start, at__lt=month_end, by__isnull=False
    )
    surveys = access.scope_to_user(Survey.objects.all(), user).filter(
        surveyed_at__gte=month_start, surveyed_at__lt=month_end, surveyed_by__isnull=False
    )
    if store:
        attempts, surveys = attempts.filter(task__store_id=store), surveys.filter(store_id=store)
    people: dict[int, dict[str, Any]] = {}

    def person(pk: int, first: str, last: str, username: str) -> dict[str, Any]:
        return people.setdefault(
            pk,
            {
                "name": f"{last}{first}" or username,
                "today_calls": 0,
                "calls": 0,
                "reached": 0,
                "today_surveys": 0,
                "surveys": 0,
                "average": None,
                "rated": 0,
            },
        )

    for row in (
        attempts.values("by_id", "by__first_name", "by__last_name", "by__username")
        .annotate(
            calls=Count("id"),
            today_calls=Count("id", filter=Q(at__gte=today, at__lt=tomorrow)),
            reached=Count("task", filter=Q(outcome=Outcome.REACHED), distinct=True),
        )
        .order_by()
    ):
        entry = person(row["by_id"], row["by__first_name"], row["by__last_name"], row["by__username"])
        entry.update(calls=row["calls"], today_calls=row["today_calls"], reached=row["reached"])
    hundred = Q(type__in=HUNDRED_POINT_TYPES, score_used__isnull=False)
    for done in (
        surveys.values(
            "surveyed_by_id", "surveyed_by__first_name", "surveyed_by__last_name", "surveyed_by__username"
        )
        .annotate(
            surveys=Count("id"),
            today_surveys=Count("id", filter=Q(surveyed_at__gte=today, surveyed_at__lt=tomorrow)),
            average=Avg("score_used", filter=hundred),
            rated=Count("id", filter=hundred),
        )
        .order_by()
    ):
        entry = person(
            done["surveyed_by_id"],
            done["surveyed_by__first_name"],
            done["surveyed_by__last_name"],
            done["surveyed_by__username"],
        )
        entry.update(
            surveys=done["surveys"],
            today_surveys=done["today_surveys"],
            average=done["average"],
            rated=done["rated"],
        )
    return sorted(people.values(), key=lambda e: (-e["calls"], -e["surveys"], e["name"]))


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


def my_day_figures(*, agent: Any, now: dt.datetime | None = None) -> dict[str, int]:
    """The agent's calls and surveys today (the agent's home), cached like the work queue's."""
    now = now or timezone.now()
    return cached(_my_day_key(agent.pk, now), QUEUE_FIGURES_SECONDS, lambda: _my_day(agent, now))  # type: ignore[no-any-return]


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
