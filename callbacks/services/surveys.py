"""Logging a survey: validate per type, compute the score, classification and grade, close the loop.

One transaction: the survey, its ticket (when the classification calls for one) and the task's
completion are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks import selectors
from callbacks.models import (
    LINK_CHANNELS,
    CallAttempt,
    CallbackTask,
    Channel,
    CloseReason,
    Grade,
    Outcome,
    ReasonCode,
    Survey,
    SurveyType,
)
from callbacks.services.calls import (
    check_workable,
    event_write,
    figures_changed,
    require_caller,
    task_lock,
    transition,
)
from callbacks.services.closed_loop import survey_ticket_create
from callbacks.survey_items import validate_items
from csat.domain import classification, levels, scoring
from csat.events import customer_words_recorded
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Customer, Department, Vehicle

__all__ = ["SurveyInput", "survey_evaluate", "survey_submit", "survey_submit_by_customer"]


@dataclass(kw_only=True)
class SurveyInput:
    """What the agent entered. Validated by :func:`survey_evaluate`."""

    type: str
    channel: str = Channel.PHONE
    score: int | None = None
    level: str = ""
    level_value: int | None = None
    not_rated_reason: str = ""
    ratings: Mapping[str, int] = field(default_factory=dict)
    reason_codes: Iterable[str] = ()
    items: Mapping[str, Any] = field(default_factory=dict)
    remarks: str = ""
    complained_externally: bool = False
    says_unsatisfied: bool = False
    grievance: bool = False
    observed: Iterable[str] = ()


@dataclass
class Evaluation:
    score_used: int | None
    level: str
    classification: str
    reason_codes: list[ReasonCode]


def _score(data: SurveyInput, errors: dict[str, Any]) -> int | None:
    """The overall 100-point score of a sales/after-sales survey, or None (not rated)."""
    if data.ratings:
        errors["ratings"] = _("只有五维度调查填写十分制评分。")
    if data.score is not None and data.level:
        errors["level"] = _("满意度分数和满意度等级只填写一项。")
        return None
    if data.level_value is not None and not data.level:
        errors["level_value"] = _("填写等级内分数时请先选择满意度等级。")
        return None
    try:
        if data.score is not None:
            return levels.validate_direct_score(data.score)
        if data.level:
            return levels.level_to_score(data.level, data.level_value)
    except ValueError:
        if data.score is not None:
            errors["score"] = _("满意度分数必须是 0–100 的整数。")
        elif data.level not in levels.LEVELS_BY_KEY and data.level not in {lv.zh for lv in levels.LEVELS}:
            errors["level"] = _("未知的满意度等级。")
        else:
            lvl = levels.get_level(data.level)
            errors["level_value"] = _("“%(level)s”的分数范围是 %(min)s–%(max)s 分。") % {
                "level": lvl.zh,
                "min": lvl.min,
                "max": lvl.max,
            }
    return None


def _five_dimension_score(data: SurveyInput, codes: list[ReasonCode], errors: dict[str, Any]) -> int | None:
    if data.score is not None or data.level:
        errors["score"] = _("五维度调查按五个维度的十分制评分计算，不填写百分制分数或等级。")
    if not data.ratings:
        return None
    unknown = set(data.ratings) - set(scoring.DIMENSIONS)
    missing = [d for d in scoring.DIMENSIONS if data.ratings.get(d) in (None, "")]
    if unknown or missing:
        errors["ratings"] = _(
            "请为五个维度（服务技能、服务态度、服务及时性、配件供应、服务综合）各打 1–10 分。"
        )
        return None
    ratings: dict[str, int] = {}
    for dim in scoring.DIMENSIONS:
        value = data.ratings[dim]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            errors["ratings"] = _("每个维度的评分必须是 1–10 的整数。")
            return None
        ratings[dim] = value
    have = {code.dimension for code in codes}
    low = [
        str(scoring.DIMENSION_LABELS[d][0])
        for d in scoring.DIMENSIONS
        if scoring.needs_reason(ratings[d]) and d not in have
    ]
    if low:
        errors["reason_codes"] = _("评分 6 分及以下的维度必须选择低分原因：%(dims)s") % {
            "dims": "、".join(low)
        }
    overall = scoring.overall_score({d: scoring.dimension_score([r]) for d, r in ratings.items()})
    return int(overall + 0.5)  # the five ratings × 10 averaged: half-points round up


def survey_evaluate(data: SurveyInput) -> Evaluation:
    """Validate the entry (ValidationError with field errors) and compute score and classification."""
    errors: dict[str, Any] = {}
    if data.type not in SurveyType.values:
        raise ValidationError({"type": _("未知的调查类型。")})
    if data.channel not in Channel.values:
        errors["channel"] = _("未知的调查方式。")
    codes_wanted = list(dict.fromkeys(data.reason_codes))
    codes = list(ReasonCode.objects.filter(code__in=codes_wanted, active=True))
    if len(codes) != len(codes_wanted):
        errors["reason_codes"] = _("低分原因无效或已停用。")
    if data.type == SurveyType.FIVE_DIMENSION:
        score_used = _five_dimension_score(data, codes, errors)
    else:
        score_used = _score(data, errors)
        if codes:
            errors["reason_codes"] = _("低分原因只用于五维度调查。")
    for key, message in validate_items(data.type, data.items).items():
        errors[f"items.{key}"] = message  # flat keys: the form puts each under its own control
    rated = score_used is not None or bool(data.ratings) or data.score is not None or bool(data.level)
    if not rated and not data.not_rated_reason.strip():
        errors["not_rated_reason"] = _("客户未评分时，请记录未评分的原因。")
    if rated and data.not_rated_reason.strip():
        errors["not_rated_reason"] = _("客户已评分，不需要填写未评分原因。")
    unknown_observed = set(data.observed) - set(selectors.OBSERVED_FACTS)
    if unknown_observed:
        errors["observed"] = _("未知的定级事实。")
    if errors:
        raise ValidationError(errors)
    return Evaluation(
        score_used=score_used,
        level=levels.get_level(data.level).key if data.level else "",
        classification=classification.classify_survey(
            score=score_used,
            is_complaint=data.complained_externally,
            is_grievance=data.grievance,
            says_unsatisfied=data.says_unsatisfied,
            has_remarks=bool(data.remarks.strip()),
        ),
        reason_codes=codes,
    )


def _target(
    *, actor: Any, callback: CallbackTask | int | None, customer: Customer | None, now: dt.datetime
) -> tuple[CallbackTask | None, Customer, Vehicle | None]:
    if callback is None:
        if customer is None:
            raise ValidationError({"customer": _("请选择回访任务或客户。")})
        if not actor.is_superuser and customer.store_id != getattr(actor.profile, "store_id", None):
            raise NotAllowedError(_("不能为其他门店的客户登记调查。"))
        return None, customer, customer.vehicles.order_by("-id").first()
    task = task_lock(callback, actor=actor)
    if Survey.objects.filter(callback=task).exists():
        raise ApplicationError(_("该回访任务已登记过调查。"))
    transition(task, "survey")  # 409 unless pending, in progress or unreachable
    if task.is_open:
        check_workable(task, actor, now)
    elif task.customer.do_not_contact:
        raise ApplicationError(_("该客户已设置勿扰，不能回访。"))
    return task, task.customer, task.vehicle


@transaction.atomic
def survey_submit(
    *,
    actor: Any,
    data: SurveyInput,
    callback: CallbackTask | int | None = None,
    customer: Customer | None = None,
    grade: str | None = None,
    grade_override_reason: str = "",
    at: dt.datetime | None = None,
    ticket_department: Department | None = None,
) -> Survey:
    """Record a survey of a callback task (or of a customer directly) and act on its outcome.

    ``grade`` None confirms the suggested grade; another grade needs ``grade_override_reason``.
    """
    require_caller(actor)
    if data.channel in LINK_CHANNELS:
        raise ValidationError({"channel": _("短信/微信自助调查由客户通过链接作答，回访专员不能登记。")})
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=1):
        raise ValidationError({"surveyed_at": _("调查时间不能晚于现在。")})
    task, customer, vehicle = _target(actor=actor, callback=callback, customer=customer, now=now)
    return _record(
        actor=actor,
        data=data,
        task=task,
        customer=customer,
        vehicle=vehicle,
        grade=grade,
        grade_override_reason=grade_override_reason,
        at=at,
        now=now,
        ticket_department=ticket_department,
    )


@transaction.atomic
def survey_submit_by_customer(
    *,
    data: SurveyInput,
    recorded_by: Any,
    callback: CallbackTask | int | None = None,
    customer: Customer | None = None,
) -> Survey:
    """Record a survey the customer answered themselves from a one-time link (issue #24).

    The same validation, scoring, classification, grade and ticket as a phone survey; no agent is on
    the line, so no call attempt is logged and no claim is checked. ``recorded_by`` is the staff
    account the survey is filed under (the agent who sent the link, or the store's link account).
    With ``callback`` the task closes as done; with ``customer`` only, the survey stands alone.
    """
    if data.channel not in LINK_CHANNELS:
        raise ValidationError({"channel": _("自助调查只能是短信或微信链接。")})
    now = timezone.now()
    task: CallbackTask | None = None
    if callback is not None:
        pk = callback if isinstance(callback, int) else callback.pk
        task = (
            CallbackTask.objects.select_for_update(of=("self",))
            .select_related("customer", "vehicle")
            .get(pk=pk)
        )
        if Survey.objects.filter(callback=task).exists():
            raise ApplicationError(_("该回访任务已登记过调查。"))
        transition(task, "survey")
        if task.type != data.type:
            raise ValidationError({"type": _("调查类型必须与回访任务一致。")})
        customer, vehicle = task.customer, task.vehicle
    elif customer is not None:
        vehicle = customer.vehicles.order_by("-id").first()
    else:
        raise ValidationError({"customer": _("请选择回访任务或客户。")})
    return _record(
        actor=recorded_by,
        data=data,
        task=task,
        customer=customer,
        vehicle=vehicle,
        grade=None,
        grade_override_reason="",
        at=now,
        now=now,
        ticket_department=None,
    )


def _record(
    *,
    actor: Any,
    data: SurveyInput,
    task: CallbackTask | None,
    customer: Customer,
    vehicle: Vehicle | None,
    grade: str | None,
    grade_override_reason: str,
    at: dt.datetime,
    now: dt.datetime,
    ticket_department: Department | None,
) -> Survey:
    if task is not None and data.type != task.type:
        raise ValidationError(
            {"type": _("调查类型必须与回访任务一致（%(t)s）。") % {"t": task.get_type_display()}}
        )
    evaluation = survey_evaluate(data)

    facts = selectors.grade_facts(
        customer=customer,
        survey_type=data.type,
        visit=task.visit if task else None,
        now=at,
        observed=data.observed,
    )
    five = data.type == SurveyType.FIVE_DIMENSION
    suggested, criteria = selectors.grade_suggestion(
        facts=facts,
        score100=None if five else evaluation.score_used,
        ratings=data.ratings if five and evaluation.score_used is not None else None,
    )
    chosen = grade or suggested
    if chosen not in Grade.values:
        raise ValidationError({"grade": _("客户等级必须是 A–G 之一。")})
    override_reason = grade_override_reason.strip() if chosen != suggested else ""
    if chosen != suggested and not override_reason:
        raise ValidationError({"grade_override_reason": _("改判客户等级时必须填写原因。")})

    survey = Survey(
        store_id=customer.store_id,
        customer=customer,
        vehicle=vehicle,
        callback=task,
        type=data.type,
        channel=data.channel,
        surveyed_at=at,
        surveyed_by=actor,
        score=data.score,
        level=evaluation.level,
        level_value=data.level_value if data.level else None,
        not_rated_reason="" if evaluation.score_used is not None else data.not_rated_reason.strip(),
        ratings=dict(data.ratings) if five else {},
        items={k: v for k, v in data.items.items() if v not in (None, "")},
        remarks=data.remarks.strip(),
        complained_externally=data.complained_externally,
        says_unsatisfied=data.says_unsatisfied,
        grievance=data.grievance,
        score_used=evaluation.score_used,
        classification=evaluation.classification,
        suggested_grade=suggested,
        grade_criteria=criteria,
        grade_facts=facts,
        grade=chosen,
        grade_override_reason=override_reason,
    )
    survey.full_clean(exclude=["complaint"])
    survey.save()
    survey.reason_codes.set(evaluation.reason_codes)

    ticket = survey_ticket_create(survey=survey, actor=actor, department=ticket_department)
    if ticket is not None:
        survey.complaint = ticket
        survey.save(update_fields=["complaint", "updated_at"])
    if task is not None:
        _complete(task, actor=actor, channel=data.channel, at=at, now=now)
    if survey.remarks:
        # Early warning: words in the customer's remarks that point to a crisis.
        customer_words_recorded.send(
            sender=__name__,
            source="survey",
            record_id=survey.pk,
            store_id=survey.store_id,
            customer_id=survey.customer_id,
            text=survey.remarks,
        )
    figures_changed(survey.store_id, actor.pk)
    return survey


def _complete(task: CallbackTask, *, actor: Any, channel: str, at: dt.datetime, now: dt.datetime) -> None:
    fields = [
        "status",
        "close_reason",
        "closed_at",
        "claimed_by",
        "claimed_at",
        "callback_later_at",
        "updated_at",
    ]
    if task.reached_at is None:
        task.reached_at = at
        fields.append("reached_at")
        if channel == Channel.PHONE:
            # A phone survey means the call got through: keep the attempts complete.
            CallAttempt.objects.create(task=task, outcome=Outcome.REACHED, at=at, by=actor)
    before = task.status
    task.status = transition(task, "survey")
    task.close_reason, task.closed_at = CloseReason.SURVEYED, now
    task.claimed_by, task.claimed_at, task.callback_later_at = None, None, None
    task.save(update_fields=fields)
    event_write(task, actor=actor, action="survey", before=before)
