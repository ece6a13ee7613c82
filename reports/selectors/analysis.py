"""Cause analysis of the month's surveys (DOMAIN §2, §4, §7): the five dimensions with their level
distributions and what it takes to reach the target, reason codes ranked, items praised and
lacking, technique issues (mechanical vs body/paint), and the lists that need action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, IntegerField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import get_language

from callbacks.models import Classification, Survey, SurveyType
from callbacks.survey_items import items_for
from csat.domain import scoring
from csat.domain.identifiers import display_plate
from csat.domain.privacy import mask_mobile

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
PRODUCT_QUALITY_ITEMS = ("product_performance", "product_function", "product_operation")


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

    def counts(e: dict[str, Any]) -> dict[str, Any]:
        answers = e["answers"]
        return {
            "key": e["key"],
            "label": e["label"],
            **{level: answers.get(level, 0) for level in ("satisfied", "average", "dissatisfied")},
        }

    technique = [
        {
            **counts(e),
            "not_applicable": e["answers"].get("not_applicable", 0),
            "issues": e["lacking"],
        }
        for e in items
        if e["key"] in TECHNIQUE_ITEMS
    ]
    # The training deck's product-quality satisfaction (performance, function, operation): its own
    # figures — the answers and the satisfied share of those who answered.
    product_quality = [
        {
            **counts(e),
            "answered": e["answered"],
            "satisfied_share": e["answers"].get("satisfied", 0) / e["answered"] if e["answered"] else None,
        }
        for e in items
        if e["key"] in PRODUCT_QUALITY_ITEMS
    ]
    return {
        "items": items,
        "product_quality": product_quality,
        "praised": sorted((e for e in items if e["positive"]), key=lambda e: -e["positive"]),
        "lacking": sorted((e for e in items if e["lacking"]), key=lambda e: (-e["negative"], -e["lacking"])),
        "technique": technique,
    }


FEEDBACK_FIELDS = (
    "id",
    "callback_id",
    "surveyed_at",
    "store__name",
    "customer__name",
    "customer__mobile",
    "vehicle__plate",
    "type",
    "score_used",
    "classification",
    "grade",
    "remarks",
    "not_rated_reason",
    "surveyed_by__first_name",
    "surveyed_by__last_name",
    "surveyed_by__username",
    "complaint_id",
    "complaint__number",
)

# Records of each list kept in the report's data (the dashboard); the xlsx lists all of them.
FEEDBACK_SHOWN = 50

DISSATISFIED = (Classification.COMPLAINT, Classification.DISSATISFIED)
OPINIONS = (Classification.OPINION, Classification.AT_RISK_OPINION)
FEEDBACK_LISTS: dict[str, Q] = {
    "dissatisfied": Q(classification__in=DISSATISFIED),
    "grievances": Q(classification=Classification.GRIEVANCE),
    "opinions": Q(classification__in=OPINIONS),
    "not_rated": Q(score_used__isnull=True),
}


def _feedback_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Survey type and classification labels in the active language, looked up once per list."""
    return (
        {k: str(v) for k, v in SurveyType.choices},
        {k: str(v) for k, v in Classification.choices},
    )


def feedback_row(
    r: dict[str, Any], labels: tuple[dict[str, str], dict[str, str]] | None = None
) -> dict[str, Any]:
    """One feedback record from a ``.values(*FEEDBACK_FIELDS)`` row (no model instances)."""
    types, classes = labels or _feedback_labels()
    classification = r["classification"]
    return {
        "id": r["id"],
        "task_id": r["callback_id"],
        "surveyed_at": format_local(r["surveyed_at"]),
        "store": r["store__name"],
        "customer": r["customer__name"],
        "mobile": mask_mobile(r["customer__mobile"]),
        "plate": display_plate(r["vehicle__plate"]) if r["vehicle__plate"] else "",
        "type": r["type"],
        "type_label": types.get(r["type"], r["type"]),
        "score": r["score_used"],
        "classification": classification,
        "classification_label": classes.get(classification, classification or ""),
        "at_risk": classification == Classification.AT_RISK_OPINION,
        "grade": r["grade"],
        "remarks": r["remarks"],
        "not_rated_reason": r["not_rated_reason"],
        "agent": person_name(
            r["surveyed_by__first_name"], r["surveyed_by__last_name"], r["surveyed_by__username"]
        ),
        "complaint_id": r["complaint_id"],
        "complaint_number": r["complaint__number"] or "",
    }


def feedback_records(
    *, month: dt.date, store_ids: Sequence[int] | None, key: str, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """One list's records, oldest first, streamed from the database (``limit``: the first ones)."""
    qs = month_surveys(month, store_ids).filter(FEEDBACK_LISTS[key]).order_by("surveyed_at", "pk")
    rows = qs.values(*FEEDBACK_FIELDS)
    labels = _feedback_labels()
    if limit is not None:
        return (feedback_row(r, labels) for r in rows[:limit])
    return (feedback_row(r, labels) for r in rows.iterator(chunk_size=ROW_CHUNK))


def feedback_lists(
    *, month: dt.date, store_ids: Sequence[int] | None, shown: int = FEEDBACK_SHOWN
) -> dict[str, Any]:
    """Dissatisfied callbacks, grievances, opinions (at-risk flagged) and non-raters with reasons.

    The counts of every list in one conditional aggregate, the first ``shown`` records of each
    (one bounded query per list) and the reasons ranked, so the data does not grow with the rows.
    The xlsx streams the whole lists with ``feedback_records``.
    """
    qs = month_surveys(month, store_ids)
    counts = qs.aggregate(**{key: Count("pk", filter=q) for key, q in FEEDBACK_LISTS.items()})
    lists = {
        key: list(feedback_records(month=month, store_ids=store_ids, key=key, limit=shown))
        if counts[key]
        else []
        for key in FEEDBACK_LISTS
    }
    reasons = (
        qs.filter(score_used__isnull=True)
        .values("not_rated_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "not_rated_reason")
    )
    return {
        **lists,
        "counts": counts,
        "not_rated_reasons": [{"reason": r["not_rated_reason"], "count": r["count"]} for r in reasons],
    }
