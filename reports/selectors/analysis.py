"""Cause analysis of the month's surveys (DOMAIN §2, §4, §7): the five dimensions with their level
distributions and what it takes to reach the target, reason codes ranked, items praised and
lacking, technique issues (mechanical vs body/paint), and the lists that need action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, IntegerField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import get_language

from callbacks.models import Classification, Survey, SurveyType
from callbacks.survey_items import items_for
from csat.domain import scoring

from .period import ROW_CHUNK, format_local, month_bounds, scoped
from .surveys import month_surveys, person_name

__all__ = [
    "POSITIVE",
    "NEGATIVE",
    "TECHNIQUE_ITEMS",
    "bilingual",
    "dimension_stats",
    "dimension_target",
    "feedback_lists",
    "item_stats",
    "reason_ranking",
]

RATINGS = range(1, 11)
POSITIVE = frozenset({"satisfied", "yes", "normal", "on_time"})
AVERAGE = frozenset({"average"})
NEGATIVE = frozenset({"dissatisfied", "no", "problem", "late"})
TECHNIQUE_ITEMS = ("technique_mechanical", "technique_body_paint")


def bilingual(zh: str, en: str) -> str:
    """The domain module's (zh, en) pairs, for the active language."""
    return zh if (get_language() or "zh-hans").startswith("zh") else en


def dimension_target() -> float:
    cfg: dict[str, Any] = settings.CSAT
    return cast(float, cfg.get("DIMENSION_TARGET") or cfg["SATISFACTION_TARGET"])


