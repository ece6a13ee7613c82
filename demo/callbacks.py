"""Demo callbacks and surveys for ``seed_demo``: months of history plus a live queue.

Idempotent: history is only written for deliveries and visits that have no task yet (one task per
source is a database constraint), and each open task's fate in the demo is decided by a random
generator seeded with the task's source, so a second run neither repeats nor adds work.

- History (sources whose task would have expired by now): tasks surveyed, refused, unreachable or
  expired, with their call attempts and surveys (scores ≥ 70: tickets are only ever created through
  the complaints service, which takes no complaint older than 7 days).
- Recent (what ``callback_tasks_generate`` creates): worked through the real services by the
  store's agent — some surveyed (dissatisfied ones open real tickets), some not reached, some to
  call back later, the rest left in the queue.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from callbacks import selectors, services
from callbacks.models import (
    OPEN_STATUSES,
    CallAttempt,
    CallbackTask,
    Channel,
    CloseReason,
    Outcome,
    Survey,
    SurveyType,
    TaskStatus,
)
from callbacks.services import SurveyInput
from callbacks.survey_items import items_for
from csat.domain import scoring
from csat.exceptions import ApplicationError
from csat.models import DepartmentKind, Role, SalesDelivery, ServiceVisit, Store

DAY = dt.timedelta(days=1)


def _office_hours(at: dt.datetime) -> dt.datetime:
    """``at`` moved into the call centre's day (9:00–17:59 Beijing time), minutes kept: a call at
    01:45 in the demo's history read as made in the night."""
    local = timezone.localtime(at)
    if local.hour < 9:
        return local.replace(hour=9 + local.hour % 3)
    if local.hour >= 18:
        return (local + DAY).replace(hour=9 + (local.hour - 18) % 8)
    return local


OPINIONS = [
    "希望休息区能提供充电插座",
    "保养等待时间有点长",
    "销售顾问很热情，就是交车那天人太多",
    "希望能提前短信提醒保养",
    "洗车不太干净",
    "价格解释得不够清楚",
]
NOT_RATED = ["客户在开车，不方便评分", "客户表示刚提车还没怎么开，不好打分", "客户只说“还行”，不愿给分"]
DISSATISFIED = ["交车时没有讲清楚保养事项", "修完第二天故障灯又亮了", "等了一上午，没人告诉进度"]


def _agent(store: Store) -> Any:
    """The store's agent: the demo ``agent`` in the first store, ``<code>_agent`` elsewhere."""
    users = get_user_model().objects.filter(profile__store=store, profile__role=Role.AGENT, is_active=True)
    agent = users.filter(username="agent").first() or users.order_by("id").first()
    if agent is None:
        from csat import services as csat_services
        from demo.seed import DEMO_PASSWORD, give_extension

        agent = csat_services.staff_create(
            username=f"{store.code.lower()}_agent",
            password=DEMO_PASSWORD,
            name=f"{store.name}回访专员",
            role=Role.AGENT,
            store=store,
            department=store.departments.filter(kind=DepartmentKind.CUSTOMER_CARE).first(),
        )
        give_extension(agent)
    return agent


def _answers(rng: random.Random, survey_type: str, score: int) -> dict[str, str]:
    answers = {}
    for item in items_for(survey_type):
        if not item.mandatory and rng.random() < 0.5:
            continue
        values = list(item.values)
        if "not_applicable" in values and rng.random() < 0.4:
            answers[item.key] = "not_applicable"
        elif score < 70 and rng.random() < 0.5:
            answers[item.key] = values[-1] if "not_applicable" not in values else "dissatisfied"
        else:
            answers[item.key] = values[0]
    return answers


def _input(rng: random.Random, survey_type: str, *, low: bool = False) -> SurveyInput:
    """A plausible survey; ``low`` makes it a dissatisfied one (< 70)."""
    channel = Channel.PHONE
    if survey_type == SurveyType.FIVE_DIMENSION:
        base = 5 if low else rng.choice([7, 8, 8, 9, 9])
        ratings = {d: max(1, min(10, base + rng.choice([-1, 0, 0, 1]))) for d in scoring.DIMENSIONS}
        codes = [
            selectors.reason_code_list().filter(dimension=d).first() for d, r in ratings.items() if r <= 6
        ]
        return SurveyInput(
            type=survey_type, channel=channel, ratings=ratings, reason_codes=[c.code for c in codes if c]
        )
    roll = rng.random()
    if not low and roll < 0.05:
        return SurveyInput(
            type=survey_type,
            items=_answers(rng, survey_type, 90),
            not_rated_reason=rng.choice(NOT_RATED),
        )
    score = (
        rng.choice([40, 55, 60, 65]) if low else rng.choice([100, 98, 95, 95, 92, 90, 90, 88, 85, 80, 78, 75])
    )
    remarks = (
        rng.choice(DISSATISFIED)
        if low
        else (rng.choice(OPINIONS) if score < 90 and rng.random() < 0.6 else "")
    )
    if not low and rng.random() < 0.25:
        level = {100: "very_satisfied", 95: "satisfied", 90: "fairly_satisfied"}.get(score)
        if level:
            return SurveyInput(
                type=survey_type, level=level, items=_answers(rng, survey_type, score), remarks=remarks
            )
    return SurveyInput(
        type=survey_type, score=score, items=_answers(rng, survey_type, score), remarks=remarks
    )


