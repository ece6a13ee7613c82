"""Survey statistics (DOMAIN §1, §4, §7): callbacks required / reached / surveyed with the validity
checks, and satisfaction this month vs last month vs target, by type, store, department, channel,
vehicle model, agent and consultant/advisor. Each figure is one aggregate query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.conf import settings
from django.db.models import Avg, Case, CharField, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from callbacks.models import LINK_CHANNELS, CallbackTask, Channel, CloseReason, Survey, SurveyType
from callbacks.selectors.figures import (
    HUNDRED_POINT_TYPES,
    RATING_ANNOTATIONS,
    five_dimension_aggregates,
    five_dimension_from_row,
)
from csat.domain import classification
from csat.models import DepartmentKind
from surveylinks.selectors import link_figures

from .period import month_bounds, previous_month, scoped

__all__ = [
    "HUNDRED_POINT_TYPES",
    "person_name",
    "satisfaction",
    "satisfaction_breakdowns",
    "survey_counts",
    "channel_counts",
    "target",
    "month_surveys",
]


def target() -> float:
    return cast(float, settings.CSAT["SATISFACTION_TARGET"])


def person_name(first: str | None, last: str | None, username: str | None) -> str:
    return " ".join(p for p in (first, last) if p) or (username or "")


def month_surveys(month: dt.date, store_ids: Sequence[int] | None) -> QuerySet[Survey]:
    """The surveys taken in the month (by ``surveyed_at``) in the report's stores."""
    start, end = month_bounds(month)
    return scoped(Survey.objects.filter(surveyed_at__gte=start, surveyed_at__lt=end), store_ids)


