"""Pages of the survey links.

The customer's page (no sign-in, anonymous by design): the token is the only key; rate-limited per
token and per address; never indexed; Chinese, server-rendered, one small stylesheet, no script.
The staff side: customer care sends a link from the call page, the advisor shows its QR code.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from callbacks import permissions
from callbacks.models import CallbackTask
from csat.exceptions import ApplicationError
from surveylinks import qr, ratelimit, selectors, services, sms
from surveylinks.forms import AnswerForm
from surveylinks.models import LinkChannel, SurveyLink

CLOSED_STATUS = {"invalid": 404, "expired": 410, "revoked": 410, "used": 410, "reached": 409}


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _limited(request: HttpRequest, token: str) -> bool:
    config = services.config()
    per_token, window = config["RATE_PER_TOKEN"]
    per_address, address_window = config["RATE_PER_ADDRESS"]
    token_ok = ratelimit.hit(request, "token", token[:100], limit=int(per_token), window=int(window))
    address_ok = ratelimit.hit(
        request, "address", _client_address(request), limit=int(per_address), window=int(address_window)
    )
    return not (token_ok and address_ok)


def _closed(request: HttpRequest, link: SurveyLink | None, exc: services.LinkClosed) -> HttpResponse:
    context = {
        "title": _("调查链接"),
        "message": exc.message,
        "reason": exc.reason,
        "store": link.store if link else None,
    }
    response = render(request, "surveylinks/closed.html", context, status=CLOSED_STATUS.get(exc.reason, 409))
    return _public(response)


def _card(link: SurveyLink) -> dict[str, Any]:
    vehicle = link.task.vehicle
    return {
        "store": link.store,
        "model": vehicle.model if vehicle else "",
        "plate": selectors.mask_plate(vehicle.plate_display if vehicle else ""),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    with translation.override("zh-hans"):
        if _limited(request, token):
            response = render(
                request,
                "surveylinks/closed.html",
                {"title": _("请稍后再试"), "message": _("请求过于频繁，请稍后再试。"), "reason": "limited"},
                status=429,
            )
            response["Retry-After"] = "60"
            return _public(response)
        now = timezone.now()
        link: SurveyLink | None = None
        try:
            link = services.link_for_token(token)
            services.check_answerable(link, now)
        except services.LinkClosed as exc:
            if exc.reason == "used" and link is not None:
                return redirect("surveylinks:thanks", token=token)
            return _closed(request, link, exc)
        form = AnswerForm(request.POST or None, survey_type=link.task.type)
        if request.method == "POST" and form.is_valid():
            try:
                services.survey_link_answer(token=token, data=form.to_input())
            except services.LinkClosed as exc:
                if exc.reason == "used":  # a double tap: the first tap's survey stands
                    return redirect("surveylinks:thanks", token=token)
                return _closed(request, link, exc)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return redirect("surveylinks:thanks", token=token)
        if request.method == "GET":
            services.survey_link_open(link=link, now=now)
        questions = form.questions
        context = {
            "title": _("服务满意度评价"),
            "form": form,
            "questions": questions,
            "sent_back": form.sent_back(questions) if form.is_bound else [],
            **_card(link),
        }
        return _public(
            render(request, "surveylinks/answer.html", context, status=400 if form.errors else 200)
        )


@never_cache
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    with translation.override("zh-hans"):
        if _limited(request, token):
            return _public(HttpResponse(status=429))
        try:
            link = services.link_for_token(token)
        except services.LinkClosed as exc:
            return _closed(request, None, exc)
        if link.answered_at is None:
            return redirect("surveylinks:answer", token=token)
        context = {"title": _("感谢您的评价"), **_card(link)}
        return _public(render(request, "surveylinks/thanks.html", context))


def _task(request: HttpRequest, pk: int) -> CallbackTask:
    task = CallbackTask.objects.select_related("store", "customer", "vehicle").filter(pk=pk).first()
    if (
        task is None
        or not permissions.can_read(request.user)
        or not permissions.in_store(request.user, task.store_id)
    ):
        raise Http404
    return task


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent's click on the call page or the queue: send the link by SMS (or make a QR code)."""
    task = _task(request, pk)
    if not permissions.can_call(request.user):
        raise PermissionDenied
    channel = request.POST.get("channel") or LinkChannel.SMS
    try:
        link = services.survey_link_invite(task=task, actor=request.user, channel=channel)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("callbacks:call", pk=task.pk)
    if link.channel == LinkChannel.WECHAT:
        return redirect("surveylinks:share", pk=link.pk)
    messages.success(request, _("调查链接已生成，短信将发送给客户。"))
    return redirect("callbacks:call", pk=task.pk)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer-care manager's (or an admin's) button on the call page and the queue: stop the
    task's open links, with a reason (the audit history keeps it). The customer then sees the polite
    "该调查链接已停用" page with the store's phone."""
    task = _task(request, pk)
    if not services.can_revoke(request.user):
        raise PermissionDenied
    back = (
        reverse("callbacks:index")
        if request.POST.get("back") == "queue"
        else reverse("callbacks:call", args=[task.pk])
    )
    try:
        links = services.survey_link_revoke_task(
            task=task, actor=request.user, reason=request.POST.get("reason", "")[:300]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("已停用该任务的 %(n)s 个调查链接。") % {"n": len(links)})
    return redirect(back)


@login_required
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The advisor's handover screen: the QR code and the WeChat text of one link."""
    link = SurveyLink.objects.select_related("store", "task").filter(pk=pk).first()
    if link is None:
        raise Http404
    _task(request, link.task_id)
    if not permissions.can_call(request.user):
        raise PermissionDenied
    url = services.link_url(link)
    context = {
        "title": _("调查二维码"),
        "link": link,
        "url": url,
        "text": services.share_text(link),
        "qr_svg": qr.svg_data_uri(url),
        "back": reverse("callbacks:call", args=[link.task_id]),
    }
    return render(request, "surveylinks/share.html", context)


@csrf_exempt  # the one CSRF-exempt view: the SMS provider posts here, authenticated by a shared secret
@require_POST
def sms_inbound(request: HttpRequest, provider: str) -> HttpResponse:
    """The SMS provider's upstream replies (“回复 TD 退订”): every opt-out word opts the number out.

    403 and nothing recorded without the shared secret (SURVEYLINKS["INBOUND_SECRET"], by
    ``INBOUND_AUTH`` "token" in the URL or "hmac" over the body); 400 for a body that is not the
    provider's format; otherwise the provider's own success answer."""
    adapter = sms.INBOUND.get(provider)
    if adapter is None:
        raise Http404
    config = services.config()
    per_address, window = config["RATE_PER_ADDRESS"]
    if not ratelimit.hit(
        request, "inbound", _client_address(request), limit=int(per_address), window=int(window)
    ):
        return JsonResponse({"error": "too many requests"}, status=429)
    authentic = sms.inbound_authentic(
        body=request.body,
        secret=str(config.get("INBOUND_SECRET") or ""),
        mode=str(config.get("INBOUND_AUTH") or "token"),
        token=request.GET.get("token", ""),
        signature=request.headers.get("X-Csat-Signature", ""),
    )
    if not authentic:
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        replies = adapter.parse_replies(request.body)
    except sms.InboundFormatError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    services.sms_inbound_record(provider=provider, replies=replies)
    return JsonResponse(adapter.REPLY_OK)
