"""The page (or JSON) a user gets when a request fails unexpectedly: a clear message, no traceback.

A database that refuses a write (down, read-only, a constraint) is a 503: the services run in one
transaction each, so nothing of the action was saved, and the message says so.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# A database refusing (DatabaseError) or gone mid-request ("connection already closed" while PostgreSQL
# restarts is an InterfaceError, not a DatabaseError — found by the soak test, issue #21).
DATABASE_FAILURES = (DatabaseError, InterfaceError)


def failure_message(exc: BaseException | None) -> tuple[str, int]:
    if isinstance(exc, DATABASE_FAILURES):
        return _("数据库暂时无法保存，本次操作没有生效，请稍后重试。"), 503
    return _("系统出错，本次操作没有完成，请稍后重试或联系系统管理员。"), 500


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the exception is being handled, so ``sys.exc_info`` names it."""
    message, status = failure_message(sys.exc_info()[1])
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    # No request context: the context processors read the database, which may be what failed.
    html = render_to_string("500.html", {"message": message, "title": _("操作未完成")})
    return HttpResponse(html, status=status)
