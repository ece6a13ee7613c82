"""A callback started by hand from the customer's page (新建回访, issue #22).

A task always has its source (a delivery, a service visit, or the customer's quarter of the
five-dimension survey; database constraints), so a hand-made task takes the customer's first source
that has none yet: the newest service visit, then the newest delivery, then this quarter's
five-dimension survey. A customer with an open task gets that task back instead of a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks.models import OPEN_STATUSES, CallbackTask, SurveyType
from callbacks.permissions import in_store
from callbacks.services.calls import event_write, require_caller
from callbacks.services.generation import _days
from csat import access
from csat.business_time import business_tz
from csat.domain.periods import quarter_key
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Customer, Role


@dataclass(frozen=True)
class ManualTask:
    task: CallbackTask
    created: bool


@transaction.atomic
def callback_task_start_for_customer(*, customer: Customer | int, actor: Any) -> ManualTask:
    """The customer's open task, or a new one due now (assigned to the agent who asked)."""
    require_caller(actor)
    pk = customer if isinstance(customer, int) else customer.pk
    # Two clicks at once must not make two tasks: queue them on the customer.
    locked = Customer.objects.select_for_update().get(pk=pk)
    if not in_store(actor, locked.store_id):
        raise NotAllowedError(_("不能处理其他门店的回访任务。"))
    if locked.do_not_contact:
        raise ApplicationError(_("该客户为勿扰客户，不能回访。"))
    existing = (
        CallbackTask.objects.filter(customer=locked, status__in=OPEN_STATUSES)
        .order_by("due_at", "id")
        .first()
    )
    if existing is not None:
        return ManualTask(existing, created=False)
    now = timezone.now()
    source = _free_source(locked, now)
    if source is None:
        raise ApplicationError(
            _("该客户的交车和维修记录都已有回访任务，本季度的五维度调查也已安排，无需新建回访。")
        )
    task = CallbackTask(
        store_id=locked.store_id,
        customer=locked,
        due_at=now,
        expires_at=now + max(_days("CALLBACK_EXPIRY_DAYS"), dt.timedelta(days=1)),
        assigned_to=actor if _is_agent(actor) else None,
        **source,
    )
    task.full_clean()
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # the hourly generation took the same source a moment ago
        raise ApplicationError(_("回访任务刚刚已生成，请刷新页面。")) from None
    event_write(task, actor=actor, action="create", before="", note=_("从客户档案新建回访"))
    return ManualTask(task, created=True)


def _is_agent(actor: Any) -> bool:
    return access.has_role(actor, Role.AGENT)


def _free_source(customer: Customer, now: dt.datetime) -> dict[str, Any] | None:
    visit = (
        customer.service_visits.filter(callback_tasks__isnull=True, handed_back_at__isnull=False)
        .order_by("-handed_back_at", "-pk")
        .first()
    )
    if visit is not None:
        return {"type": SurveyType.AFTER_SALES, "visit": visit, "vehicle_id": visit.vehicle_id}
    sale = customer.sales.filter(callback_tasks__isnull=True).order_by("-delivered_at", "-pk").first()
    if sale is not None:
        return {"type": SurveyType.SALES, "sale": sale, "vehicle_id": sale.vehicle_id}
    period = quarter_key(timezone.localdate(now, business_tz()))
    if not CallbackTask.objects.filter(
        customer=customer, type=SurveyType.FIVE_DIMENSION, period=period
    ).exists():
        return {"type": SurveyType.FIVE_DIMENSION, "period": period}
    return None
