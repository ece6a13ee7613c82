import pytest

from csat.domain.levels import (
    LEVELS,
    get_level,
    level_to_score,
    monthly_satisfaction,
    survey_score,
    validate_direct_score,
)


@pytest.mark.parametrize(
    ("key", "zh", "score"),
    [
        ("very_satisfied", "非常满意", 100),
        ("satisfied", "满意", 95),
        ("fairly_satisfied", "比较满意", 90),
        ("good", "良好", 85),
        ("average", "一般", 75),
        ("passable", "及格", 65),
        ("not_very_satisfied", "不太满意", 50),
        ("dissatisfied", "不满意", 30),
        ("very_dissatisfied", "很不满意", 10),
    ],
)
def test_default_score_by_key_and_chinese_label(key: str, zh: str, score: int) -> None:
    assert level_to_score(key) == score
    assert level_to_score(zh) == score
    assert get_level(zh).key == key


def test_table_has_nine_levels_best_first() -> None:
    assert [lvl.key for lvl in LEVELS][:3] == ["very_satisfied", "satisfied", "fairly_satisfied"]
    assert len(LEVELS) == 9
    assert all(lvl.min <= lvl.max for lvl in LEVELS)


@pytest.mark.parametrize(
    ("level", "value"),
    [("good", 80), ("good", 90), ("一般", 70), ("average", 80), ("not_very_satisfied", 59), ("很不满意", 0)],
)
def test_range_level_accepts_value_inside_inclusive(level: str, value: int) -> None:
    assert level_to_score(level, value) == value


@pytest.mark.parametrize(
    ("level", "value"),
    [("good", 79), ("good", 91), ("not_very_satisfied", 60), ("very_dissatisfied", 21), ("passable", -1)],
)
def test_range_level_rejects_value_outside(level: str, value: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        level_to_score(level, value)


def test_fixed_level_value_must_match() -> None:
    assert level_to_score("satisfied", 95) == 95
    with pytest.raises(ValueError, match="always 95"):
        level_to_score("satisfied", 94)


@pytest.mark.parametrize("bad", ["excellent", "", "A", None, 5])
def test_unknown_level(bad: object) -> None:
    with pytest.raises(ValueError):
        level_to_score(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, 85.0, "85"])
def test_value_must_be_int(bad: object) -> None:
    with pytest.raises(ValueError, match="integer"):
        level_to_score("good", bad)  # type: ignore[arg-type]


def test_level_label_is_stripped() -> None:
    assert level_to_score(" 满意 ") == 95


@pytest.mark.parametrize("score", [0, 69, 100])
def test_direct_score_valid(score: int) -> None:
    assert validate_direct_score(score) == score


@pytest.mark.parametrize("bad", [-1, 101, True, False, 80.5, "80", None])
def test_direct_score_invalid(bad: object) -> None:
    with pytest.raises(ValueError):
        validate_direct_score(bad)  # type: ignore[arg-type]


def test_survey_score_prefers_direct_score() -> None:
    assert survey_score(score=88, level="satisfied") == 88
    assert survey_score(level="good", level_value=82) == 82
    assert survey_score(level="良好") == 85
    assert survey_score() is None
    with pytest.raises(ValueError, match="without a level"):
        survey_score(level_value=80)


def test_monthly_satisfaction_excludes_unrated() -> None:
    assert monthly_satisfaction([100, 90, None, 80]) == pytest.approx(90)
    assert monthly_satisfaction([None]) is None
    assert monthly_satisfaction([]) is None
