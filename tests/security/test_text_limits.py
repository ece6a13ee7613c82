# ruff: noqa: F811 - the complaint tests' fixtures, imported by name, are the parameters below
"""Issue #21 item 12: every free text has a length limit (model, form, serializer).

Before, the API took a 1,000,000-character customer remark and a 2,000,000-character crisis
summary. A walk over every form and serializer of the apps fails on a writable text field without
``max_length``; a few representative endpoints answer 400 with a field error and write nothing.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.db import models
from rest_framework import serializers

from crisis.models import CrisisCase
from csat import text_limits
from prevention.models import PreventiveMeasure
from tests.complaints.conftest import _media  # noqa: F401 - fixtures

APPS = ["csat", "intake", "callbacks", "complaints", "prevention", "crisis", "reports", "audit"]
# Serializers that only describe responses (every field is output): nothing is read from a client.
OUTPUT_ONLY = {
    "csat.apis.core.MeSerializer",
    "csat.apis.tokens.TokenOut",
    "complaints.apis.PenaltySerializer",
    "callbacks.apis.surveys.SurveyItemChoiceSerializer",
    "callbacks.apis.surveys.SurveyItemSerializer",
    "callbacks.apis.surveys.SurveyItemListSerializer",
    "complaints.apis.EventSerializer",
    "complaints.apis.AssessmentEventSerializer",
    "complaints.apis.AssessmentRowSerializer",
    "complaints.apis.AssessmentSerializer",
}


def _classes() -> list[type]:
    found: list[type] = []
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "migrations" in info.name or not any(k in info.name for k in ("apis", "forms")):
                continue
            module = importlib.import_module(info.name)
            found += [
                obj
                for obj in vars(module).values()
                if inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and issubclass(obj, (serializers.Serializer, forms.BaseForm))
            ]
    return found


def test_every_writable_text_field_of_every_form_and_serializer_has_a_max_length() -> None:
    missing, walked = [], 0
    for cls in _classes():
        name = f"{cls.__module__}.{cls.__qualname__}"
        if issubclass(cls, serializers.Serializer):
            if name in OUTPUT_ONLY or (
                issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta")
            ):
                continue  # responses only, or the API's ModelSerializer base (csat.apis.fields)
            fields = cls().fields
            for field_name, field in fields.items():
                if isinstance(field, serializers.CharField) and not field.read_only:
                    walked += 1
                    if field.max_length is None:
                        missing.append(f"{name}.{field_name}")
        else:
            for field_name, field in cls.base_fields.items():
                if isinstance(field, forms.CharField):
                    walked += 1
                    if field.max_length is None:
                        missing.append(f"{name}.{field_name}")
    assert walked > 50  # the walk really found the forms and serializers
    assert missing == []


def test_every_text_column_written_from_input_has_a_max_length() -> None:
    """TextFields keep their column type; the limit is a validator (state-only migration)."""
    system_written = {  # texts the application composes (event notes, notification bodies)
        ("complaints", "complaintevent", "note"),
        ("prevention", "measureevent", "note"),
        ("crisis", "crisisevent", "note"),
        ("csat", "notification", "body"),
        ("csat", "delivery", "body"),
    }
    missing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in APPS and not model._meta.label.startswith("audit.Historical")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and field.max_length is None
        and (model._meta.app_label, model._meta.model_name, field.name) not in system_written
    ]
    assert missing == []


@pytest.mark.django_db
def test_customer_remarks_too_long_is_400_and_writes_nothing(api: Any, agent: Any, customer: Any) -> None:
    before = customer.remarks
    response = api(agent).patch(
        f"/api/customers/{customer.pk}/", {"remarks": "长" * (text_limits.NOTE + 1)}, format="json"
    )
    assert response.status_code == 400
    assert "remarks" in response.json()
    customer.refresh_from_db()
    assert customer.remarks == before


@pytest.mark.django_db
def test_crisis_summary_too_long_is_400_and_writes_nothing(api: Any, ccm: Any) -> None:
    body = {"type": "media", "title": "媒体报道", "summary": "长" * (text_limits.TEXT + 1)}
    response = api(ccm).post("/api/crises/", body, format="json")
    assert response.status_code == 400, response.content
    assert "summary" in response.json()
    assert CrisisCase.objects.count() == 0


@pytest.mark.django_db
def test_measure_problem_too_long_is_400_and_writes_nothing(api: Any, agent: Any, business: Any) -> None:
    body = {
        "category": "sales",
        "problem": "长" * (text_limits.TEXT + 1),
        "measure": "加强检查",
        "owner_department": business.pk,
        "due_date": "2026-12-31",
    }
    response = api(agent).post("/api/preventive-measures/", body, format="json")
    assert response.status_code == 400, response.content
    assert "problem" in response.json()
    assert PreventiveMeasure.objects.count() == 0


@pytest.mark.django_db
def test_the_two_million_character_summary_of_the_issue_is_refused_before_the_serializer(
    api: Any, ccm: Any
) -> None:
    """6 MB of JSON: Django's 2.5 MB body cap answers 400 before anything is parsed."""
    body = {"type": "media", "title": "媒体报道", "summary": "长" * 2_000_000}
    response = api(ccm).post("/api/crises/", body, format="json")
    assert response.status_code in (400, 413)
    assert CrisisCase.objects.count() == 0
