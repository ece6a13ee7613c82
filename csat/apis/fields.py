"""Serializer fields shared by the API modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from rest_framework import serializers

from csat import access
from csat.domain.privacy import mask_mobile
from csat.params import DATE_BOUNDS_MESSAGE, DATETIME_BOUNDS_MESSAGE, MAX_DATE, MIN_DATE, datetime_in_bounds


class BoundedDateTimeField(serializers.DateTimeField):
    """A time within 1900…2999: "0001-01-01T00:00" parses, but DRF's own time-zone check of it
    (turning Shanghai into UTC) overflows into a 500; so does "9999-12-31T23:59-12:00"."""

    default_error_messages = {"bounds": DATETIME_BOUNDS_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.datetime:
        try:
            result = super().to_internal_value(value)
        except OverflowError:
            self.fail("bounds")
        if not datetime_in_bounds(result):
            self.fail("bounds")
        return result


class BoundedDateField(serializers.DateField):
    """A date within 1900…2999, like the pages' ``csat.params.BoundedDateField``."""

    default_error_messages = {"bounds": DATE_BOUNDS_MESSAGE}

    def to_internal_value(self, value: Any) -> dt.date:
        result = super().to_internal_value(value)
        if not MIN_DATE <= result <= MAX_DATE:
            self.fail("bounds")
        return result


class ModelSerializer(serializers.ModelSerializer):
    """The API's model serializer: a model's date and time fields are bounded (see above)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
    }


class MobileField(serializers.CharField):
    """A phone number: written as given, read in full only by those who phone customers.

    The field stays in the response for everyone (CONTRACT.md); only the value is masked.
    """

    def to_representation(self, value: Any) -> str:
        text = super().to_representation(value)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and access.sees_full_mobile(user):
            return text
        return mask_mobile(text)


class MobileListField(serializers.ListField):
    """A list of phone numbers, masked like ``MobileField``."""

    child = serializers.CharField(max_length=20)

    def to_representation(self, data: Any) -> list[str]:
        numbers = super().to_representation(data)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and access.sees_full_mobile(user):
            return numbers
        return [mask_mobile(n) for n in numbers]
