"""The survey form's level choices are named in the page language (the domain carries zh and en)."""

from __future__ import annotations

from django.utils import translation

from callbacks.forms import SurveyForm
from callbacks.models import SurveyType


def level_choices(lang: str) -> dict[str, str]:
    with translation.override(lang):
        form = SurveyForm(survey_type=SurveyType.SALES)
        return {str(key): str(label) for key, label in form.fields["level"].choices}  # type: ignore[attr-defined]


def test_levels_in_chinese() -> None:
    choices = level_choices("zh-hans")
    assert choices["average"] == "一般（70–80）"
    assert choices["very_satisfied"] == "非常满意（100）"


def test_levels_in_english() -> None:
    choices = level_choices("en")
    assert choices["average"] == "Average (70–80)"
    assert choices["very_satisfied"] == "Very satisfied (100)"
    assert choices["very_dissatisfied"] == "Very dissatisfied (0–20)"
