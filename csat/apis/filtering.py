"""The API's filter sets: a date-time filter in 1900…2999 and an id filter within the database's
integers, so a hostile query ("?received_after=0001-01-01T00:00", "?agent=99999999999999999999")
is a 400 naming the parameter, not a 500 when the query runs."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters import filterset
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import filterset as drf_filterset

from csat.params import MAX_INT, BoundedDateTimeField, DateTimeBoundsMixin


class BoundedIsoDateTimeField(DateTimeBoundsMixin, IsoDateTimeField):
    pass


class DateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedDateTimeField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number from 1 to the database's largest integer."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_INT)
        super().__init__(*args, **kwargs)


def _bounded(defaults: dict[Any, dict[str, Any]], datetime_filter: type) -> dict[Any, dict[str, Any]]:
    bounded = deepcopy(defaults)
    bounded[models.DateTimeField] = {"filter_class": datetime_filter}
    return bounded


class FilterSet(django_filters.FilterSet):
    """Base of the API's declared filter sets (django-filter's, date-time filters bounded)."""

    FILTER_DEFAULTS = _bounded(filterset.FILTER_FOR_DBFIELD_DEFAULTS, DateTimeFilter)


class AutoFilterSet(drf_filterset.FilterSet):
    """Base of the filter sets built from a view's ``filterset_fields`` (ISO date-times, bounded)."""

    FILTER_DEFAULTS = _bounded(drf_filterset.FILTER_FOR_DBFIELD_DEFAULTS, IsoDateTimeFilter)


class FilterBackend(DjangoFilterBackend):
    filterset_base = AutoFilterSet
