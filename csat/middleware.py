"""Request id (every request gets an id, in its logs and in X-Request-ID) and input hygiene."""

from __future__ import annotations

from collections.abc import Callable

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
