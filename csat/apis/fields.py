"""Serializer fields shared by the API modules."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from csat import access
from csat.domain.privacy import mask_mobile


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