def dimension_stats(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Per dimension: the rating distribution (counted in SQL from the JSON ratings), its score,
    the level shares, and the points and lifts missing to reach the target."""
    annotations = {f"r_{d}": Cast(KeyTextTransform(d, "ratings"), IntegerField()) for d in scoring.DIMENSIONS}
    aggregates = {
        f"{d}_{v}": Count("pk", filter=Q(**{f"r_{d}": v})) for d in scoring.DIMENSIONS for v in RATINGS
    }
    row = month_surveys(month, store_ids).annotate(**annotations).aggregate(**aggregates)
    goal = dimension_target()
    rows = []
    for dim in scoring.DIMENSIONS:
        counts = {v: row[f"{dim}_{v}"] for v in RATINGS if row[f"{dim}_{v}"]}
        n = sum(counts.values())
        levels = scoring.level_distribution(counts)
        lifts = scoring.lifts_needed(counts, goal) if n else None
        after = scoring.level_distribution(scoring.apply_lifts(counts, lifts)) if lifts else levels
        score = scoring.dimension_score(counts)
        rows.append(
            {
                "key": dim,
                "label": bilingual(*scoring.DIMENSION_LABELS[dim]),
                "counts": {str(v): row[f"{dim}_{v}"] for v in RATINGS},
                "n": n,
                "score": score,
                "short": score is not None and score < goal,
                "levels": [
                    {"key": s.level, "label": bilingual(s.zh, s.en), "count": s.count, "percent": s.percent}
                    for s in levels.values()
                ],
                "points_short": scoring.points_short(counts, goal) if n else None,
                "lifts_needed": lifts,
                "very_satisfied_now": levels["very_satisfied"].percent,
                "very_satisfied_after": after["very_satisfied"].percent,
            }
        )
    scores = [r["score"] for r in rows if r["score"] is not None]
    overall = scoring.overall_score(scores) if scores else None
    return {
        "target": goal,
        "rows": rows,
        "overall": overall,
        "overall_short": overall is not None and overall < goal,
    }


def reason_ranking(*, month: dt.date, store_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Reason codes of low ratings, most frequent first (one grouped query on the M2M table)."""
    start, end = month_bounds(month)
    through = Survey.reason_codes.through
    rows = (
        scoped(
            through.objects.filter(survey__surveyed_at__gte=start, survey__surveyed_at__lt=end),
            store_ids,
            "survey__store_id",
        )
        .values(
            "reasoncode_id",
            "reasoncode__code",
            "reasoncode__dimension",
            "reasoncode__label",
            "reasoncode__label_en",
        )
        .annotate(count=Count("pk"))
        .order_by("-count", "reasoncode__dimension", "reasoncode__code")
    )
    english = not (get_language() or "zh-hans").startswith("zh")
    result = []
    for rank, r in enumerate(rows, start=1):
        dim = r["reasoncode__dimension"]
        result.append(
            {
                "rank": rank,
                "code": r["reasoncode__code"],
                "dimension": dim,
                "dimension_label": bilingual(*scoring.DIMENSION_LABELS[dim])
                if dim in scoring.DIMENSIONS
                else dim,
                "label": (r["reasoncode__label_en"] if english else "") or r["reasoncode__label"],
                "count": r["count"],
            }
        )
    return result


def item_stats(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Answers per survey item (sales and after-sales), counted in one pass over the month's surveys.

    Praised = the item's positive answers; lacking = "average" plus the negative answers.
    Technique (mechanical vs body/paint) is the after-sales technique items' share of the same counts.
    """
    aggregates: dict[str, Any] = {}
    keys: list[tuple[str, Any, str, str]] = []
    for survey_type in (SurveyType.SALES.value, SurveyType.AFTER_SALES.value):
        for item in items_for(survey_type):
            for value in item.values:
                alias = f"i{len(keys)}"
                keys.append((alias, item, survey_type, value))
                aggregates[alias] = Count("pk", filter=Q(type=survey_type, **{f"items__{item.key}": value}))
    row = month_surveys(month, store_ids).aggregate(**aggregates)
    by_item: dict[tuple[str, str], dict[str, Any]] = {}
    for alias, item, survey_type, value in keys:
        entry = by_item.setdefault(
            (survey_type, item.key),
            {
                "type": str(survey_type),
                "type_label": str(SurveyType(survey_type).label),
                "key": item.key,
                "label": str(item.label),
                "group": str(item.group),
                "answers": {},
                "positive": 0,
                "average": 0,
                "negative": 0,
                "other": 0,
            },
        )
        count = row[alias]
        entry["answers"][value] = count
        bucket = (
            "positive"
            if value in POSITIVE
            else "average"
            if value in AVERAGE
            else "negative"
            if value in NEGATIVE
            else "other"
        )
        entry[bucket] += count
    items = list(by_item.values())
    for entry in items:
        entry["answered"] = entry["positive"] + entry["average"] + entry["negative"] + entry["other"]
        entry["lacking"] = entry["average"] + entry["negative"]
    technique = [
        {
            "key": e["key"],
            "label": e["label"],
            "satisfied": e["answers"].get("satisfied", 0),
            "average": e["answers"].get("average", 0),
            "dissatisfied": e["answers"].get("dissatisfied", 0),
            "not_applicable": e["answers"].get("not_applicable", 0),
            "issues": e["lacking"],
        }
        for e in items
        if e["key"] in TECHNIQUE_ITEMS
    ]
    return {
        "items": items,
        "praised": sorted((e for e in items if e["positive"]), key=lambda e: -e["positive"]),
        "lacking": sorted((e for e in items if e["lacking"]), key=lambda e: (-e["negative"], -e["lacking"])),
        "technique": technique,
    }


def _feedback_row(s: Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "task_id": s.callback_id,
        "surveyed_at": format_local(s.surveyed_at),
        "store": s.store.name,
        "customer": s.customer.name,
        "mobile": s.customer.masked_mobile,
        "plate": s.vehicle.plate_display if s.vehicle else "",
        "type": s.type,
        "type_label": s.get_type_display(),
        "score": s.score_used,
        "classification": s.classification,
        "classification_label": s.get_classification_display(),
        "at_risk": s.classification == Classification.AT_RISK_OPINION,
        "grade": s.grade,
        "remarks": s.remarks,
        "not_rated_reason": s.not_rated_reason,
        "agent": person_name(s.surveyed_by.first_name, s.surveyed_by.last_name, s.surveyed_by.username),
        "complaint_id": s.complaint_id,
        "complaint_number": s.complaint.number if s.complaint else "",
    }


DISSATISFIED = (Classification.COMPLAINT, Classification.DISSATISFIED)
OPINIONS = (Classification.OPINION, Classification.AT_RISK_OPINION)


def feedback_lists(*, month: dt.date, store_ids: Sequence[int] | None) -> dict[str, Any]:
    """Dissatisfied callbacks, grievances, opinions (at-risk flagged) and non-raters with reasons.

    One query for the records (split into the four lists) and one for the reasons ranked.
    """
    qs = month_surveys(month, store_ids)
    wanted = Q(classification__in=[*DISSATISFIED, Classification.GRIEVANCE, *OPINIONS]) | Q(
        score_used__isnull=True
    )
    surveys = (
        qs.filter(wanted)
        .select_related("store", "customer", "vehicle", "surveyed_by", "complaint")
        .order_by("surveyed_at", "pk")
    )
    lists: dict[str, list[dict[str, Any]]] = {
        "dissatisfied": [],
        "grievances": [],
        "opinions": [],
        "not_rated": [],
    }
    for s in surveys.iterator(chunk_size=ROW_CHUNK):
        row = _feedback_row(s)
        if s.classification in DISSATISFIED:
            lists["dissatisfied"].append(row)
        elif s.classification == Classification.GRIEVANCE:
            lists["grievances"].append(row)
        elif s.classification in OPINIONS:
            lists["opinions"].append(row)
        if s.score_used is None:
            lists["not_rated"].append(row)
    reasons = (
        qs.filter(score_used__isnull=True)
        .values("not_rated_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "not_rated_reason")
    )
    return {
        **lists,
        "not_rated_reasons": [{"reason": r["not_rated_reason"], "count": r["count"]} for r in reasons],
    }
