"""The grade suggestion on the survey form: the facts the system knows, the agent's observations,
and the labels of the criteria that fired (DOMAIN §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from callbacks.models import SurveyType
from complaints.grades import QUALITY_WINDOW, customer_case_facts
from csat.domain import grading
from csat.grade_labels import CRITERIA_LABELS, OBSERVED_FACTS, criteria_labels
from csat.models import Customer, ServiceVisit

__all__ = [
    "CRITERIA_LABELS",
    "OBSERVED_FACTS",
    "QUALITY_WINDOW",
    "criteria_labels",
    "grade_facts",
    "grade_suggestion",
]


def grade_facts(
    *,
    customer: Customer,
    survey_type: str,
    visit: ServiceVisit | None = None,
    now: dt.datetime | None = None,
    observed: Iterable[str] = (),
) -> dict[str, Any]:
    """The facts the system knows for the grade suggestion (stored with the survey, for audit)."""
    facts = customer_case_facts(
        customer=customer,
        vehicle=visit.vehicle if visit else None,
        now=now,
        service_side=survey_type != SurveyType.SALES,
    )
    if visit is not None and survey_type != SurveyType.SALES:
        facts["parts_backorder_days"] = max(facts.get("parts_backorder_days", 0), visit.parts_backorder_days)
    observed = set(observed)
    if "threatens_exposure" in observed:
        facts["threatens_exposure"] = facts["hostile"] = True
    for key in ("major_quality_issue", "prices_not_transparent", "names_reasons"):
        if key in observed:
            facts[key] = True
    return facts


def grade_suggestion(
    *, facts: Mapping[str, Any], score100: int | None = None, ratings: Mapping[str, int] | None = None
) -> tuple[str, list[str]]:
    return grading.suggest_grade(
        grading.GradeFacts(**facts, score100=score100, ratings=dict(ratings) if ratings else None)
    )
