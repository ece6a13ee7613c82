"""One-time form tokens for the pages that create records (survey form, complaint intake).

The form carries a hidden ``form_token`` (``{% form_token %}``, a fresh random value each time the
form is shown). ``one_time_form`` consumes it on submit by inserting a ``FormSubmission`` row (the
unique token decides between concurrent submissions) before the view runs: a double click or a
browser re-post gets the first submission's result page and a clear message instead of a second
record; an invalid form frees the token so the corrected form can be sent. A post without a token
(an old page, a test client) is processed as before.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from csat.models import FormSubmission

FIELD = "form_token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def one_time_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or not request.user.is_authenticated or len(token) > 64:
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                claim = FormSubmission.objects.create(token=token, user=request.user)
        except IntegrityError:
            first = FormSubmission.objects.filter(token=token, user=request.user).first()
            if first is not None and first.result_url:
                messages.info(request, _("这张表单已经提交过，没有重复登记；以下是第一次提交的结果。"))
                return redirect(first.result_url)
            return HttpResponse(
                _("这张表单正在提交或已经提交，请勿重复提交。请返回列表查看结果。"),
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            claim.delete()
            raise
        if response.status_code in (301, 302, 303) and response.get("Location"):
            claim.result_url = response["Location"][:300]
            claim.save(update_fields=["result_url"])
        else:
            claim.delete()  # not done (form errors): the corrected form may use the token
        return response

    return wrapper
