import math
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csat.domain.scoring import (
    DIMENSION_LABELS,
    DIMENSIONS,
    REASON_CODES,
    apply_lifts,
    dimension_score,
    level_distribution,
    lifts_needed,
    needs_reason,
    normalize_ratings,
    overall_score,
    points_short,
    rating_level,
)

# The source's worked example: 38 reached customers rated timeliness 6×1, 7×2, 8×34, 9×1.
EXAMPLE = {6: 1, 7: 2, 8: 34, 9: 1}
EXAMPLE_LIST = [6] + [7] * 2 + [8] * 34 + [9]

ratings_lists = st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=200)
targets = st.integers(min_value=0, max_value=100) | st.sampled_from([79.2, 80.5, 85.25, 90.1, 99.9])


def test_dimensions_and_labels() -> None:
    assert DIMENSIONS == ("skill", "attitude", "timeliness", "parts", "overall")
    assert [DIMENSION_LABELS[d][0] for d in DIMENSIONS] == [
        "服务技能",
        "服务态度",
        "服务及时性",
        "配件供应",
        "服务综合",
    ]
    assert set(REASON_CODES) == set(DIMENSIONS)


def test_worked_example_from_source() -> None:
    assert dimension_score(EXAMPLE) == pytest.approx(79.2, abs=0.05)
    assert dimension_score(EXAMPLE_LIST) == pytest.approx(301 * 10 / 38)
    assert points_short(EXAMPLE, 80) == 3
    assert lifts_needed(EXAMPLE, 80) == 3
    # "very satisfied rises from 2.6 % to 10.5 %"
    before = level_distribution(EXAMPLE)["very_satisfied"].percent
    after = level_distribution(apply_lifts(EXAMPLE, 3))["very_satisfied"].percent
    assert round(before, 1) == 2.6
    assert round(after, 1) == 10.5
    assert dimension_score(apply_lifts(EXAMPLE, 3)) >= 80


@pytest.mark.parametrize(
    ("rating", "level"),
    [
        *[(r, "very_satisfied") for r in (9, 10)],
        *[(r, "satisfied") for r in (7, 8)],
        *[(r, "average") for r in (5, 6)],
        *[(r, "dissatisfied") for r in (3, 4)],
        *[(r, "very_dissatisfied") for r in (1, 2)],
    ],
)
def test_rating_level(rating: int, level: str) -> None:
    assert rating_level(rating) == level


