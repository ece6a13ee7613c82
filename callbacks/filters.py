"""Query-parameter filters of the callback lists (API and the work queue page)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from callbacks.models import CallbackTask, Channel, Classification, Grade, Survey, SurveyType, TaskStatus
from csat.apis import filtering


class CallbackTaskFilter(filtering.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices)
    type = django_filters.ChoiceFilter(choices=SurveyType.choices)
    due_after = filtering.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = filtering.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    agent = filtering.IdFilter(method="filter_agent", label=_("回访专员"))

    class Meta:
        model = CallbackTask
        fields = ["store", "status", "type", "customer", "claimed_by", "assigned_to"]

    def filter_agent(self, queryset: QuerySet[CallbackTask], name: str, value: int) -> QuerySet[CallbackTask]:
        return queryset.filter(Q(claimed_by_id=value) | Q(assigned_to_id=value))


class SurveyFilter(filtering.FilterSet):
    type = django_filters.ChoiceFilter(choices=SurveyType.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    classification = django_filters.MultipleChoiceFilter(choices=Classification.choices)
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)
    surveyed_after = filtering.IsoDateTimeFilter(field_name="surveyed_at", lookup_expr="gte")
    surveyed_before = filtering.IsoDateTimeFilter(field_name="surveyed_at", lookup_expr="lt")
    rated = django_filters.BooleanFilter(field_name="score_used", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Survey
        fields = [
            "store",
            "customer",
            "callback",
            "surveyed_by",
            "type",
            "channel",
            "classification",
            "grade",
        ]
