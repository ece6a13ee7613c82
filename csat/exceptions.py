"""Business-rule errors and how the API reports them.

Services raise ``ApplicationError`` subclasses; the API turns them into 409 (state forbids it),
403 (role) or 404 (not visible), each with a message in the user's language.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

log = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule the current state forbids (HTTP 409)."""

    status_code: int = status.HTTP_409_CONFLICT

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotAllowedError(ApplicationError):
    """The user's role may not do this (HTTP 403)."""

    status_code: int = status.HTTP_403_FORBIDDEN


class AlreadyExists(ApplicationError):
    """A concurrent request created the same record first (HTTP 409, names the existing one)."""


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from csat.params import BadParameter

    if isinstance(exc, BadParameter):
        return Response({exc.name: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    from csat.errors import DATABASE_FAILURES, failure_message

    if isinstance(exc, DATABASE_FAILURES):
        # The service's transaction rolled back: say so instead of a bare 500.

        log.exception("database refused the request")
        set_rollback()
        message, code = failure_message(exc)
        return Response({"detail": message}, status=code)
    return exception_handler(exc, context)
