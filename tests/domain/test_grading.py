import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csat.domain.grading import (
    CRISIS_TYPES,
    GRADE_ORDER,
    GRADES,
    IDENTITIES,
    IDENTITY_GUIDANCE,
    GradeFacts,
    grade_from_ratings,
    grade_from_score,
    suggest_grade,
)


def test_tables_complete() -> None:
    assert GRADE_ORDER == ("A", "B", "C", "D", "E", "F", "G")
    assert set(GRADES) == set(GRADE_ORDER)
    assert set(IDENTITIES) == {"media", "authority", "lawyer", "public_figure", "taxi_driver", "fleet_batch"}
    assert set(IDENTITY_GUIDANCE) == set(IDENTITIES)
    assert "不做任何明确答复" in IDENTITY_GUIDANCE["lawyer"].zh
    assert "politely" in IDENTITY_GUIDANCE["lawyer"].en
    assert str(IDENTITY_GUIDANCE["media"]) == IDENTITY_GUIDANCE["media"].zh
    assert set(CRISIS_TYPES) == set("abcde")


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "A"),
        (96, "A"),
        (95, "B"),
        (80, "B"),
        (79, "C"),
        (70, "C"),
        (69, "D"),
        (40, "D"),
        (39, "E"),
        (0, "E"),
    ],
)
def test_score_bands(score: int, grade: str) -> None:
    assert grade_from_score(score) == grade
    assert suggest_grade(GradeFacts(score100=score)) == (grade, ["score100"])


@pytest.mark.parametrize(
    ("ratings", "grade"),
    [
        ([9, 9, 9, 9, 9], "A"),
        ([10, 9, 9, 9, 8], "A"),  # mean 9.0
        ([9, 9, 9, 9, 8], "B"),  # mean 8.8
        ([7] * 5, "B"),
        ([7, 7, 7, 7, 6], "C"),
        ([5] * 5, "C"),
        ([3] * 5, "D"),
        ([3, 3, 3, 3, 2], "E"),
    ],
)
def test_ratings_mean_bands(ratings: list[int], grade: str) -> None:
    assert grade_from_ratings(ratings) == grade
    assert suggest_grade(GradeFacts(ratings=ratings)) == (grade, ["ratings_mean"])


def test_ratings_as_mapping_skip_unrated() -> None:
    facts = GradeFacts(ratings={"skill": 9, "attitude": 10, "timeliness": None, "parts": 9, "overall": 9})
    assert suggest_grade(facts) == ("A", ["ratings_mean"])
    assert grade_from_ratings([]) is None


def test_score100_wins_over_ratings() -> None:
    assert suggest_grade(GradeFacts(score100=50, ratings=[10] * 5)) == ("D", ["score100"])


def test_no_data_is_neutral_c() -> None:
    assert suggest_grade(GradeFacts()) == ("C", ["no_data"])
    assert suggest_grade(GradeFacts(ratings={"skill": None})) == ("C", ["no_data"])


def test_g_beats_everything() -> None:
    facts = GradeFacts(crisis_type="d", identity={"lawyer"}, score100=100, names_reasons=True)
    assert suggest_grade(facts) == ("G", ["crisis_type:d"])


def test_f_identity_and_injury() -> None:
    facts = GradeFacts(identity=["taxi_driver", "media"], injury_or_major_loss=True, major_quality_issue=True)
    assert suggest_grade(facts) == ("F", ["identity:media", "identity:taxi_driver", "injury_or_major_loss"])
    assert suggest_grade(GradeFacts(injury_or_major_loss=True)) == ("F", ["injury_or_major_loss"])


