"""Survey outcomes, survey validity and complaint severity (DOMAIN §4, §5).

Survey outcome precedence: complaint > dissatisfied > grievance > at_risk_opinion/opinion > none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "AT_RISK_OPINION",
    "CLASSIFICATIONS",
    "COMPLAINT",
    "COMPLAINT_RATE_TARGETS_PER_MILLE",
    "DISSATISFIED",
    "DISSATISFIED_BELOW",
    "GRIEVANCE",
    "MAJOR_CRITERIA",
    "NONE",
    "OPINION",
    "OPINION_MIN",
    "REACH_MIN",
    "SURVEY_MIN",
    "Validity",
    "classify_survey",
    "complaint_rate_per_mille",
    "complaint_severity",
    "validity",
]

COMPLAINT = "complaint"
DISSATISFIED = "dissatisfied"
GRIEVANCE = "grievance"
OPINION = "opinion"
AT_RISK_OPINION = "at_risk_opinion"
NONE = "none"
CLASSIFICATIONS: tuple[str, ...] = (COMPLAINT, DISSATISFIED, GRIEVANCE, OPINION, AT_RISK_OPINION, NONE)

DISSATISFIED_BELOW = 70  # "回访中客户评分低于70分" counts as a dissatisfied callback
OPINION_MIN = 80  # an opinion proper has satisfaction ≥ 80; 70–79 is an at-risk opinion

REACH_MIN = 0.5  # successful callbacks ≥ 50 % of required callbacks
SURVEY_MIN = 0.6  # completed surveys ≥ 60 % of successful callbacks

# Complaints per year per 1000 service intakes / cars sold (DOMAIN §4 Decision).
COMPLAINT_RATE_TARGETS_PER_MILLE: dict[str, float] = {"after_sales": 1.0, "sales": 0.5}


def _check_score(score: object) -> None:
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ValueError(f"score must be a number 0–100, got {score!r}")
    if not 0 <= score <= 100:
        raise ValueError(f"score must be between 0 and 100, got {score}")


def classify_survey(
    *,
    score: float | None = None,
    is_complaint: bool = False,
    is_grievance: bool = False,
    says_unsatisfied: bool = False,
    has_remarks: bool = False,
) -> str:
    """Classify a survey outcome (the ``classification`` field).

    - complaint: the customer complained to the manufacturer, media or government;
    - dissatisfied: says unsatisfied, or score < 70;
    - grievance: strong opinion, e.g. complained to the GM or a department head;
    - remarks with score ≥ 80 → opinion; with 70–79 → at_risk_opinion; remarks without any score
      → opinion (nothing says the customer is at risk; a low score would already be dissatisfied);
    - none otherwise.
    """
    if score is not None:
        _check_score(score)
    if is_complaint:
        return COMPLAINT
    if says_unsatisfied or (score is not None and score < DISSATISFIED_BELOW):
        return DISSATISFIED
    if is_grievance:
        return GRIEVANCE
    if has_remarks:
        if score is not None and score < OPINION_MIN:
            return AT_RISK_OPINION
        return OPINION
    return NONE


@dataclass(frozen=True, slots=True)
class Validity:
    reach_rate: float | None  # reached / required; None when nothing was required
    survey_rate: float | None  # surveyed / reached; None when nobody was reached
    reach_ok: bool
    survey_ok: bool

    @property
    def valid(self) -> bool:
        return self.reach_ok and self.survey_ok


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _threshold(value: object, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    # Decimal text of the float, so 0.6 is exactly 3/5 and 3 of 5 passes.
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def validity(
    required: int,
    reached: int,
    surveyed: int,
    *,
    reach_min: float = REACH_MIN,
    survey_min: float = SURVEY_MIN,
) -> Validity:
    """The month's validity checks: reached ≥ 50 % of required, surveyed ≥ 60 % of reached.

    A zero denominator gives a None rate and a passing check (nothing was due), except that
    required > 0 with nobody reached fails the reach check — and so the month.
    """
    required, reached, surveyed = (
        _count(required, "required"),
        _count(reached, "reached"),
        _count(surveyed, "surveyed"),
    )
    reach_threshold, survey_threshold = (
        _threshold(reach_min, "reach_min"),
        _threshold(survey_min, "survey_min"),
    )
    reach_rate = reached / required if required else None
    survey_rate = surveyed / reached if reached else None
    reach_ok = required == 0 or Fraction(reached, required) >= reach_threshold
    survey_ok = reached == 0 or Fraction(surveyed, reached) >= survey_threshold
    return Validity(reach_rate, survey_rate, reach_ok, survey_ok)


def complaint_rate_per_mille(complaints: int, base: int) -> float | None:
    """Complaints per 1000 intakes (or cars sold); None when the base is 0."""
    complaints, base = _count(complaints, "complaints"), _count(base, "base")
    return complaints * 1000 / base if base else None


# Major complaint (重大投诉) criteria: any one makes the complaint major. code → (zh, en)
MAJOR_CRITERIA: dict[str, tuple[str, str]] = {
    "compensation": ("涉及补偿/赔偿", "compensation demanded"),
    "safety": ("与安全有关", "safety-related"),
    "large_damage": ("损害金额大", "large damage amount"),
    "repeat_repairs_rejected": (
        "短期内维修频次高,客户不接受",
        "frequent repeat repairs the customer rejects",
    ),
    "outside_parties": (
        "涉及媒体、律师、警察、消协、政府机关",
        "media, lawyer, police, consumer association or government involved",
    ),
    "adverse_impact_likely": (
        "客户意见较大易导致不良影响(可能曝光、诉讼、过激行为)",
        "likely adverse impact (exposure, lawsuit, extreme acts)",
    ),
    "forwarded_by_authority": ("行业部门、工商部门等转交", "forwarded by an industry body or authority"),
}


def complaint_severity(major_criteria: Iterable[str]) -> str:
    """``major`` when any major criterion applies, else ``general``; unknown codes → ValueError."""
    if isinstance(major_criteria, str):
        raise ValueError("major_criteria must be a list of codes, not a single string")
    codes = set(major_criteria)
    unknown = codes - set(MAJOR_CRITERIA)
    if unknown:
        raise ValueError(f"unknown major criteria {sorted(unknown)}; expected {', '.join(MAJOR_CRITERIA)}")
    return "major" if codes else "general"
