"""Five-dimension 10-point satisfaction (DOMAIN §2, five-dimension-satisfaction source).

Each dimension is rated 1–10 by every reached customer; the dimension score on the 100 scale is
the mean rating × 10, the overall score the mean of the five dimensions (equal 20 % weights).
The "what it takes" helpers use exact integer/Fraction arithmetic so that a boundary such as
"79.2 × 25 / 10 = 198 points" is never off by one because of binary floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Real

__all__ = [
    "DIMENSIONS",
    "DIMENSION_LABELS",
    "LOW_RATING_MAX",
    "RATING_LEVELS",
    "REASON_CODES",
    "LevelShare",
    "RatingLevel",
    "apply_lifts",
    "dimension_score",
    "level_distribution",
    "lifts_needed",
    "needs_reason",
    "normalize_ratings",
    "overall_score",
    "points_short",
    "rating_level",
]

DIMENSIONS: tuple[str, ...] = ("skill", "attitude", "timeliness", "parts", "overall")

# key → (zh, en)
DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "skill": ("服务技能", "service skill"),
    "attitude": ("服务态度", "service attitude"),
    "timeliness": ("服务及时性", "service timeliness"),
    "parts": ("配件供应", "parts supply"),
    "overall": ("服务综合", "overall service"),
}


@dataclass(frozen=True, slots=True)
class RatingLevel:
    key: str
    zh: str
    en: str
    min: int
    max: int


# "10分制,五个等级", best first.
RATING_LEVELS: tuple[RatingLevel, ...] = (
    RatingLevel("very_satisfied", "非常满意", "very satisfied", 9, 10),
    RatingLevel("satisfied", "满意", "satisfied", 7, 8),
    RatingLevel("average", "一般", "average", 5, 6),
    RatingLevel("dissatisfied", "不满", "dissatisfied", 3, 4),
    RatingLevel("very_dissatisfied", "非常不满", "very dissatisfied", 1, 2),
)

# A rating at or below this asks the agent for a reason code (DOMAIN §2 Decision).
LOW_RATING_MAX = 6

# Seed reason codes per dimension: code → (zh, en). The database copy is editable; these are
# the source's wording, with the codes of the source; two labels say what the deck's field-service
# words mean in a 4S store (migration callbacks 0006, issue #22).
REASON_CODES: dict[str, dict[str, tuple[str, str]]] = {
    "skill": {
        "insufficient_skill": ("服务技能不足", "insufficient skill"),
        "repeat_repair_unfixed": ("多次维修未解决", "repeated repairs without fix"),
        "slow_minor_faults": ("小故障处理效率低", "slow on minor faults"),
        "fault_not_removed": ("未彻底排故", "fault not fully removed"),
        "repair_took_long": ("维修时间长", "repair took long"),
    },
    "attitude": {
        "poor_attitude": ("服务态度不好", "poor attitude"),
        "would_not_work": ("不动手服务", "would not do the work"),
        "did_not_come": ("不到场", "did not come on site"),
        "few_proactive_visits": ("服务主动上门少", "few proactive visits"),
        "dragged_out": ("处理问题拖沓", "dragged the problem out"),
        "pushed_parts_sales": ("强制客户购买配件", "pushed parts sales"),
        "no_supplier_help": ("未帮助联系供应商", "did not help contact supplier"),
        "broke_promise": ("未兑现服务承诺", "broke a service promise"),
    },
    "timeliness": {
        "arrived_late": ("到场时间不及时", "arrived late"),
        "no_service_vehicle": ("服务车缺乏导致不及时", "no service vehicle"),
        "too_few_staff": ("人员少导致不及时", "too few staff"),
        "site_far": ("救援或上门服务距离远", "far for roadside or at-home service"),  # deck: 工地距离远
        "hotline_not_passed_on": ("热线未及时通知", "hotline did not pass it on"),
        "engineer_busy": (
            "技师忙未及时处理",
            "technician busy, not handled in time",
        ),  # deck: 工程师忙未及时到场
    },
    "parts": {
        "not_in_time": ("供应不及时", "not supplied in time"),
        "warehouse_far": ("仓库距离远", "warehouse far"),
        "long_wait": ("发货、等待时间长", "long shipping/wait"),
        "out_of_stock": ("库存不足需从外地或总部调运", "out of stock, transfer from elsewhere/HQ"),
        "wrong_part": ("发错配件", "wrong part sent"),
    },
    "overall": {
        "service_image": ("服务形象", "service image"),
        "cumbersome_process": ("流程繁琐、制度", "cumbersome process/rules"),
        "head_office_slow": ("总部处理慢", "head office slow"),
        "general_complaint": ("整体服务抱怨", "general service complaint"),
    },
}

Ratings = Iterable[int] | Mapping[int, int]


def _check_rating(r: object) -> int:
    if isinstance(r, bool) or not isinstance(r, int):
        raise ValueError(f"a rating must be an integer 1–10, got {r!r}")
    if not 1 <= r <= 10:
        raise ValueError(f"a rating must be between 1 and 10, got {r}")
    return r


def normalize_ratings(ratings: Ratings) -> dict[int, int]:
    """Return rating → count (only ratings that occur) from a list of ratings or a count mapping."""
    counts: dict[int, int] = {}
    if isinstance(ratings, Mapping):
        for r, c in ratings.items():
            _check_rating(r)
            if isinstance(c, bool) or not isinstance(c, int) or c < 0:
                raise ValueError(f"the count of rating {r} must be a non-negative integer, got {c!r}")
            if c:
                counts[r] = counts.get(r, 0) + c
    else:
        if isinstance(ratings, str | bytes):
            raise ValueError("ratings must be integers or a rating → count mapping, not text")
        for r in ratings:
            r = _check_rating(r)
            counts[r] = counts.get(r, 0) + 1
    return dict(sorted(counts.items()))


def _totals(counts: Mapping[int, int]) -> tuple[int, int]:
    return sum(r * c for r, c in counts.items()), sum(counts.values())


def rating_level(r: int) -> str:
    """The level key of one 1–10 rating (9–10 very_satisfied … 1–2 very_dissatisfied)."""
    _check_rating(r)
    for lvl in RATING_LEVELS:
        if lvl.min <= r <= lvl.max:
            return lvl.key
    raise AssertionError("unreachable: RATING_LEVELS cover 1–10")  # pragma: no cover


def needs_reason(r: int) -> bool:
    """Whether a rating is low enough that the agent records a reason code."""
    return _check_rating(r) <= LOW_RATING_MAX


def dimension_score(ratings: Ratings) -> float | None:
    """Mean rating × 10 (the 100-point score); None when there are no ratings.

    Unrounded: the source example gives 79.2105…, displayed as 79.2.
    """
    total, n = _totals(normalize_ratings(ratings))
    if n == 0:
        return None
    return total * 10 / n


def _check_score(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    number = float(value)
    if not 0 <= number <= 100:
        raise ValueError(f"{what} must be between 0 and 100, got {value}")
    return number


def overall_score(dimension_scores: Mapping[str, float | None] | Iterable[float | None]) -> float:
    """Arithmetic mean of the dimension scores (equal weights).

    Accepts a mapping dimension → score (keys must be DIMENSIONS) or a plain iterable. A None
    score (a dimension nobody rated) is left out of the mean rather than counted as 0; when no
    score remains → ValueError.
    """
    if isinstance(dimension_scores, Mapping):
        unknown = set(dimension_scores) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimension(s) {sorted(unknown)}; expected {', '.join(DIMENSIONS)}")
        values: Iterable[float | None] = dimension_scores.values()
    else:
        values = dimension_scores
    scores = [_check_score(v, "a dimension score") for v in values if v is not None]
    if not scores:
        raise ValueError("overall score needs at least one dimension score")
    return sum(scores) / len(scores)


def _exact(value: object, what: str) -> Fraction:
    # Go through the decimal text of a float: Fraction(79.2) is 79.2000000000000028…, which
    # would turn "exactly 198 points needed" into 199.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be finite, got {value!r}")
        return Fraction(repr(value))
    return Fraction(value)


def _points_needed(n: int, target: object) -> int:
    t = _exact(target, "target")
    if not 0 <= t <= 100:
        raise ValueError(f"target must be between 0 and 100, got {target}")
    # score ≥ target  ⇔  10·sum / n ≥ t  ⇔  sum ≥ t·n / 10; sum is an integer, so take the ceiling.
    return math.ceil(t * n / 10)


def _nonempty_counts(ratings: Ratings) -> dict[int, int]:
    counts = normalize_ratings(ratings)
    if not counts:
        raise ValueError("no ratings: there is no score to compare with the target")
    return counts


def points_short(ratings: Ratings, target: float) -> int:
    """Rating points missing to reach ``target`` (0 when met).

    Source example: 38 ratings summing to 301, target 80 → 304 needed → 3. No ratings →
    ValueError (there is no score to lift).
    """
    total, n = _totals(_nonempty_counts(ratings))
    return max(0, _points_needed(n, target) - total)


def lifts_needed(ratings: Ratings, target: float) -> int | None:
    """How many "satisfied" customers (7–8) must become "very satisfied" (9) to reach ``target``.

    Follows the source's reasoning: 8s are moved first (+1 point each), then 7s (+2 each).
    0 when the target is met; None when moving every 7 and 8 still falls short.
    """
    counts = _nonempty_counts(ratings)
    deficit = points_short(counts, target)
    if deficit == 0:
        return 0
    eights, sevens = counts.get(8, 0), counts.get(7, 0)
    if deficit <= eights:
        return deficit
    from_sevens = math.ceil((deficit - eights) / 2)
    if from_sevens > sevens:
        return None
    return eights + from_sevens


def apply_lifts(ratings: Ratings, lifts: int) -> dict[int, int]:
    """The distribution after ``lifts`` customers moved to 9 in the ``lifts_needed`` order.

    Used by the report to show e.g. "very satisfied rises from 2.6 % to 10.5 %".
    """
    if isinstance(lifts, bool) or not isinstance(lifts, int) or lifts < 0:
        raise ValueError(f"lifts must be a non-negative integer, got {lifts!r}")
    counts = normalize_ratings(ratings)
    available = counts.get(8, 0) + counts.get(7, 0)
    if lifts > available:
        raise ValueError(f"only {available} customers rated 7–8, cannot lift {lifts}")
    remaining = lifts
    for r in (8, 7):
        moved = min(remaining, counts.get(r, 0))
        if moved:
            counts[r] -= moved
            counts[9] = counts.get(9, 0) + moved
            remaining -= moved
    return {r: c for r, c in sorted(counts.items()) if c}


@dataclass(frozen=True, slots=True)
class LevelShare:
    level: str
    zh: str
    en: str
    count: int
    percent: float  # 0–100, unrounded


def level_distribution(ratings: Ratings) -> dict[str, LevelShare]:
    """Count and share (percent of all ratings) per rating level, best level first.

    Every level is present, with 0 / 0.0 when unused or when there are no ratings.
    """
    counts = normalize_ratings(ratings)
    n = sum(counts.values())
    result: dict[str, LevelShare] = {}
    for lvl in RATING_LEVELS:
        c = sum(cnt for r, cnt in counts.items() if lvl.min <= r <= lvl.max)
        result[lvl.key] = LevelShare(lvl.key, lvl.zh, lvl.en, c, c * 100 / n if n else 0.0)
    return result
