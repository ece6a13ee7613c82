"""Crisis pages: the GM's board, opening a case, the case page with its team, plan, logs and actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crisis import early_warning, forms, selectors, services
from crisis.models import CrisisAction, CrisisCase, LogKind, Phase, Review, WarningSignal
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
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _board(request)


def _board(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    board = selectors.crisis_board(user=request.user)
    closed = (
        selectors.crisis_list(user=request.user).filter(closed_at__isnull=False).order_by("-closed_at")[:20]
    )
    grade = selectors.board_grade(request.GET.get("grade", ""))
    return render(
        request,
        "crisis/board.html",
        {
            "board": board,
            "closed": closed,
            "signals": selectors.pending_signals(user=request.user, grade=grade),
            # The tile that opened the board kept it to one grade: say so, with the way back to all.
            "grade_filter": ""
            if grade is None
            else (_("建议 %(grade)s 级") % {"grade": grade} if grade else _("未定级")),
            "can_open": can_open(request.user),
            "dismiss_reasons": forms.DISMISS_REASONS,
            "title": _("危机事件看板"),
        },
        status=status,
    )


@login_required
@require_POST
def signal_act(request: HttpRequest, signal_id: int, what: str) -> HttpResponse:
    if not can_open(request.user):
        raise PermissionDenied
    # A signal whose record the user may not read (another department's ticket) is not theirs to judge.
    signal = get_object_or_404(
        selectors.readable_signals(WarningSignal.objects.filter(pk=signal_id), user=request.user)
    )
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
                reason=data["reason"],
            )
            messages.success(
                request, _("已发起危机事件 %(n)s，总经理和应急小组已收到通知。") % {"n": crisis.number}
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


@dataclass(frozen=True)
class Tab:
    """One form of the case page's panel: the page shows one at a time, each with its own submit."""

    key: str
    label: str
    heading: str
    form: Any

    @property
    def has_errors(self) -> bool:
        return bool(self.form.is_bound and self.form.errors)


def _tabs(crisis: CrisisCase, bound: dict[str, Any] | None = None) -> list[Tab]:
    """The panel's forms, in the order of the work: phase, team, plan, action, media, log, review."""
    bound = bound or {}
    store_id = crisis.store_id
    allowed = [p for p, _label in Phase.choices if p in CRISIS_PHASE_TRANSITIONS[crisis.phase]]
    tabs = []
    if allowed:
        phase_form = bound.get("phase") or forms.PhaseForm(auto_id=_ids("phase"))
        phase_form.fields["phase"].choices = [(p, Phase(p).label) for p in allowed]  # type: ignore[union-attr]
        tabs.append(Tab("phase", _("阶段"), _("变更阶段"), phase_form))
    tabs += [
        Tab(
            "team",
            _("小组"),
            _("应急小组成员"),
            bound.get("team") or forms.TeamForm(store_id=store_id, auto_id=_ids("team")),
        ),
        Tab(
            "plan",
            _("方案"),
            _("更新方案（保留历史版本）"),
            bound.get("plan") or forms.PlanForm(initial={"text": crisis.plan}, auto_id=_ids("plan")),
        ),
        Tab(
            "action",
            _("行动"),
            _("新增行动项"),
            bound.get("action") or forms.ActionForm(store_id=store_id, auto_id=_ids("action")),
        ),
        Tab(
            "media",
            _("媒体公关"),
            _("媒体/公关记录"),
            bound.get("media") or forms.MediaForm(auto_id=_ids("media")),
        ),
        Tab(
            "log",
            _("协商"),
            _("协商/第三方/法律记录"),
            bound.get("log") or forms.LogForm(auto_id=_ids("log")),
        ),
    ]
    if crisis.phase == Phase.RECOVERY and crisis.review != Review.PENDING:
        tabs.append(
            Tab(
                "review",
                _("总结"),
                _("总结并申请结案"),
                bound.get("review") or forms.ReviewForm(auto_id=_ids("review")),
            )
        )
    return tabs


def _active_tab(tabs: list[Tab], request: HttpRequest, bound: dict[str, Any] | None) -> str:
    """The tab to show: the form that failed, else the one just saved (``?tab=``), else the first."""
    keys = [t.key for t in tabs]
    for wanted in [*(bound or {}), request.GET.get("tab", "")]:
        if wanted in keys:
            return wanted
    return keys[0] if keys else ""


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
    editable = crisis.is_open and can_edit(request.user, crisis)
    tabs = _tabs(crisis, bound) if editable else []
    return render(
        request,
        "crisis/detail.html",
        {
            "crisis": crisis,
            "editable": editable,
            "can_approve": crisis.review == "pending" and can_approve(request.user, crisis),
            "tabs": tabs,
            "active_tab": _active_tab(tabs, request, bound),
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
        result = calls[what]()
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _saved_message(what, data, result))
    # The same tab stays open after the submit (issue #22: one form per panel).
    return redirect(
        reverse("crisis:detail", args=[pk]) + (f"?tab={what}#crisis-panel" if what != "decide" else "")
    )


def _saved_message(what: str, data: dict[str, Any], result: Any) -> str:
    """The flash after a save, saying what was saved (and who was told)."""
    if what == "phase":
        return _("已进入%(p)s，总经理和应急小组已收到通知。") % {"p": Phase(data["phase"]).label}
    if what == "team":
        user = data["user"]
        return _("已将 %(u)s 加入应急小组，本人已收到通知。") % {"u": user.get_full_name() or user.username}
    if what == "plan":
        return _("方案已更新为第 %(v)s 版。") % {"v": result.version}
    if what == "action":
        return _("已新增行动项：%(t)s。") % {"t": data["title"]}
    if what == "media":
        return _("已记录媒体/公关：%(o)s。") % {"o": data["outlet"]}
    if what == "log":
        return _("已记录：%(k)s。") % {"k": LogKind(data["kind"]).label}
    if what == "review":
        return _("总结已提交总经理审批，总经理已收到通知。")
    if data.get("decision") == "approve":
        return _("已批准总结，危机事件已结案。")
    return _("已驳回总结，请应急小组修改后重新提交。")


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