@pytest.mark.parametrize("bad", [0, 11, -1, 7.5, True, "8", None])
def test_rating_out_of_range(bad: object) -> None:
    with pytest.raises(ValueError):
        rating_level(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        dimension_score([8, bad])  # type: ignore[list-item]


def test_needs_reason_at_six_or_below() -> None:
    assert needs_reason(6) and not needs_reason(7)


def test_empty_ratings() -> None:
    assert dimension_score([]) is None
    assert dimension_score({}) is None
    assert dimension_score({8: 0}) is None
    with pytest.raises(ValueError, match="no ratings"):
        points_short([], 80)
    with pytest.raises(ValueError, match="no ratings"):
        lifts_needed({}, 80)


@pytest.mark.parametrize("bad", [{8: -1}, {8: 1.5}, {8: True}, {0: 1}, {"8": 1}])
def test_bad_count_mapping(bad: dict) -> None:
    with pytest.raises(ValueError):
        dimension_score(bad)


def test_text_is_not_ratings() -> None:
    with pytest.raises(ValueError):
        dimension_score("8899")  # type: ignore[arg-type]


def test_overall_score() -> None:
    scores = {"skill": 80.0, "attitude": 90.0, "timeliness": 79.2, "parts": 70.0, "overall": 100.0}
    assert overall_score(scores) == pytest.approx(83.84)
    assert overall_score(list(scores.values())) == pytest.approx(83.84)
    # A dimension nobody rated is left out, not counted as 0.
    assert overall_score({"skill": 80.0, "parts": None}) == 80.0
    with pytest.raises(ValueError, match="at least one"):
        overall_score([])
    with pytest.raises(ValueError, match="at least one"):
        overall_score([None])
    with pytest.raises(ValueError, match="unknown dimension"):
        overall_score({"price": 80.0})
    with pytest.raises(ValueError):
        overall_score([101])
    with pytest.raises(ValueError):
        overall_score([math.nan])


def test_points_short_and_lifts_when_met() -> None:
    assert points_short([8, 8], 80) == 0
    assert lifts_needed([8, 8], 80) == 0
    assert points_short([10], 100) == 0


def test_float_target_boundary_is_exact() -> None:
    # 25 ratings summing to 198 give exactly 79.2; binary floats must not demand 199.
    ratings = {8: 23, 7: 1, 9: 1}  # 184 + 7 + 9 = 200 → 80.0
    assert points_short(ratings, 80.0) == 0
    assert points_short({8: 22, 7: 3}, 79.2) == 1  # 197 of 198
    assert points_short({8: 23, 7: 2}, 79.2) == 0  # 198 of 198


def test_lifts_take_eights_then_sevens() -> None:
    # Needs 5 points: three 8s (+3) then one 7 (+2).
    assert lifts_needed({8: 3, 7: 5, 5: 2}, 74) == 4
    # Impossible: all 7s and 8s moved still short.
    assert lifts_needed({1: 10, 8: 1}, 90) is None
    assert lifts_needed({10: 1, 1: 1}, 90) is None


def test_target_validation() -> None:
    with pytest.raises(ValueError):
        points_short(EXAMPLE, 101)
    with pytest.raises(ValueError):
        points_short(EXAMPLE, -1)
    with pytest.raises(ValueError):
        points_short(EXAMPLE, math.inf)
    with pytest.raises(ValueError):
        points_short(EXAMPLE, "80")  # type: ignore[arg-type]


def test_apply_lifts_validation() -> None:
    with pytest.raises(ValueError, match="cannot lift"):
        apply_lifts(EXAMPLE, 37)
    with pytest.raises(ValueError):
        apply_lifts(EXAMPLE, -1)


def test_level_distribution_shape() -> None:
    dist = level_distribution(EXAMPLE)
    assert list(dist) == ["very_satisfied", "satisfied", "average", "dissatisfied", "very_dissatisfied"]
    assert dist["satisfied"].count == 36
    assert dist["satisfied"].zh == "满意"
    assert sum(s.percent for s in dist.values()) == pytest.approx(100)
    assert all(s.percent == 0.0 for s in level_distribution([]).values())


# --- properties -------------------------------------------------------------------------------


def _meets(ratings: dict[int, int], target: float) -> bool:
    total, n = sum(r * c for r, c in ratings.items()), sum(ratings.values())
    return (
        Fraction(total * 10, n) >= Fraction(repr(target))
        if isinstance(target, float)
        else total * 10 >= target * n
    )


@settings(database=None, deadline=None, max_examples=200)
@given(ratings_lists)
def test_dimension_score_between_10_and_100(ratings: list[int]) -> None:
    score = dimension_score(ratings)
    assert score is not None
    assert 10 <= score <= 100
    assert score == pytest.approx(dimension_score(Counter(ratings)))


@settings(database=None, deadline=None, max_examples=300)
@given(ratings_lists, targets)
def test_points_short_zero_iff_target_met(ratings: list[int], target: float) -> None:
    counts = normalize_ratings(ratings)
    short = points_short(counts, target)
    assert short >= 0
    assert (short == 0) == _meets(counts, target)
    if short:
        # Adding exactly the missing points (spread over anyone) reaches the target; one fewer does not.
        total, n = sum(r * c for r, c in counts.items()), sum(counts.values())
        assert Fraction((total + short) * 10, n) >= Fraction(repr(float(target)))
        assert Fraction((total + short - 1) * 10, n) < Fraction(repr(float(target)))


@settings(database=None, deadline=None, max_examples=300)
@given(ratings_lists, targets)
def test_lifts_needed_is_minimal_in_source_order(ratings: list[int], target: float) -> None:
    counts = normalize_ratings(ratings)
    lifts = lifts_needed(counts, target)
    movable = counts.get(7, 0) + counts.get(8, 0)
    if lifts is None:
        assert not _meets(apply_lifts(counts, movable), target)
        return
    assert 0 <= lifts <= movable
    assert _meets(apply_lifts(counts, lifts), target)
    if lifts:
        assert not _meets(apply_lifts(counts, lifts - 1), target)
    assert (lifts == 0) == (points_short(counts, target) == 0)


@settings(database=None, deadline=None, max_examples=100)
@given(ratings_lists)
def test_distribution_counts_add_up(ratings: list[int]) -> None:
    dist = level_distribution(ratings)
    assert sum(s.count for s in dist.values()) == len(ratings)
    assert sum(s.percent for s in dist.values()) == pytest.approx(100)
