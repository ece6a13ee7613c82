"""Crisis pages: the GM's board, opening a case, the case page with its team, plan, logs and actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crisis import early_warning, forms, selectors, services
from crisis.models import CrisisAction, CrisisCase, Phase, WarningSignal
from crisis.permissions import can_approve, can_attach, can_edit, can_open, can_remove_attachment
from csat import access
from csat.domain.crisis import PHASE_GUIDANCE, PRINCIPLES
from csat.domain.identifiers import looks_like_mobile, normalize_mobile
from csat.domain.transitions import CRISIS_PHASE_TRANSITIONS
from csat.exceptions import ApplicationError
from csat.forms import AttachmentForm
from csat.models import Customer
from csat.uploads import attachment_max_bytes


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _board(request)


def _board(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    board = selectors.crisis_board(user=request.user)
    closed = (
        selectors.crisis_list(user=request.user).filter(closed_at__isnull=False).order_by("-closed_at")[:20]
    )
    return render(
        request,
        "crisis/board.html",
        {
            "board": board,
            "closed": closed,
            "signals": selectors.pending_signals(
                user=request.user, grade=request.GET.get("grade", "")[:1].upper() or None
            ),
            "can_open": can_open(request.user),
            "title": _("危机事件看板"),
        },
        status=status,
    )


@login_required
@require_POST
def signal_act(request: HttpRequest, signal_id: int, what: str) -> HttpResponse:
    if not can_open(request.user):
        raise PermissionDenied
    signal = get_object_or_404(access.scope_to_user(WarningSignal.objects.all(), request.user), pk=signal_id)
    if what not in ("open", "dismiss"):
        raise Http404
    form = forms.SignalDecisionForm(request.POST)
    if not form.is_valid():  # a reason is required either way (issue #22): nothing changes
        messages.error(request, _("请填写一句原因后再确认。"))
        return _board(request, status=400)
    reason = form.cleaned_data["reason"]
    if what == "open":
        crisis = early_warning.signal_open_crisis(signal=signal, actor=request.user, reason=reason)
        messages.success(request, _("已建立危机事件 %(n)s。") % {"n": crisis.number})
        return redirect("crisis:detail", pk=crisis.pk)
    try:
        early_warning.signal_dismiss(signal=signal, actor=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _board(request, status=409)
    messages.success(request, _("预警已排除。"))
    return redirect("crisis:index")


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not can_open(request.user):
        raise PermissionDenied
    form = forms.OpenForm(request.POST or None)
    profile = access.profile_of(request.user)
    store = profile.store if profile is not None else None
    if request.method == "POST" and form.is_valid() and store is not None:
        data = form.cleaned_data
        customer = None
        if data["mobile"]:
            if not looks_like_mobile(data["mobile"]):
                form.add_error("mobile", _("请输入 11 位大陆手机号。"))
            else:
                customer = Customer.objects.filter(
                    store=store, mobile=normalize_mobile(data["mobile"])
                ).first()
                if customer is None:
                    form.add_error("mobile", _("本门店没有该手机号的客户。"))
        if not form.errors:
            crisis = services.crisis_open(
                actor=request.user,
                store=store,
                type=data["type"],
                title=data["title"],
                summary=data["summary"],
                customer=customer,
            )
            return redirect("crisis:detail", pk=crisis.pk)
    return render(
        request,
        "crisis/create.html",
        {"form": form, "title": _("发起危机事件")},
        status=400 if form.errors else 200,
    )


def _case(request: HttpRequest, pk: int) -> CrisisCase:
    try:
        return selectors.crisis_detail(user=request.user, pk=pk)
    except CrisisCase.DoesNotExist:
        raise Http404 from None


def _ids(what: str) -> str:
    """Element ids per form: the case page shows several forms sharing field names ("text", "note"),
    and a label[for] must point at its own form's control."""
    return f"id_{what}_%s"


def _forms(crisis: CrisisCase, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    bound = bound or {}
    store_id = crisis.store_id
    allowed = [p for p, _label in Phase.choices if p in CRISIS_PHASE_TRANSITIONS[crisis.phase]]
    phase_form = bound.get("phase") or forms.PhaseForm(auto_id=_ids("phase"))
    phase_form.fields["phase"].choices = [(p, Phase(p).label) for p in allowed]  # type: ignore[union-attr]
    return {
        "phase": phase_form if allowed else None,
        "team": bound.get("team") or forms.TeamForm(store_id=store_id, auto_id=_ids("team")),
        "plan": bound.get("plan") or forms.PlanForm(initial={"text": crisis.plan}, auto_id=_ids("plan")),
        "log": bound.get("log") or forms.LogForm(auto_id=_ids("log")),
        "media": bound.get("media") or forms.MediaForm(auto_id=_ids("media")),
        "action": bound.get("action") or forms.ActionForm(store_id=store_id, auto_id=_ids("action")),
        "review": (bound.get("review") or forms.ReviewForm(auto_id=_ids("review")))
        if crisis.phase == Phase.RECOVERY
        else None,
    }


def attachment_context(
    request: HttpRequest, crisis: CrisisCase, bound: dict[str, Any] | None
) -> dict[str, Any]:
    """Issue #22: the case's attachments (removed ones only in the history) and the upload form."""
    user = request.user
    return {
        "attachments": [
            (a, can_remove_attachment(user, crisis, a))
            for a in crisis.attachments.filter(deleted_at__isnull=True).select_related("uploaded_by")
        ],
        "can_attach": can_attach(user, crisis),
        "attachment_form": (bound or {}).get("attachment") or AttachmentForm(auto_id="id_attachment_%s"),
        "attachment_max_mb": attachment_max_bytes() // (1024 * 1024),
    }


@login_required
def detail(
    request: HttpRequest, pk: int, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    crisis = _case(request, pk)
    return render(
        request,
        "crisis/detail.html",
        {
            "crisis": crisis,
            "editable": crisis.is_open and can_edit(request.user, crisis),
            "can_approve": crisis.review == "pending" and can_approve(request.user, crisis),
            "forms": _forms(crisis, bound),
            "decision_form": forms.DecisionForm(auto_id=_ids("decide")),
            **attachment_context(request, crisis, bound),
            "guidance": PHASE_GUIDANCE[crisis.phase],
            "principles": PRINCIPLES,
            "title": crisis.number,
        },
        status=status,
    )


@login_required
@require_POST
def act(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    crisis = _case(request, pk)
    user = request.user
    store_id = crisis.store_id
    builders: dict[str, Any] = {
        "phase": lambda: forms.PhaseForm(request.POST, auto_id=_ids("phase")),
        "team": lambda: forms.TeamForm(request.POST, store_id=store_id, auto_id=_ids("team")),
        "plan": lambda: forms.PlanForm(request.POST, auto_id=_ids("plan")),
        "log": lambda: forms.LogForm(request.POST, auto_id=_ids("log")),
        "media": lambda: forms.MediaForm(request.POST, auto_id=_ids("media")),
        "action": lambda: forms.ActionForm(request.POST, store_id=store_id, auto_id=_ids("action")),
        "review": lambda: forms.ReviewForm(request.POST, auto_id=_ids("review")),
        "decide": lambda: forms.DecisionForm(request.POST, auto_id=_ids("decide")),
    }
    if what not in builders:
        raise Http404
    form = builders[what]()
    if what == "phase":
        form.fields["phase"].choices = Phase.choices  # type: ignore[attr-defined]
    if not form.is_valid():
        return detail(request, pk, bound={what: form}, status=400)
    data = form.cleaned_data
    calls = {
        "phase": lambda: services.crisis_change_phase(
            crisis=crisis, actor=user, phase=data["phase"], reason=data["reason"]
        ),
        "team": lambda: services.crisis_team_set(crisis=crisis, actor=user, **data),
        "plan": lambda: services.crisis_plan_update(crisis=crisis, actor=user, text=data["text"]),
        "log": lambda: services.crisis_log_add(crisis=crisis, actor=user, **data),
        "media": lambda: services.crisis_media_add(crisis=crisis, actor=user, **data),
        "action": lambda: services.crisis_action_add(crisis=crisis, actor=user, **data),
        "review": lambda: services.crisis_review_submit(crisis=crisis, actor=user, **data),
        "decide": lambda: services.crisis_review_decide(
            crisis=crisis, actor=user, approve=data["decision"] == "approve", comment=data["comment"]
        ),
    }
    try:
        calls[what]()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
    else:
        messages.success(request, _("已保存。"))
    return redirect("crisis:detail", pk=pk)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    crisis = _case(request, pk)
    action = get_object_or_404(CrisisAction, pk=action_id, crisis=crisis)
    try:
        services.crisis_action_done(action=action, actor=request.user)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from exc
    return redirect("crisis:detail", pk=pk)
