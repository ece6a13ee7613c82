"""The OpenAPI schema class: every operation declares the error statuses the API answers with.

CONTRACT: 400 with field errors for bad input, 403 for a role that may not act (or no session),
404 for what the user may not see, 409 for an action the current state does not allow. Views only
declare their success responses; the errors are added here so none is forgotten.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetail = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})

ERRORS: dict[str, OpenApiResponse] = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: errors by field."),
    "403": OpenApiResponse(ErrorDetail, description="Not signed in, or the role may not do this."),
    "404": OpenApiResponse(ErrorDetail, description="Not found, or not visible to this user."),
    "409": OpenApiResponse(ErrorDetail, description="The current state does not allow this action."),
}
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
REUSED_KEY = OpenApiResponse(ErrorDetail, description="The Idempotency-Key was used with another body.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Optional. A repeat with the same key (24 h, per user) gets the first response again.",
)


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
        if self._takes_idempotency_key() and "422" not in responses:
            responses["422"] = self._get_response_for_code(REUSED_KEY, "422", direction=direction)
        return responses

    def _takes_idempotency_key(self) -> bool:
        """csat.idempotency: every POST of the API except sign-in and sign-out."""
        return self.method == "POST" and not self.path.startswith("/api/auth/")

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._takes_idempotency_key():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters
