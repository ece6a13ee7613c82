"""The page (or JSON) a user gets when a request fails unexpectedly: a clear message, no traceback.

A database that refuses a write (down, read-only, a constraint) is a 503: the services run in one
transaction each, so nothing of the action was saved, and the message says so. A malformed request
(a refused parameter, too many form fields) is a 400 that says what was wrong, in the user's
language, never Django's bare English "Bad Request (400)".

A full disk (``ENOSPC``, or a quota: ``EDQUOT``) is a 503 that says so: the upload's transaction
rolled back and its files were deleted (``csat.uploads.atomic_with_files``), so nothing was saved,
and only an administrator can make room.
"""

from __future__ import annotations

import errno
import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from csat.params import BadParameter

log = logging.getLogger(__name__)

# A database refusing (DatabaseError) or gone mid-request ("connection already closed" while PostgreSQL
# restarts is an InterfaceError, not a DatabaseError — found by the soak test, issue #21).
DATABASE_FAILURES = (DatabaseError, InterfaceError)


# The errors of a storage that has no room left (the disk full, the user's quota used up).
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def storage_full(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in STORAGE_FULL


def failure_message(exc: BaseException | None) -> tuple[str, int]:
    if storage_full(exc):
        return _("服务器存储空间不足，文件未保存，本次操作没有生效。请联系系统管理员。"), 503
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


def bad_request_message(exception: BaseException | None) -> str:
    """What was wrong with the request, in the user's language (only messages of our own or of a
    known kind are shown: another exception's text may say more than the user should read)."""
    if isinstance(exception, BadParameter):
        return _("参数 %(name)s：%(message)s") % {"name": exception.name, "message": exception.message}
    if isinstance(exception, TooManyFieldsSent):
        return _("提交的项目过多（一次最多 %(n)d 项），本次操作没有生效。") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exception, TooManyFilesSent):
        return _("一次上传的文件过多（最多 %(n)d 个），本次操作没有生效。") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    if isinstance(exception, RequestDataTooBig):
        return _("提交的内容过大，本次操作没有生效。")
    return _("请求无效，本次操作没有生效。请检查后重试。")


@requires_csrf_token
def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    """handler400: the app's page (or JSON under /api/) saying what was wrong; nothing was done."""
    message = bad_request_message(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    try:
        return render(request, "400.html", {"message": message, "title": _("请求无效")}, status=400)
    except Exception:  # e.g. a refused Host header read again by the navigation: the plain page
        log.exception("the 400 page could not be rendered")
        html = render_to_string("500.html", {"message": message, "title": _("请求无效")})
        return HttpResponse(html, status=400)
