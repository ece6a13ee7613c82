"""Request id (every request gets an id, in its logs and in X-Request-ID) and input hygiene
(NUL characters, request size)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from csat.observability import request_id_var, sane_request_id


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs some 4xx/5xx responses after the middleware chain
        # returns, and those lines must carry the id too. The next request sets its own.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class NullCharacterMiddleware:
    """A NUL character in the path or query string is a 400, not a database error.

    PostgreSQL text cannot hold NUL, so a filter built from such a parameter fails inside the
    query; forms and serializers already refuse it in bodies, query strings are checked here once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        params = request.GET.lists()
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in vs) for k, vs in params):
            message = _("请求中含有不允许的空字符（NUL），请检查后重试。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is too large with 413, before a byte of it is read.

    Without it, a 300 MB multipart upload was streamed to a temporary file in full before the form
    said "too large". The limit is ``MAX_REQUEST_BYTES`` (an agreement scan and its form), or the
    larger one ``MAX_REQUEST_BYTES_BY_PATH`` gives a path prefix (the DMS import: its 30 MB file
    and the form around it). The reverse proxy enforces the largest one too (docker-compose.yml).
    A body without Content-Length is not read by Django at all, so the header is the whole story.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def limit_for(path: str) -> int:
        for prefix, limit in getattr(settings, "MAX_REQUEST_BYTES_BY_PATH", {}).items():
            if path.startswith(prefix):
                return int(limit)
        return int(settings.MAX_REQUEST_BYTES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body without a valid length
        limit = self.limit_for(request.path)
        if length > limit:
            message = _("上传内容过大（%(size).1f MB），本页面最多接受 %(limit)d MB，未作任何更改。") % {
                "size": length / (1024 * 1024),
                "limit": limit // (1024 * 1024),
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