def _history_survey(task: CallbackTask, data: SurveyInput, agent: Any, at: dt.datetime) -> Survey:
    """A past survey, computed by the same validation, classification and grading as the service."""
    evaluation = services.survey_evaluate(data)
    facts = selectors.grade_facts(customer=task.customer, survey_type=task.type, visit=task.visit, now=at)
    five = task.type == SurveyType.FIVE_DIMENSION
    grade, criteria = selectors.grade_suggestion(
        facts=facts,
        score100=None if five else evaluation.score_used,
        ratings=data.ratings if five and evaluation.score_used is not None else None,
    )
    survey = Survey(
        store_id=task.store_id,
        customer=task.customer,
        vehicle=task.vehicle,
        callback=task,
        type=task.type,
        channel=data.channel,
        surveyed_at=at,
        surveyed_by=agent,
        score=data.score,
        level=evaluation.level,
        not_rated_reason="" if evaluation.score_used is not None else data.not_rated_reason,
        ratings=dict(data.ratings),
        items=dict(data.items),
        remarks=data.remarks,
        score_used=evaluation.score_used,
        classification=evaluation.classification,
        suggested_grade=grade,
        grade_criteria=criteria,
        grade_facts=facts,
        grade=grade,
    )
    survey.full_clean(exclude=["complaint", "callback"])
    survey.save()
    survey.reason_codes.set(evaluation.reason_codes)
    return survey


def _seed_history(rng: random.Random, now: dt.datetime) -> None:
    cfg: dict[str, Any] = settings.CSAT
    expiry = dt.timedelta(days=cfg["CALLBACK_EXPIRY_DAYS"])
    sales_delay = dt.timedelta(days=cfg["SALES_CALLBACK_DELAY_DAYS"])
    service_delay = dt.timedelta(days=cfg["SERVICE_CALLBACK_DELAY_DAYS"])
    sales = SalesDelivery.objects.filter(delivered_at__lte=now - sales_delay - expiry).exclude(
        Exists(CallbackTask.objects.filter(sale_id=OuterRef("pk")))
    )
    visits = ServiceVisit.objects.filter(handed_back_at__lte=now - service_delay - expiry).exclude(
        Exists(CallbackTask.objects.filter(visit_id=OuterRef("pk")))
    )
    rows = [
        CallbackTask(
            store_id=s.store_id, type=SurveyType.SALES, sale=s, customer_id=s.customer_id, vehicle_id=s.vehicle_id,
            due_at=s.delivered_at + sales_delay, expires_at=s.delivered_at + sales_delay + expiry,
        )
        for s in sales
    ] + [
        CallbackTask(
            store_id=v.store_id, type=SurveyType.AFTER_SALES, visit=v, customer_id=v.customer_id,
            vehicle_id=v.vehicle_id, due_at=v.handed_back_at + service_delay,
            expires_at=v.handed_back_at + service_delay + expiry,
        )
        for v in visits
        if v.handed_back_at is not None
    ]  # fmt: skip
    if not rows:
        return
    CallbackTask.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    created = (
        CallbackTask.objects.filter(
            status=TaskStatus.PENDING, due_at__lte=now - expiry, attempts__isnull=True
        )
        .select_related("customer", "visit", "store")
        .order_by("due_at", "id")
    )
    agents = {store.pk: _agent(store) for store in Store.objects.all()}
    for task in created:
        agent = agents[task.store_id]
        if task.customer.do_not_contact:
            _close(task, TaskStatus.CANCELLED, CloseReason.DO_NOT_CONTACT, task.due_at)
            continue
        at = _office_hours(task.due_at + dt.timedelta(hours=rng.randint(1, 8)))
        fate = rng.random()
        if fate < 0.72:
            if rng.random() < 0.3:
                CallAttempt.objects.create(task=task, outcome=Outcome.NO_ANSWER, at=at, by=agent)
                at += DAY
            CallAttempt.objects.create(task=task, outcome=Outcome.REACHED, at=at, by=agent)
            _history_survey(task, _input(rng, task.type), agent, at + dt.timedelta(minutes=5))
            _close(task, TaskStatus.DONE, CloseReason.SURVEYED, at, reached=at)
        elif fate < 0.80:
            CallAttempt.objects.create(task=task, outcome=Outcome.REFUSED, at=at, by=agent)
            _close(task, TaskStatus.DONE, CloseReason.REFUSED, at, reached=at)
        elif fate < 0.90:
            for day in range(3):
                outcome = rng.choice([Outcome.NO_ANSWER, Outcome.BUSY])
                CallAttempt.objects.create(task=task, outcome=outcome, at=at + day * DAY, by=agent)
            task.suggested_channel = Channel.LETTER
            _close(task, TaskStatus.UNREACHABLE, "", at + 2 * DAY)
        else:
            for day in range(rng.choice([0, 1, 2])):
                CallAttempt.objects.create(
                    task=task, outcome=Outcome.NO_ANSWER, at=at + day * 2 * DAY, by=agent
                )
            _close(task, TaskStatus.CANCELLED, CloseReason.EXPIRED, task.expires_at)


