"""``Idempotency-Key`` on every creating POST of the API (``/api/…``), once for all of them.

A client that may retry (a timeout, a double tap, five workers at once) sends the same key: the
first request is processed and its response stored per user + key; a repeat gets that response
again (``Idempotent-Replayed: true``), a repeat while the first is still running 409, and the same
key with a different body 422. The row is inserted (and committed) before the view runs, so the
database's unique constraint decides between concurrent requests. A 5xx or an exception frees the
key for a retry. Keys expire after ``IDEMPOTENCY_TTL`` (24 h): an older row is replaced lazily.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from csat.models import IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
IDEMPOTENCY_TTL = timedelta(hours=24)
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the IETF draft's examples
EXEMPT = ("/api/auth/",)
NOT_A_RESULT = (401, 403, 429)  # a sign-in or sign-out is not a record to de-duplicate


def _user(request: HttpRequest) -> Any:
    """The API user: the session's, or whoever DRF's authenticators (token) say it is."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    drf_request = Request(request)
    for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            found = authenticator().authenticate(drf_request)  # type: ignore[operator]
        except Exception:  # noqa: BLE001 - a bad credential is the view's to answer (401/403)
            return None
        if found is not None:
            return found[0]
    return None


def _digest(request: HttpRequest) -> str:
    content = hashlib.sha256()
    content.update(request.path.encode())
    content.update(b"\0")
    content.update(request.body)
    return content.hexdigest()


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if request.path.startswith(EXEMPT):
            return self.get_response(request)
        if not _KEY.fullmatch(key):
            return _error(400, _("Idempotency-Key 应为 1–255 个可见 ASCII 字符。"))
        user = _user(request)
        if user is None:
            return self.get_response(request)  # the view refuses it (401/403)
        digest = _digest(request)
        row = self._claim(user, key, digest, request.path)
        if isinstance(row, HttpResponse):
            return row
        try:
            response = self.get_response(request)
        except BaseException:
            row.delete()
            raise
        if (
            response.status_code in NOT_A_RESULT
            or response.status_code >= 500
            or getattr(response, "streaming", False)
        ):
            row.delete()  # not a result (refused sign-in, throttled, failed): a retry may try again
            return response
        row.status_code = response.status_code
        row.content_type = response.get("Content-Type", "")[:100]
        row.body = bytes(response.content)
        row.save(update_fields=["status_code", "content_type", "body"])
        return response

    @staticmethod
    def _claim(user: Any, key: str, digest: str, path: str) -> IdempotencyKey | HttpResponse:
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    return IdempotencyKey.objects.create(
                        user=user, key=key, request_digest=digest, path=path[:300]
                    )
            except IntegrityError:
                pass
            first = IdempotencyKey.objects.filter(user=user, key=key).first()
            if first is None:
                continue  # freed meanwhile (the first failed): try again
            if first.created_at < timezone.now() - IDEMPOTENCY_TTL:
                IdempotencyKey.objects.filter(pk=first.pk, created_at=first.created_at).delete()
                continue
            if first.request_digest != digest:
                return _error(422, _("这个 Idempotency-Key 已用于另一个请求（内容不同），请换一个新的键。"))
            if first.status_code is None:
                response = _error(409, _("同一 Idempotency-Key 的请求正在处理中，请稍后再试。"))
                response["Retry-After"] = "1"
                return response
            replay = HttpResponse(
                bytes(first.body or b""), status=first.status_code, content_type=first.content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        return _error(409, _("同一 Idempotency-Key 的请求正在处理中，请稍后再试。"))


def idempotency_keys_expire(*, now: Any = None) -> int:
    """Delete keys older than the TTL (beat, daily); lazily replaced anyway."""
    now = now or timezone.now()
    return int(IdempotencyKey.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()[0])
