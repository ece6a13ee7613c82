import pytest

from csat.domain.classification import (
    CLASSIFICATIONS,
    MAJOR_CRITERIA,
    classify_survey,
    complaint_rate_per_mille,
    complaint_severity,
    validity,
)


@pytest.mark.parametrize(
    ("score", "remarks", "expected"),
    [
        (69, False, "dissatisfied"),
        (69, True, "dissatisfied"),
        (70, False, "none"),
        (70, True, "at_risk_opinion"),
        (79, True, "at_risk_opinion"),
        (80, True, "opinion"),
        (80, False, "none"),
        (100, True, "opinion"),
        (0, False, "dissatisfied"),
        (None, True, "opinion"),
        (None, False, "none"),
    ],
)
def test_score_boundaries(score: int | None, remarks: bool, expected: str) -> None:
    assert classify_survey(score=score, has_remarks=remarks) == expected


def test_precedence() -> None:
    everything = {"is_complaint": True, "is_grievance": True, "says_unsatisfied": True, "has_remarks": True}
    assert classify_survey(score=10, **everything) == "complaint"
    assert (
        classify_survey(score=95, says_unsatisfied=True, is_grievance=True, has_remarks=True)
        == "dissatisfied"
    )
    assert classify_survey(score=95, is_grievance=True, has_remarks=True) == "grievance"
    assert classify_survey(score=60, is_grievance=True) == "dissatisfied"
    assert classify_survey(is_grievance=True) == "grievance"


def test_all_results_known() -> None:
    assert set(CLASSIFICATIONS) == {
        "complaint",
        "dissatisfied",
        "grievance",
        "opinion",
        "at_risk_opinion",
        "none",
    }


@pytest.mark.parametrize("bad", [101, -1, True, "80", float("nan")])
def test_bad_score(bad: object) -> None:
    with pytest.raises(ValueError):
        classify_survey(score=bad)  # type: ignore[arg-type]


def test_validity_thresholds_inclusive() -> None:
    v = validity(100, 50, 30)
    assert v.reach_rate == 0.5 and v.survey_rate == 0.6
    assert v.reach_ok and v.survey_ok and v.valid
    v = validity(100, 49, 30)
    assert not v.reach_ok and v.survey_ok and not v.valid
    v = validity(5, 5, 3)  # exactly 60 %, no float slip
    assert v.survey_ok
    assert not validity(5, 5, 2).survey_ok


def test_validity_zero_denominators() -> None:
    v = validity(0, 0, 0)
    assert v.reach_rate is None and v.survey_rate is None and v.valid
    v = validity(10, 0, 0)
    assert v.reach_rate == 0 and v.survey_rate is None
    assert not v.reach_ok and v.survey_ok and not v.valid


def test_validity_custom_thresholds_and_errors() -> None:
    assert not validity(100, 60, 40, reach_min=0.7).reach_ok
    with pytest.raises(ValueError):
        validity(-1, 0, 0)
    with pytest.raises(ValueError):
        validity(10, 5, 3, survey_min=1.5)


def test_complaint_rate() -> None:
    assert complaint_rate_per_mille(2, 4000) == 0.5
    assert complaint_rate_per_mille(1, 0) is None


def test_complaint_severity() -> None:
    assert complaint_severity([]) == "general"
    assert complaint_severity(["safety"]) == "major"
    assert set(MAJOR_CRITERIA) >= {"compensation", "safety", "outside_parties"}
    with pytest.raises(ValueError):
        complaint_severity(["boredom"])
    with pytest.raises(ValueError):
        complaint_severity("safety")
