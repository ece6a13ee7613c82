"""The OpenAPI schema class: every operation declares the error statuses the API answers with.

CONTRACT: 400 with field errors for bad input, 403 for a role that may not act (or no session),
404 for what the user may not see, 409 for an action the current state does not allow. Views only
declare their success responses; the errors are added here so none is forgotten.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetail = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})

ERRORS: dict[str, OpenApiResponse] = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: errors by field."),
    "403": OpenApiResponse(ErrorDetail, description="Not signed in, or the role may not do this."),
    "404": OpenApiResponse(ErrorDetail, description="Not found, or not visible to this user."),
    "409": OpenApiResponse(ErrorDetail, description="The current state does not allow this action."),
}
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, error in ERRORS.items():
            if code == "409" and self.method in SAFE:
                continue
            if code not in responses:
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses
