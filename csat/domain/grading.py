"""Customer grade A–G (DOMAIN §3 and §6, customer-grades-A-G source).

A–E grade satisfaction, F the customer's identity/impact, G a crisis. The system *suggests* one
grade per contact with the criteria that fired; the agent confirms or overrides it.

Criterion codes returned by :func:`suggest_grade` (only those of the winning grade):

====  =====================================================================================
G     ``crisis_type:<a…e>``
F     ``identity:<media|authority|lawyer|public_figure|taxi_driver|fleet_batch>``,
      ``injury_or_major_loss``
E     ``threatens_exposure_hostile``, ``major_quality_issue``, ``quality_repairs_30d``,
      ``low_mileage_during_complaint``, ``days_open_unsolved``
D     ``parts_backorder``, ``skill_delay``, ``prices_not_transparent``, ``names_reasons``,
      ``first_minor_quality`` (a quality problem that does not stop use, first complaint in a month)
A–E   ``score100`` (from the 100-point score) or ``ratings_mean`` (from the 10-point ratings)
C     ``no_data`` (nothing at all to go on)
====  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "CRISIS_TYPES",
    "GRADES",
    "GRADE_ORDER",
    "IDENTITIES",
    "IDENTITY_GUIDANCE",
    "Bilingual",
    "GradeFacts",
    "grade_from_ratings",
    "grade_from_score",
    "suggest_grade",
]


class Bilingual(NamedTuple):
    zh: str
    en: str

    def __str__(self) -> str:
        # Chinese first: a template rendering the pair as-is shows the zh-hans text.
        return self.zh


# Least to most serious; precedence G > F > E > D > C > B > A.
GRADE_ORDER: tuple[str, ...] = ("A", "B", "C", "D", "E", "F", "G")

GRADES: dict[str, Bilingual] = {
    "A": Bilingual("非常满意客户(忠诚客户)", "very satisfied (loyal)"),
    "B": Bilingual("满意客户", "satisfied"),
    "C": Bilingual("一般客户", "average"),
    "D": Bilingual("不满意客户", "dissatisfied"),
    "E": Bilingual("非常不满意客户", "very dissatisfied"),
    "F": Bilingual("重大客户", "major customer"),
    "G": Bilingual("危机事件", "crisis event"),
}

IDENTITIES: dict[str, Bilingual] = {
    "media": Bilingual("媒体、记者", "media, journalist"),
    "authority": Bilingual(
        "消费者协会、技术监督局、工商、公安、政府机关",
        "consumer association, quality/technical supervision, industry & commerce, police, government",
    ),
    "lawyer": Bilingual("律师", "lawyer"),
    "public_figure": Bilingual("名人、政府要员", "celebrity, government official"),
    "taxi_driver": Bilingual("出租车司机", "taxi driver"),
    "fleet_batch": Bilingual("集团大客户批量问题", "fleet (group) account with a batch problem"),
}

# Handling guidance shown to the agent. fleet_batch has none in the source; ours is marked so.
IDENTITY_GUIDANCE: dict[str, Bilingual] = {
    "media": Bilingual(
        "了解其身份并确认,对所发生事件的时间、地点、人物进行记录。",
        "Confirm their identity; record the time, place and people involved.",
    ),
    "authority": Bilingual(
        "提供投诉相应的证明材料,了解情况。",
        "Provide the supporting documents for the complaint and learn the situation.",
    ),
    "lawyer": Bilingual(
        "了解其身份后反应要快,不要多说话、多听,不做任何明确答复,要保持冷静,采用委婉方式尽快结束通话。",
        "Once you know it is a lawyer: respond fast, talk little, listen a lot, give no definite "
        "answer, stay calm and end the call politely and quickly.",
    ),
    "public_figure": Bilingual(
        "根据来电语调判断,记录投诉过程及客户的要求。",
        "Judge by the tone of the call; record how the complaint went and what the customer demands.",
    ),
    "taxi_driver": Bilingual(
        "根据来电语调判断,记录投诉过程及客户的要求。",
        "Judge by the tone of the call; record how the complaint went and what the customer demands.",
    ),
    "fleet_batch": Bilingual(
        "记录涉及的车辆和批量问题,及时上报部门经理。(本系统补充,原文未规定)",
        "Record the vehicles and the batch problem and report to the department manager at once "
        "(our addition; the source gives no guidance).",
    ),
}

# Crisis types (危机事件的分类), DOMAIN §6.
CRISIS_TYPES: dict[str, Bilingual] = {
    "a": Bilingual("与安全方面有关的案件", "safety-related case"),
    "b": Bilingual("损害金额大的案件", "large damage amount"),
    "c": Bilingual(
        "短期内进服务店维修频次高,客户不接受的情况", "frequent repairs in a short time, not accepted"
    ),
    "d": Bilingual(
        "涉及媒体、律师、警察、消协、政府机关等的案件",
        "media, lawyer, police, consumer association or government involved",
    ),
    "e": Bilingual(
        "除以上情况外,客户意见较大易导致不良影响的情况(如可能媒体曝光、可能进入司法程序、客户可能采取过激行为等)",
        "other strong dissatisfaction likely to cause harm (possible exposure, lawsuit, extreme acts)",
    ),
}

# Thresholds from the source (DOMAIN §3).
QUALITY_REPAIRS_E_MIN = 2  # ≥ 2 quality repair visits within 30 days
LOW_MILEAGE_KM = (300, 500)  # inclusive, km/month driven during the complaint
DAYS_OPEN_E_OVER = 20
PARTS_BACKORDER_D_OVER = 3
SKILL_DELAY_D_OVER = 7


def _opt_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True, slots=True)
class GradeFacts:
    """What is known about a contact; every field optional (None = unknown)."""

    score100: int | None = None
    # The five 10-point ratings: a sequence, or a mapping dimension → rating (None = not rated).
    ratings: Iterable[int] | Mapping[str, int | None] | None = None
    identity: Iterable[str] = field(default_factory=frozenset)
    injury_or_major_loss: bool | None = None
    crisis_type: str | None = None
    threatens_exposure: bool | None = None
    hostile: bool | None = None
    major_quality_issue: bool | None = None
    quality_repairs_30d: int | None = None
    monthly_km_during_complaint: int | None = None
    days_open_unsolved: int | None = None
    parts_backorder_days: int | None = None
    skill_delay_days: int | None = None
    prices_not_transparent: bool | None = None
    names_reasons: bool | None = None
    # D: "质量问题不影响使用，一个月内首次投诉" — a quality problem, the first complaint about it this month.
    first_minor_quality_complaint: bool | None = None

    def __post_init__(self) -> None:
        # Normalise once so suggest_grade can trust the facts (frozen: go through object).
        identity = frozenset(() if self.identity is None else self.identity)
        unknown = identity - set(IDENTITIES)
        if unknown:
            raise ValueError(f"unknown identity flag(s) {sorted(unknown)}; expected {', '.join(IDENTITIES)}")
        object.__setattr__(self, "identity", identity)

        if self.crisis_type is not None and self.crisis_type not in CRISIS_TYPES:
            raise ValueError(f"crisis_type must be one of a–e, got {self.crisis_type!r}")

        if self.score100 is not None:
            s = self.score100
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 100:
                raise ValueError(f"score100 must be an integer 0–100, got {s!r}")

        if self.ratings is not None:
            raw = self.ratings.values() if isinstance(self.ratings, Mapping) else self.ratings
            cleaned: list[int] = []
            for r in raw:
                if r is None:
                    continue
                if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= 10:
                    raise ValueError(f"a rating must be an integer 1–10, got {r!r}")
                cleaned.append(r)
            object.__setattr__(self, "ratings", tuple(cleaned))

        for name in (
            "quality_repairs_30d",
            "monthly_km_during_complaint",
            "days_open_unsolved",
            "parts_backorder_days",
            "skill_delay_days",
        ):
            _opt_int(getattr(self, name), name)


def grade_from_score(score100: int) -> str:
    """100-point score → A–E: 96–100 A, 80–95 B, 70–79 C, 40–69 D, 0–39 E."""
    if score100 >= 96:
        return "A"
    if score100 >= 80:
        return "B"
    if score100 >= 70:
        return "C"
    if score100 >= 40:
        return "D"
    return "E"


def grade_from_ratings(ratings: Iterable[int]) -> str | None:
    """Mean of the 10-point ratings → A–E (≥ 9 A, ≥ 7 B, ≥ 5 C, ≥ 3 D, else E); None if empty."""
    values = list(ratings)
    if not values:
        return None
    total, n = sum(values), len(values)
    # Compare total ≥ k·n instead of a float mean: exact at the boundaries.
    for grade, k in (("A", 9), ("B", 7), ("C", 5), ("D", 3)):
        if total >= k * n:
            return grade
    return "E"


def _criteria(facts: GradeFacts) -> dict[str, list[str]]:
    fired: dict[str, list[str]] = {g: [] for g in GRADE_ORDER}

    if facts.crisis_type is not None:
        fired["G"].append(f"crisis_type:{facts.crisis_type}")

    identity = frozenset(facts.identity)
    fired["F"].extend(f"identity:{key}" for key in IDENTITIES if key in identity)
    if facts.injury_or_major_loss:
        fired["F"].append("injury_or_major_loss")

    # "Hostile, not calmed, threatens exposure": both halves are needed.
    if facts.threatens_exposure and facts.hostile:
        fired["E"].append("threatens_exposure_hostile")
    if facts.major_quality_issue:
        fired["E"].append("major_quality_issue")
    if facts.quality_repairs_30d is not None and facts.quality_repairs_30d >= QUALITY_REPAIRS_E_MIN:
        fired["E"].append("quality_repairs_30d")
    km = facts.monthly_km_during_complaint
    if km is not None and LOW_MILEAGE_KM[0] <= km <= LOW_MILEAGE_KM[1]:
        fired["E"].append("low_mileage_during_complaint")
    if facts.days_open_unsolved is not None and facts.days_open_unsolved > DAYS_OPEN_E_OVER:
        fired["E"].append("days_open_unsolved")

    if facts.parts_backorder_days is not None and facts.parts_backorder_days > PARTS_BACKORDER_D_OVER:
        fired["D"].append("parts_backorder")
    if facts.skill_delay_days is not None and facts.skill_delay_days > SKILL_DELAY_D_OVER:
        fired["D"].append("skill_delay")
    if facts.prices_not_transparent:
        fired["D"].append("prices_not_transparent")
    if facts.names_reasons:
        fired["D"].append("names_reasons")
    if facts.first_minor_quality_complaint:
        fired["D"].append("first_minor_quality")

    # A–E from the score: the 100-point score wins over the 10-point ratings.
    if facts.score100 is not None:
        fired[grade_from_score(facts.score100)].append("score100")
    elif facts.ratings:
        by_ratings = grade_from_ratings(facts.ratings)  # type: ignore[arg-type]  # normalised to ints
        if by_ratings is not None:
            fired[by_ratings].append("ratings_mean")
    return fired


def suggest_grade(facts: GradeFacts) -> tuple[str, list[str]]:
    """Suggest one grade (A…G) and the criterion codes that fired for that grade.

    The most serious grade with any fired criterion wins (G > F > E > D > C > B > A). With no
    score, no ratings and no criterion at all, the neutral ``("C", ["no_data"])`` is returned:
    nothing shows the customer's expectations were exceeded (A), met (B) or missed (D/E), and
    the agent confirms the grade anyway.
    """
    fired = _criteria(facts)
    for grade in reversed(GRADE_ORDER):
        if fired[grade]:
            return grade, fired[grade]
    return "C", ["no_data"]
