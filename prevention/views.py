"""Prevention pages: recurring problems → propose in one click, approvals, my measures, verification."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from complaints.models import Category, Complaint
from csat import access
from csat import selectors as csat_selectors
from csat.domain.routing import suggested_department_kind
from csat.exceptions import ApplicationError
from csat.models import Role
from prevention import selectors
from prevention import services as prevention
from prevention.forms import MeasureForm, StepForm
from prevention.models import STEP_LABELS, MeasureStatus

MEASURE_PAGE_ROWS = 50
# The steps whose form takes the GM's comment.
COMMENTED_STEPS = frozenset({"approve", "reject"})


@login_required
@require_safe
def measure_list(request: HttpRequest) -> HttpResponse:
    """Recurring problems, the role's own queue (approve, verify, my department's) and every measure,
    paginated; each queue shows at most a page's worth, oldest due first."""
    measures = selectors.measure_list(user=request.user).order_by("status", "due_date", "pk")
    profile = access.profile_of(request.user)
    is_gm = access.has_role(request.user, Role.GENERAL_MANAGER)
    is_admin = access.has_role(request.user, Role.ADMIN_ASSESSOR)
    department_id = profile.department_id if profile else None
    page = Paginator(measures, MEASURE_PAGE_ROWS).get_page(request.GET.get("page"))
    return render(
        request,
        "prevention/list.html",
        {
            "recurring": selectors.recurring_problems(user=request.user),
            "group_recurring": selectors.recurring_across_group(user=request.user)
            if access.sees_all_stores(request.user)
            else [],
            "page": page,
            "measures": page.object_list,
            "mine": list(measures.filter(owner_department_id=department_id)[:MEASURE_PAGE_ROWS])
            if department_id
            else [],
            "awaiting": list(measures.filter(status=MeasureStatus.AWAITING_APPROVAL)[:MEASURE_PAGE_ROWS])
            if is_gm
            else [],
            "to_verify": list(measures.filter(status=MeasureStatus.DONE)[:MEASURE_PAGE_ROWS])
            if is_admin
            else [],
            "can_propose": prevention.can_propose(request.user),
            "is_gm": is_gm,
            "is_admin": is_admin,
            "title": _("预防措施"),
        },
    )


@login_required
def measure_create(request: HttpRequest) -> HttpResponse:
    if not prevention.can_propose(request.user):
        raise PermissionDenied
    profile = access.profile_of(request.user)
    if profile is None or profile.store is None:
        raise PermissionDenied
    departments = csat_selectors.department_list(user=request.user).filter(store=profile.store)
    category = request.GET.get("category", "")
    cause = request.GET.get("cause", "")
    initial: dict[str, Any] = {"category": category, "cause": cause}
    if category in Category.values:  # a hand-edited link must not crash the page
        kind = suggested_department_kind(category=category, major=False)
        initial["owner_department"] = departments.filter(kind=kind).first()
    form = MeasureForm(request.POST or None, departments=departments, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        linked = []
        if data["cause"]:
            linked = list(
                Complaint.objects.filter(
                    store=profile.store, category=data["category"], cause_code=data["cause"]
                ).order_by("-received_at")[:50]
            )
        try:
            measure = prevention.measure_create(
                actor=request.user, store=profile.store, complaints=linked, **data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("预防措施已提交总经理审批。"))
            return redirect("prevention:measure-detail", pk=measure.pk)
    return render(
        request,
        "prevention/create.html",
        {"form": form, "title": _("提出预防措施")},
        status=400 if form.errors else 200,
    )


def _detail_page(
    request: HttpRequest, pk: int, *, failed: tuple[str, StepForm] | None = None
) -> HttpResponse:
    """The measure's page; ``failed`` (an action and its invalid form) shows that form with its errors
    (a 400)."""
    measure = get_object_or_404(
        selectors.measure_list(user=request.user).prefetch_related("complaints", "events__actor"), pk=pk
    )
    from csat.domain.transitions import MEASURE_TRANSITIONS

    steps = []
    for action, transition in MEASURE_TRANSITIONS.items():
        if measure.status in transition.sources and prevention.can_step(request.user, measure, action):
            form = failed[1] if failed and failed[0] == action else _step_form(action)
            steps.append((action, STEP_LABELS[action], form if action in COMMENTED_STEPS else None))
    # A form whose step the page no longer offers (the state moved on) still says what was wrong.
    step_errors = failed[1] if failed and failed[0] not in {step[0] for step in steps} else None
    complaints, other_complaints = selectors.linked_complaints(user=request.user, measure=measure)
    return render(
        request,
        "prevention/detail.html",
        {
            "measure": measure,
            "steps": steps,
            "step_errors": step_errors,
            "complaints": complaints,
            "other_complaints": other_complaints,
            "effect": selectors.measure_effect(measure=measure),
            "title": _("预防措施"),
        },
        status=400 if failed else 200,
    )


def _step_form(action: str, data: Any = None) -> StepForm:
    # Each step's form has its own element ids (the approve and reject forms share a page).
    return StepForm(data, auto_id=f"id_{action}_%s")


@login_required
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@login_required
@require_POST
def measure_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in STEP_LABELS:
        raise Http404
    measure = get_object_or_404(selectors.measure_list(user=request.user), pk=pk)
    form = _step_form(action, request.POST)
    if not form.is_valid():  # the role first (403), then the input (400); nothing is changed
        if not prevention.can_step(request.user, measure, action):
            raise PermissionDenied(_("您的角色不能执行此操作。"))
        return _detail_page(request, pk, failed=(action, form))
    try:
        prevention.measure_step(
            measure=measure, actor=request.user, action=action, comment=form.cleaned_data["comment"]
        )
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("prevention:measure-detail", pk=pk)
