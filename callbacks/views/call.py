"""The call page: the customer card beside the attempt and survey forms; the survey's result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.widgets import ChoiceWidget, Widget
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from callbacks import booking, dialing, permissions, selectors, services
from callbacks.forms import AttemptForm, SurveyForm
from callbacks.models import CallbackTask, SurveyType, TaskStatus
from callbacks.views.queue import require_call, require_read, take_next
from complaints import selectors as complaint_selectors
from complaints.guidance import FORBIDDEN_PHRASES, GUIDE_STEPS, THREE_CHANGES
from csat.domain import classification, grading, levels, scoring
from csat.exceptions import ApplicationError
from csat.formtokens import one_time_form

SURVEYABLE = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.UNREACHABLE)


def _task(request: HttpRequest, pk: int) -> CallbackTask:
    try:
        return selectors.callback_task_detail(user=request.user, pk=pk)
    except CallbackTask.DoesNotExist:
        raise Http404 from None


def _grade_preview(task: CallbackTask, form: SurveyForm) -> dict[str, Any]:
    """Suggested grade for what the form holds right now (tolerates half-filled input)."""
    data = form.data
    observed = data.getlist("observed") if hasattr(data, "getlist") else []
    facts = selectors.grade_facts(
        customer=task.customer, survey_type=task.type, visit=task.visit, observed=observed
    )
    score = None
    ratings = None
    try:
        if task.type == SurveyType.FIVE_DIMENSION:
            values = {d: int(data.get(f"rating_{d}") or 0) for d in scoring.DIMENSIONS}
            ratings = {d: v for d, v in values.items() if 1 <= v <= 10} or None
        elif data.get("score") not in (None, ""):
            score = int(data["score"])
        elif data.get("level"):
            value = data.get("level_value")
            score = levels.level_to_score(data["level"], int(value) if value else None)
    except (TypeError, ValueError):
        score, ratings = None, None
    if score is not None and not 0 <= score <= 100:
        score = None
    grade, criteria = selectors.grade_suggestion(facts=facts, score100=score, ratings=ratings)
    return {
        "grade": grade,
        "grade_label": grading.GRADES[grade],
        "criteria": selectors.criteria_labels(criteria),
        **_outcome_preview(task, data, score=score, ratings=ratings),
    }


def _outcome_preview(
    task: CallbackTask, data: Any, *, score: int | None, ratings: dict[str, int] | None
) -> dict[str, Any]:
    """The 100-point score the survey will count and what it will set off (DOMAIN §4: below 70 or
    "unsatisfied" → a dissatisfied ticket to the department; complained outside → a complaint)."""
    if task.type == SurveyType.FIVE_DIMENSION:
        score = (
            int(scoring.overall_score({d: scoring.dimension_score([r]) for d, r in ratings.items()}) + 0.5)
            if ratings and len(ratings) == len(scoring.DIMENSIONS)
            else None
        )
    flag = lambda name: data.get(name) in ("on", "true", "1", "True")  # noqa: E731
    kind = classification.classify_survey(
        score=score,
        is_complaint=flag("complained_externally"),
        is_grievance=flag("grievance"),
        says_unsatisfied=flag("says_unsatisfied"),
        has_remarks=bool((data.get("remarks") or "").strip()),
    )
    departments, default = services.ticket_departments(store_id=task.store_id, survey_type=task.type)
    chosen = str(data.get("ticket_department") or "")
    department = next((d for d in departments if str(d.pk) == chosen), None) or default
    name = department.name if department is not None else "—"
    outcomes = {
        # Only a complaint to the manufacturer, media or government is one: major, the GM told at
        # once (DOMAIN §9 "The GM's gate").
        classification.COMPLAINT: _("将生成重大投诉工单，由客户部登记派单，并立即通知总经理"),
        classification.DISSATISFIED: _("将生成回访不满意工单，派往 %(dept)s") % {"dept": name},
        classification.GRIEVANCE: _("将生成抱怨工单，派往 %(dept)s") % {"dept": name},
    }
    return {"score_used": score, "outcome": outcomes.get(kind, _("不生成工单")), "classification": kind}


def _page(
    request: HttpRequest,
    task: CallbackTask,
    *,
    attempt_form: AttemptForm | None = None,
    survey_form: SurveyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    survey = getattr(task, "survey", None)
    can_call = permissions.can_call(request.user)
    surveyable = can_call and survey is None and task.status in SURVEYABLE
    survey_form = survey_form or SurveyForm(
        survey_type=task.type,
        initial={"channel": task.suggested_channel},
        **_ticket_departments(task),
    )
    attempt_form = attempt_form or AttemptForm()
    attemptable = can_call and task.is_open and task.expires_at > timezone.now()
    # Keyboard first: the cursor starts where the agent's next input goes.
    first: str | None = next(iter(f for f in ("score", "rating_skill") if f in survey_form.fields), None)
    if survey_form.is_bound and survey_form.errors:  # after a failed submit: the first error
        first = survey_form.first_error() or first
    if (task.reached_at or survey_form.is_bound) and first:
        _autofocus(survey_form.fields[first].widget)
    else:
        _autofocus(attempt_form.fields["outcome"].widget)
    context = {
        "task": task,
        "survey": survey,
        "customer": task.customer,
        "card": selectors.customer_panel(customer=task.customer, user=request.user),
        "can_call": can_call,
        "attemptable": attemptable,
        "presets": booking.presets(now=timezone.now(), hours=booking.Hours.load()) if attemptable else [],
        "can_dial": attemptable and dialing.enabled(),
        # After a failed call the task waits (the queue and "领取下一个任务" pass it over) until then.
        "next_try_at": selectors.task_next_try_at(task),
        # The CTI dials of the task (its timeline's "dial" events; the attempts list the outcomes).
        "dials": [e for e in task.events.all() if e.action == "dial"],
        "surveyable": surveyable,
        "attempt_form": attempt_form,
        "survey_form": survey_form,
        "preview": _grade_preview(task, survey_form) if surveyable else None,
        "guide_steps": GUIDE_STEPS,
        "forbidden_phrases": FORBIDDEN_PHRASES,
        "three_changes": THREE_CHANGES,
        "title": _("回访：%(name)s") % {"name": task.customer.name},
    }
    return render(request, "callbacks/call.html", context, status=status)


@login_required
@require_safe
def call(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request)
    return _page(request, _task(request, pk))


@login_required
@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    require_call(request)
    task = _task(request, pk)
    form = AttemptForm(request.POST)
    preset = request.POST.get("preset")
    if preset:  # a quick booked time pressed without script: fill it in, save nothing yet
        form.fill_preset(preset)
        return _page(request, task, attempt_form=form, status=400 if form.errors else 200)
    if not form.is_valid():
        return _page(request, task, attempt_form=form, status=400)
    try:
        logged = services.call_attempt_log(task=task, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _page(request, _task(request, pk), attempt_form=form, status=409)
    messages.success(request, _("已记录：%(outcome)s。") % {"outcome": logged.get_outcome_display()})
    task = logged.task
    if task.status == TaskStatus.UNREACHABLE:
        messages.warning(request, _("客户无法联系，任务已标记为“无法联系”，建议改用信访或现场调查。"))
    if task.status == TaskStatus.IN_PROGRESS and task.claimed_by_id == request.user.pk:
        return redirect(reverse("callbacks:call", args=[task.pk]) + "#survey")
    if request.POST.get("then") == "next":  # 保存并领取下一个: no stop at the queue between calls
        return take_next(request, {})
    return redirect("callbacks:index")


@login_required
@require_POST
def dial(request: HttpRequest, pk: int) -> HttpResponse:
    """Click-to-dial (issue #22): the CTI rings the agent's extension, then the customer; the task's
    timeline records the dial. From the queue the task is taken first; back on the call page either
    way, where the agent records the outcome. A failure says why and changes nothing."""
    require_call(request)
    task = _task(request, pk)
    try:
        services.call_dial(task=task, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        if request.POST.get("back") == "queue":
            return redirect("callbacks:index")
        return redirect("callbacks:call", pk=task.pk)
    messages.success(request, _("已通过呼叫中心拨打 %(name)s，请接听分机。") % {"name": task.customer.name})
    return redirect(reverse("callbacks:call", args=[task.pk]) + "#attempt-heading")


@login_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    require_call(request)
    task = _task(request, pk)
    try:
        services.callback_task_release(task=task, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("callbacks:call", pk=pk)
    return redirect("callbacks:index")


def _ticket_departments(task: CallbackTask) -> dict[str, Any]:
    """The departments a dissatisfied or grievance ticket of this survey may go to, and the rules'
    default (DOMAIN §9, issue #18)."""
    departments, default = services.ticket_departments(store_id=task.store_id, survey_type=task.type)
    return {"departments": departments, "default_department": default}


@login_required
@require_POST
@one_time_form  # a double submit gets the first survey, not a second one
def survey_submit(request: HttpRequest, pk: int) -> HttpResponse:
    require_call(request)
    task = _task(request, pk)
    form = SurveyForm(request.POST, survey_type=task.type, **_ticket_departments(task))
    if not form.is_valid():
        return _page(request, task, survey_form=form, status=400)
    try:
        survey = services.survey_submit(
            actor=request.user,
            data=form.to_input(),
            callback=task,
            grade=form.cleaned_data.get("grade") or None,
            grade_override_reason=form.cleaned_data.get("grade_override_reason") or "",
            ticket_department=form.cleaned_data.get("ticket_department"),
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _page(request, task, survey_form=form, status=400)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _page(request, _task(request, pk), survey_form=form, status=409)
    return redirect("callbacks:survey", pk=survey.pk)


@login_required
@require_POST
def grade_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the suggested grade and the criteria that fired, as the agent fills the form."""
    require_read(request)
    task = _task(request, pk)
    form = SurveyForm(request.POST, survey_type=task.type)
    return render(request, "callbacks/partials/_grade.html", {"preview": _grade_preview(task, form)})


@login_required
@require_safe
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_read(request)
    survey = get_object_or_404(selectors.survey_list(user=request.user), pk=pk)
    return render(
        request,
        "callbacks/survey_detail.html",
        {
            "survey": survey,
            "criteria": selectors.criteria_labels(survey.grade_criteria),
            "items": selectors.survey_answers(survey),
            "ratings": selectors.survey_ratings(survey),
            # A department manager reads surveys of every department, not their tickets.
            "can_open_ticket": bool(survey.complaint_id)
            and bool(complaint_selectors.openable_ticket_ids(request.user, [survey.complaint_id])),
            "can_call": permissions.can_call(request.user),
            "title": _("调查结果"),
        },
    )


def _autofocus(widget: Widget) -> None:
    """The cursor's start. A radio or checkbox group takes it on its first option only: the attribute
    on every option is invalid HTML (one autofocus per page) and screen readers announce each."""
    widget.attrs["autofocus"] = True
    if isinstance(widget, ChoiceWidget):
        render_option = widget.create_option

        def create_option(*args: Any, **kwargs: Any) -> dict[str, Any]:
            option = render_option(*args, **kwargs)
            if option["index"] not in ("0", "0_0"):
                option["attrs"] = {k: v for k, v in option["attrs"].items() if k != "autofocus"}
            return option

        widget.create_option = create_option  # type: ignore[method-assign]