def survey_counts(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Required = callback tasks due in the month (a do-not-contact customer is not required);
    reached = of those, the customer was reached; surveyed = of those, a survey produced a score."""
    start, end = month_bounds(month)
    row = (
        scoped(CallbackTask.objects.filter(due_at__gte=start, due_at__lt=end), store_ids)
        .exclude(close_reason=CloseReason.DO_NOT_CONTACT)
        .aggregate(
            required=Count("pk"),
            reached=Count("pk", filter=Q(reached_at__isnull=False)),
            surveyed=Count("pk", filter=Q(survey__score_used__isnull=False)),
        )
    )
    cfg: dict[str, Any] = settings.CSAT
    check = classification.validity(
        row["required"],
        row["reached"],
        row["surveyed"],
        reach_min=cfg["REACH_RATE_MIN"],
        survey_min=cfg["SURVEY_RATE_MIN"],
    )
    return {
        **row,
        "reach_rate": check.reach_rate,
        "survey_rate": check.survey_rate,
        "reach_min": cfg["REACH_RATE_MIN"],
        "survey_min": cfg["SURVEY_RATE_MIN"],
        "reach_ok": check.reach_ok,
        "survey_ok": check.survey_ok,
        "valid": check.valid,
    }


def channel_counts(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Reach and completion by channel (issue #24): the month's required tasks reached and surveyed by
    phone (an agent) vs by the customer's own link, and the links' open and answer rates. The
    validity figures (``survey_counts``) count every channel together."""
    start, end = month_bounds(month)
    by_link = Q(survey__channel__in=LINK_CHANNELS)
    rated = Q(survey__score_used__isnull=False)
    row = (
        scoped(CallbackTask.objects.filter(due_at__gte=start, due_at__lt=end), store_ids)
        .exclude(close_reason=CloseReason.DO_NOT_CONTACT)
        .aggregate(
            reached_link=Count("pk", filter=Q(reached_at__isnull=False) & by_link),
            reached_all=Count("pk", filter=Q(reached_at__isnull=False)),
            surveyed_link=Count("pk", filter=rated & by_link),
            surveyed_all=Count("pk", filter=rated),
        )
    )
    links = link_figures(store_ids=list(store_ids) if store_ids is not None else None, start=start, end=end)
    return {
        "phone": {
            "reached": row["reached_all"] - row["reached_link"],
            "surveyed": row["surveyed_all"] - row["surveyed_link"],
        },
        "link": {"reached": row["reached_link"], "surveyed": row["surveyed_link"]},
        "links": links,
    }


def satisfaction(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Mean of the month's 100-point scores (sales and after-sales surveys); surveys without a score
    are left out of the base (DOMAIN §1). The five-dimension survey is beside it (DOMAIN §9)."""
    start, end = month_bounds(month)
    prev_start, _prev_end = month_bounds(previous_month(month))
    this_month = Q(surveyed_at__gte=start)
    last_month = Q(surveyed_at__lt=start)
    hundred = Q(type__in=HUNDRED_POINT_TYPES)
    row = (
        scoped(Survey.objects.filter(surveyed_at__gte=prev_start, surveyed_at__lt=end), store_ids)
        .annotate(**RATING_ANNOTATIONS)
        .aggregate(
            current=Avg("score_used", filter=this_month & hundred),
            previous=Avg("score_used", filter=last_month & hundred),
            surveys=Count("pk", filter=this_month & hundred),
            rated=Count("score_used", filter=this_month & hundred),
            previous_rated=Count("score_used", filter=last_month & hundred),
            **five_dimension_aggregates("five", this_month),
            five_not_rated=Count(
                "pk", filter=this_month & Q(type=SurveyType.FIVE_DIMENSION, score_used__isnull=True)
            ),
            **five_dimension_aggregates("five_prev", last_month),
        )
    )
    five_current, five_rated = five_dimension_from_row(row, "five")
    five_previous, _n = five_dimension_from_row(row, "five_prev")
    goal = target()
    current, previous = row["current"], row["previous"]
    return {
        "current": current,
        "previous": previous,
        "change": current - previous if current is not None and previous is not None else None,
        "target": goal,
        "short": current is not None and current < goal,
        "surveys": row["surveys"],
        "rated": row["rated"],
        "not_rated": row["surveys"] - row["rated"],
        "previous_rated": row["previous_rated"],
        # Beside it, never in it: the five-dimension survey on its 100-point scale (mean × 10).
        "five_dimension": {
            "current": five_current,
            "previous": five_previous,
            "rated": five_rated,
            # Its own unrated surveys: with the 100-point ones above, the month's non-raters
            # whose reasons the report lists (DOMAIN §1).
            "not_rated": row["five_not_rated"],
        },
    }


def _rate(key: Any, label: str, row: Mapping[str, Any], goal: float) -> dict[str, Any]:
    average = row["average"]
    return {
        "key": "" if key is None else str(key),
        "label": label,
        "surveys": row["surveys"],
        "rated": row["rated"],
        "not_rated": row["surveys"] - row["rated"],
        "average": average,
        "short": average is not None and average < goal,
    }


_RATES = {"surveys": Count("pk"), "rated": Count("score_used"), "average": Avg("score_used")}

# The department answering for a survey: the consultant's / advisor's own department, else the
# department the survey type belongs to (sales → sales, after-sales and five-dimension → service).
_DEPARTMENT_KIND = Coalesce(
    "callback__sale__consultant__profile__department__kind",
    "callback__visit__service_advisor__profile__department__kind",
    Case(
        When(type=SurveyType.SALES, then=Value(DepartmentKind.SALES.value)),
        default=Value(DepartmentKind.SERVICE.value),
    ),
    output_field=CharField(),
)
_MODEL = Coalesce("vehicle__model", "callback__vehicle__model", Value(""), output_field=CharField())


def _choice_label(choices: Any, key: str) -> str:
    return str(choices(key).label) if key in choices.values else key


def _by_type(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = {r["type"]: r for r in qs.values("type").annotate(**_RATES).order_by()}
    return [_rate(k, _choice_label(SurveyType, k), rows[k], goal) for k in SurveyType.values if k in rows]


def _by_channel(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = {r["channel"]: r for r in qs.values("channel").annotate(**_RATES).order_by()}
    return [_rate(k, _choice_label(Channel, k), rows[k], goal) for k in Channel.values if k in rows]


def _by_department(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = {
        r["kind"]: r for r in qs.annotate(kind=_DEPARTMENT_KIND).values("kind").annotate(**_RATES).order_by()
    }
    return [
        _rate(k, _choice_label(DepartmentKind, k), rows[k], goal) for k in DepartmentKind.values if k in rows
    ]


def _by_store(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = qs.values("store_id", "store__code", "store__name").annotate(**_RATES).order_by("store__code")
    return [_rate(r["store_id"], f"{r['store__name']} ({r['store__code']})", r, goal) for r in rows]


def _by_model(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = qs.annotate(model=_MODEL).values("model").annotate(**_RATES).order_by(F("rated").desc(), "model")
    return [_rate(r["model"], r["model"] or _("未登记车型"), r, goal) for r in rows]


def _by_agent(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    rows = (
        qs.values(
            "surveyed_by_id", "surveyed_by__first_name", "surveyed_by__last_name", "surveyed_by__username"
        )
        .annotate(**_RATES)
        .order_by(F("rated").desc(), "surveyed_by_id")
    )
    return [
        _rate(
            r["surveyed_by_id"],
            person_name(
                r["surveyed_by__first_name"], r["surveyed_by__last_name"], r["surveyed_by__username"]
            ),
            r,
            goal,
        )
        for r in rows
    ]


def _by_staff(qs: QuerySet[Survey], goal: float) -> list[dict[str, Any]]:
    """Per sales consultant (sales callbacks) and service advisor (after-sales callbacks)."""
    sale, visit = "callback__sale__consultant", "callback__visit__service_advisor"
    rows = (
        qs.annotate(
            staff=Coalesce(sale, visit, output_field=IntegerField()),
            staff_first=Coalesce(f"{sale}__first_name", f"{visit}__first_name", output_field=CharField()),
            staff_last=Coalesce(f"{sale}__last_name", f"{visit}__last_name", output_field=CharField()),
            staff_username=Coalesce(f"{sale}__username", f"{visit}__username", output_field=CharField()),
            staff_role=Case(
                When(**{f"{sale}__isnull": False}, then=Value("consultant")),
                default=Value("advisor"),
                output_field=CharField(),
            ),
        )
        .filter(staff__isnull=False)
        .values("staff", "staff_first", "staff_last", "staff_username", "staff_role")
        .annotate(**_RATES)
        .order_by(F("rated").desc(), "staff")
    )
    roles = {"consultant": _("销售顾问"), "advisor": _("服务顾问")}
    result = []
    for r in rows:
        row = _rate(r["staff"], person_name(r["staff_first"], r["staff_last"], r["staff_username"]), r, goal)
        row["role"] = str(roles[r["staff_role"]])
        result.append(row)
    return result


BREAKDOWNS = ("type", "store", "department", "channel", "model", "agent", "staff")


def breakdown_titles() -> dict[str, str]:
    return {
        "type": _("按调查类型"),
        "store": _("按门店"),
        "department": _("按部门"),
        "channel": _("按调查方式"),
        "model": _("按车型"),
        "agent": _("按回访专员"),
        "staff": _("按销售顾问/服务顾问"),
    }


def satisfaction_breakdowns(
    *, month: dt.date, store_ids: Sequence[int] | None
) -> dict[str, list[dict[str, Any]]]:
    """The month's satisfaction per group; one grouped query per breakdown. By type the
    five-dimension survey has its own row; every other breakdown is of the 100-point surveys only."""
    every, goal = month_surveys(month, store_ids), target()
    qs = every.filter(type__in=HUNDRED_POINT_TYPES)
    return {
        "type": _by_type(every, goal),
        "store": _by_store(qs, goal),
        "department": _by_department(qs, goal),
        "channel": _by_channel(qs, goal),
        "model": _by_model(qs, goal),
        "agent": _by_agent(qs, goal),
        "staff": _by_staff(qs, goal),
    }