def test_e_exposure_needs_hostile_too() -> None:
    assert suggest_grade(GradeFacts(threatens_exposure=True)) == ("C", ["no_data"])
    assert suggest_grade(GradeFacts(hostile=True)) == ("C", ["no_data"])
    assert suggest_grade(GradeFacts(threatens_exposure=True, hostile=True)) == (
        "E",
        ["threatens_exposure_hostile"],
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (GradeFacts(quality_repairs_30d=1), ("C", ["no_data"])),
        (GradeFacts(quality_repairs_30d=2), ("E", ["quality_repairs_30d"])),
        (GradeFacts(monthly_km_during_complaint=299), ("C", ["no_data"])),
        (GradeFacts(monthly_km_during_complaint=300), ("E", ["low_mileage_during_complaint"])),
        (GradeFacts(monthly_km_during_complaint=500), ("E", ["low_mileage_during_complaint"])),
        (GradeFacts(monthly_km_during_complaint=501), ("C", ["no_data"])),
        (GradeFacts(days_open_unsolved=20), ("C", ["no_data"])),
        (GradeFacts(days_open_unsolved=21), ("E", ["days_open_unsolved"])),
        (GradeFacts(major_quality_issue=True), ("E", ["major_quality_issue"])),
        (GradeFacts(parts_backorder_days=3), ("C", ["no_data"])),
        (GradeFacts(parts_backorder_days=4), ("D", ["parts_backorder"])),
        (GradeFacts(skill_delay_days=7), ("C", ["no_data"])),
        (GradeFacts(skill_delay_days=8), ("D", ["skill_delay"])),
        (GradeFacts(prices_not_transparent=True), ("D", ["prices_not_transparent"])),
        (GradeFacts(names_reasons=True), ("D", ["names_reasons"])),
    ],
)
def test_criterion_thresholds(facts: GradeFacts, expected: tuple[str, list[str]]) -> None:
    assert suggest_grade(facts) == expected


def test_criteria_beat_a_good_score_and_share_reasons_on_a_tie() -> None:
    assert suggest_grade(GradeFacts(score100=100, parts_backorder_days=5)) == ("D", ["parts_backorder"])
    # Same grade from both: both reasons.
    assert suggest_grade(GradeFacts(score100=50, names_reasons=True)) == ("D", ["names_reasons", "score100"])
    # A worse score wins over a milder criterion.
    assert suggest_grade(GradeFacts(score100=20, names_reasons=True)) == ("E", ["score100"])


def test_all_e_criteria_listed() -> None:
    facts = GradeFacts(
        threatens_exposure=True,
        hostile=True,
        major_quality_issue=True,
        quality_repairs_30d=3,
        monthly_km_during_complaint=400,
        days_open_unsolved=30,
        skill_delay_days=10,
    )
    assert suggest_grade(facts) == (
        "E",
        [
            "threatens_exposure_hostile",
            "major_quality_issue",
            "quality_repairs_30d",
            "low_mileage_during_complaint",
            "days_open_unsolved",
        ],
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"identity": {"celebrity"}},
        {"crisis_type": "f"},
        {"score100": 101},
        {"score100": True},
        {"ratings": [0, 5]},
        {"ratings": [11]},
        {"quality_repairs_30d": -1},
        {"days_open_unsolved": 2.5},
    ],
)
def test_invalid_facts(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        GradeFacts(**kwargs)


def test_facts_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        GradeFacts(90)  # type: ignore[misc]
    facts = GradeFacts(identity=["lawyer"])
    assert facts.identity == frozenset({"lawyer"})
    with pytest.raises(AttributeError):
        facts.score100 = 5  # type: ignore[misc]


facts_strategy = st.builds(
    GradeFacts,
    score100=st.none() | st.integers(0, 100),
    ratings=st.none() | st.lists(st.integers(1, 10), max_size=5),
    identity=st.frozensets(st.sampled_from(sorted(IDENTITIES))),
    injury_or_major_loss=st.none() | st.booleans(),
    crisis_type=st.none() | st.sampled_from("abcde"),
    threatens_exposure=st.none() | st.booleans(),
    hostile=st.none() | st.booleans(),
    major_quality_issue=st.none() | st.booleans(),
    quality_repairs_30d=st.none() | st.integers(0, 5),
    monthly_km_during_complaint=st.none() | st.integers(0, 3000),
    days_open_unsolved=st.none() | st.integers(0, 60),
    parts_backorder_days=st.none() | st.integers(0, 10),
    skill_delay_days=st.none() | st.integers(0, 14),
    prices_not_transparent=st.none() | st.booleans(),
    names_reasons=st.none() | st.booleans(),
)


@settings(database=None, deadline=None, max_examples=300)
@given(facts_strategy)
def test_suggestion_always_has_grade_and_reasons(facts: GradeFacts) -> None:
    grade, reasons = suggest_grade(facts)
    assert grade in GRADE_ORDER
    assert reasons
    if facts.crisis_type:
        assert grade == "G"
    elif facts.identity or facts.injury_or_major_loss:
        assert grade == "F"
