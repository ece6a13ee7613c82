"""Serializer fields shared by the API modules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS

from csat import access, text_limits
from csat.domain.privacy import mask_mobile
from csat.params import (
    DATE_BOUNDS_MESSAGE,
    DATETIME_BOUNDS_MESSAGE,
    MAX_DATE,
    MAX_INT,
    MIN_DATE,
    datetime_in_bounds,
)


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


class NameField(serializers.CharField):
    """A short name or title (a customer's name, a crisis case's title): format characters taken
    out wherever they stand (``csat.text_limits.clean_name``, as the pages' ``csat.forms.NameField``
    and the import), before DRF's own blank check, so a name of only "\u200b" is blank: refused with
    ``blank_message`` ("请填写客户姓名。") unless ``allow_blank``."""

    def __init__(self, *, blank_message: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if blank_message is not None:
            self.error_messages["blank"] = blank_message

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, str):
            data = text_limits.clean_name(data)
        return super().run_validation(data)


def _as_sent(data: Any) -> str:
    """The value as the client wrote it (JSON), cut short."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text if len(text) <= 30 else f"{text[:29]}…"


class ListManyRelatedField(serializers.ManyRelatedField):
    """``many=True`` of a reference: a JSON array only. DRF's takes anything iterable but a string,
    so ``{}`` was an empty list (a measure linked to no complaint, a survey without reasons) and
    ``{"12": 1}`` the list ["12"]."""

    default_error_messages = {"not_a_list": gettext_lazy("应为列表（JSON 数组），收到的是 {input_type}。")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=_as_sent(data))
        return super().to_internal_value(data)


class _ListOnlyMany:
    """For a related field class: ``many=True`` gives a ``ListManyRelatedField``."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> ListManyRelatedField:
        many = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        child: Any = cls(*args, **kwargs)
        return ListManyRelatedField(child_relation=child, **many)


class PrimaryKeyField(_ListOnlyMany, serializers.PrimaryKeyRelatedField):
    """A reference to a row by its id: a JSON integer, or a string of ASCII digits (a form post).

    DRF hands anything but true/false to the database lookup, which turns it into an integer its own
    way: 1.5 was customer 1 and "９０" (full-width digits) customer 90. Anything else is refused; an
    integer out of the database's range is a row that does not exist."""

    default_error_messages = {"incorrect_type": gettext_lazy("应为记录编号（整数），收到的是 {value}。")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.isascii() and data.isdigit() and len(data) <= 20:
            data = int(data)
        elif isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", value=_as_sent(data))
        if not 0 < data <= MAX_INT:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class SlugField(_ListOnlyMany, serializers.SlugRelatedField):
    """A reference by a code (``many=True``: a JSON array of codes)."""


class ModelSerializer(serializers.ModelSerializer):
    """The API's model serializer: a model's date and time fields are bounded (see above), and a
    reference is an integer id (``PrimaryKeyField``)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
    }
    serializer_related_field = PrimaryKeyField


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