def _close(
    task: CallbackTask, status: str, reason: str, at: dt.datetime, reached: dt.datetime | None = None
) -> None:
    task.status, task.close_reason, task.closed_at, task.reached_at = status, reason, at, reached
    task.save(
        update_fields=["status", "close_reason", "closed_at", "reached_at", "suggested_channel", "updated_at"]
    )


def _work_recent(seed: int, now: dt.datetime) -> None:
    """Open tasks due by now that nobody has touched: decide each one's fate from its own source."""
    open_tasks = (
        CallbackTask.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now, attempts__isnull=True)
        .select_related("customer", "store")
        .order_by("due_at", "id")
    )
    agents = {store.pk: _agent(store) for store in Store.objects.all()}
    for task in open_tasks:
        if task.customer.do_not_contact:
            continue
        source = task.sale_id or task.visit_id or f"{task.customer_id}:{task.period}"
        rng = random.Random(f"{seed}:{task.type}:{source}")  # noqa: S311 - demo data, not security
        agent = agents[task.store_id]
        age = now - task.due_at
        at = min(
            now - dt.timedelta(minutes=5), _office_hours(task.due_at + dt.timedelta(hours=rng.randint(1, 30)))
        )
        fate = rng.random()
        try:
            if fate < (0.55 if age > 2 * DAY else 0.3):
                kind = rng.random()
                data = _input(rng, task.type, low=kind < 0.15)
                if 0.15 <= kind < 0.19:
                    data.grievance, data.remarks = True, "已经向总经理反映过，希望尽快答复"
                elif 0.19 <= kind < 0.21:
                    data.complained_externally, data.remarks = True, "已向厂家客服热线投诉"
                services.survey_submit(actor=agent, data=data, callback=task, at=at)
            elif fate < 0.65:
                services.call_attempt_log(task=task, actor=agent, outcome=Outcome.NO_ANSWER, at=at)
            elif fate < 0.72 and task.expires_at > now + DAY:
                services.call_attempt_log(
                    task=task,
                    actor=agent,
                    outcome=Outcome.CALL_BACK_LATER,
                    call_back_at=_office_hours(now + dt.timedelta(hours=rng.randint(1, 20))),
                    note="客户在开会，约好晚点再打",
                    at=at,
                )
            elif fate < 0.76:
                services.call_attempt_log(task=task, actor=agent, outcome=Outcome.REFUSED, at=at)
        except ApplicationError:
            continue  # e.g. expired while the demo was generated: leave it as it is


@transaction.atomic
def seed_callbacks(*, seed: int = 2026, now: dt.datetime | None = None) -> dict[str, int]:
    """History first (so the 90-day quiet rule sees it), then generation, then the live queue."""
    now = now or timezone.now()
    before = {m.__name__: m.objects.count() for m in (CallbackTask, CallAttempt, Survey)}
    _seed_history(random.Random(seed), now)  # noqa: S311 - demo data, not security
    services.callback_tasks_generate(now=now)
    _work_recent(seed, now)
    after = {m.__name__: m.objects.count() for m in (CallbackTask, CallAttempt, Survey)}
    return {f"{name} added": after[name] - before[name] for name in after}
