"""Satisfaction level → 100-point score (DOMAIN §1, cs-survey-management §五.4).

A survey's score is either *direct* (the customer names 0–100, preferred) or *indirect* (the
customer names a level and the level converts to points). Range levels take a typed value inside
the range, else the midpoint rounded half up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "LEVELS",
    "LEVELS_BY_KEY",
    "Level",
    "get_level",
    "level_to_score",
    "monthly_satisfaction",
    "survey_score",
    "validate_direct_score",
]


@dataclass(frozen=True, slots=True)
class Level:
    key: str
    zh: str
    en: str
    min: int
    max: int

    @property
    def is_fixed(self) -> bool:
        return self.min == self.max

    @property
    def default(self) -> int:
        # Midpoint rounded half up; exact integer arithmetic (40–59 → 49.5 → 50).
        return (self.min + self.max + 1) // 2


# Order = from best to worst, as the source lists them. Neighbouring ranges share their
# boundary (良好 80–90, 一般 70–80): each level is validated against its own range only.
LEVELS: tuple[Level, ...] = (
    Level("very_satisfied", "非常满意", "very satisfied", 100, 100),
    Level("satisfied", "满意", "satisfied", 95, 95),
    Level("fairly_satisfied", "比较满意", "fairly satisfied", 90, 90),
    Level("good", "良好", "good", 80, 90),
    Level("average", "一般", "average", 70, 80),
    Level("passable", "及格", "passable", 60, 70),
    Level("not_very_satisfied", "不太满意", "not very satisfied", 40, 59),
    Level("dissatisfied", "不满意", "dissatisfied", 20, 40),
    Level("very_dissatisfied", "很不满意", "very dissatisfied", 0, 20),
)

LEVELS_BY_KEY: dict[str, Level] = {lvl.key: lvl for lvl in LEVELS}
_LEVELS_BY_ZH: dict[str, Level] = {lvl.zh: lvl for lvl in LEVELS}


def _require_int(value: object, what: str) -> int:
    # bool is an int subclass; True as a score is always a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


def get_level(level: str) -> Level:
    """Look a level up by English key or Chinese label; unknown → ValueError."""
    if not isinstance(level, str):
        raise ValueError(f"level must be a string, got {level!r}")
    name = level.strip()
    found = LEVELS_BY_KEY.get(name) or _LEVELS_BY_ZH.get(name)
    if found is None:
        raise ValueError(f"unknown satisfaction level {level!r}; expected one of {', '.join(LEVELS_BY_KEY)}")
    return found


def level_to_score(level: str, value: int | None = None) -> int:
    """Convert a named level (key or Chinese label) to 100-point score.

    Fixed levels (100/95/90) accept ``value`` only when it equals the fixed score. Range levels
    take ``value`` inside [min, max] inclusive, else the midpoint rounded half up.
    """
    lvl = get_level(level)
    if value is None:
        return lvl.default
    value = _require_int(value, "level value")
    if not lvl.min <= value <= lvl.max:
        if lvl.is_fixed:
            raise ValueError(f"level {lvl.key} ({lvl.zh}) is always {lvl.min} points, got {value}")
        raise ValueError(f"value {value} is outside level {lvl.key} ({lvl.zh}) range {lvl.min}–{lvl.max}")
    return value


def validate_direct_score(score: int) -> int:
    """A directly named score: integer 0–100."""
    score = _require_int(score, "score")
    if not 0 <= score <= 100:
        raise ValueError(f"score must be between 0 and 100, got {score}")
    return score


def survey_score(
    *, score: int | None = None, level: str | None = None, level_value: int | None = None
) -> int | None:
    """The score a survey contributes (``score_used``), or None when the customer did not rate.

    A direct score wins over a level: the source calls it the truest measure. ``level_value``
    without ``level`` is an input error.
    """
    if level is None and level_value is not None:
        raise ValueError("level_value given without a level")
    if score is not None:
        return validate_direct_score(score)
    if level is not None:
        return level_to_score(level, level_value)
    return None


def monthly_satisfaction(scores: Iterable[int | float | None]) -> float | None:
    """Mean of the month's scores; surveys without a score are excluded from the base.

    None when no survey produced a score.
    """
    rated = [s for s in scores if s is not None]
    if not rated:
        return None
    return sum(rated) / len(rated)
