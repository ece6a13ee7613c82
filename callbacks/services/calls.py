"""Working a callback task: claim it, log call attempts, release, assign, cancel.

Every change locks the task row (``select_for_update``), checks the transition in
``csat.domain.transitions``, writes the change and an event row. Two agents never hold the same task: the
second claim waits for the first one's lock and then sees it taken.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks import dialing, permissions
from callbacks.models import (
    FAILED_OUTCOMES,
    OPEN_STATUSES,
    CallAttempt,
    CallbackEvent,
    CallbackTask,
    Channel,
    CloseReason,
    Outcome,
    TaskStatus,
)
from csat.domain.transitions import TaskTransitionError, next_task_status, unreachable_reason
from csat.events import callback_task_unreachable, customer_words_recorded
from csat.exceptions import ApplicationError, NotAllowedError

# A claim nobody has worked on for this long may be taken over by another agent.
CLAIM_STALE_AFTER = dt.timedelta(hours=2)
UNREACHABLE_NOTES = {
    "failed_on_3_days": "3 个不同日期未接通",
    "unreachable_5_days": "连续 5 天无法联系",
    "wrong_number": "号码错误",
}


def event_write(task: CallbackTask, *, actor: Any, action: str, before: str, note: str = "") -> None:
    CallbackEvent.objects.create(
        task=task,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=task.status,
        note=note[:300],
    )


def figures_changed(store_id: int, agent_id: int) -> None:
    """The work-queue figures count this call or survey: drop them now (the agent's next page) and
    again after commit (a page that read them while this transaction was open)."""
    from callbacks.selectors import queue_figures_forget

    queue_figures_forget(store_id=store_id, agent_id=agent_id)
    transaction.on_commit(lambda: queue_figures_forget(store_id=store_id, agent_id=agent_id))


def require_caller(actor: Any) -> None:
    if not permissions.can_call(actor):
        raise NotAllowedError(_("只有客户部回访专员和客户部经理可以进行回访。"))


def task_lock(task: CallbackTask | int, *, actor: Any) -> CallbackTask:
    """Lock the row; a task of another store is treated as missing."""
    pk = task if isinstance(task, int) else task.pk
    try:
        locked = CallbackTask.objects.select_for_update().select_related("customer").get(pk=pk)
    except CallbackTask.DoesNotExist:
        raise ApplicationError(_("回访任务不存在。")) from None
    if not permissions.in_store(actor, locked.store_id):
        raise NotAllowedError(_("不能处理其他门店的回访任务。"))
    return locked


def transition(task: CallbackTask, action: str) -> str:
    try:
        return next_task_status(task.status, action)
    except TaskTransitionError:
        raise ApplicationError(
            _("回访任务当前状态为“%(status)s”，不能执行此操作。") % {"status": task.get_status_display()},
            extra={"status": task.status},
        ) from None


def held_by_other(task: CallbackTask, actor: Any, now: dt.datetime) -> bool:
    return bool(
        task.status == TaskStatus.IN_PROGRESS
        and task.claimed_by_id
        and task.claimed_by_id != actor.pk
        and task.claimed_at
        and task.claimed_at > now - CLAIM_STALE_AFTER
    )


def check_workable(task: CallbackTask, actor: Any, now: dt.datetime) -> None:
    """The task may be called now by this actor (open, not expired, not someone else's, may be called)."""
    if task.is_open and task.expires_at <= now:
        raise ApplicationError(_("回访任务已超过有效期（15 天），不能再回访。"))
    if task.customer.do_not_contact:
        raise ApplicationError(_("该客户已设置勿扰，不能回访。"))
    if held_by_other(task, actor, now) and not permissions.can_manage(actor):
        holder = task.claimed_by
        name = (holder.get_full_name() or holder.username) if holder else ""
        raise ApplicationError(_("该任务已被 %(name)s 领取。") % {"name": name})


def _claim(task: CallbackTask, *, actor: Any, now: dt.datetime) -> None:
    before = task.status
    task.status = transition(task, "claim")
    task.claimed_by, task.claimed_at = actor, now
    task.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    event_write(task, actor=actor, action="claim", before=before)


@transaction.atomic
def callback_task_claim(*, task: CallbackTask | int, actor: Any) -> CallbackTask:
    """Take the task: it leaves the others' queue. Claiming one's own task again is a no-op."""
    require_caller(actor)
    now = timezone.now()
    locked = task_lock(task, actor=actor)
    if locked.status == TaskStatus.IN_PROGRESS and locked.claimed_by_id == actor.pk:
        return locked
    transition(locked, "claim")
    check_workable(locked, actor, now)
    _claim(locked, actor=actor, now=now)
    return locked


@transaction.atomic
def callback_task_claim_next(*, actor: Any, candidates: Any) -> CallbackTask | None:
    """Claim the first task of ``candidates`` (the caller's queue, in order) nobody else holds.

    Rows another transaction is claiming right now are skipped, not waited for (PostgreSQL).
    """
    require_caller(actor)
    now = timezone.now()
    ids = list(candidates.values_list("id", flat=True)[:50])
    for pk in ids:
        locked = (
            CallbackTask.objects.select_for_update(skip_locked=True)
            .select_related("customer")
            .filter(pk=pk, status__in=OPEN_STATUSES)
            .first()
        )
        if locked is None or held_by_other(locked, actor, now) or locked.customer.do_not_contact:
            continue
        if locked.expires_at <= now:
            continue
        if not (locked.status == TaskStatus.IN_PROGRESS and locked.claimed_by_id == actor.pk):
            _claim(locked, actor=actor, now=now)
        return locked
    return None


@transaction.atomic
def call_dial(*, task: CallbackTask | int, actor: Any) -> CallbackTask:
    """Click-to-dial (issue #22): take the task if nobody holds it, ask the CTI to ring the agent's
    extension and the customer's mobile, and write a "dial" event on the task's timeline.

    A call attempt needs its outcome, which nobody knows yet: the agent still records it afterwards
    (``call_attempt_log``); the dial itself is the event. The CTI is asked inside the transaction
    with the row locked, so a failure (unreachable, refused, no extension) rolls everything back:
    no claim and no event. Two clicks never ring twice at once.
    """
    require_caller(actor)
    if not dialing.enabled():
        raise ApplicationError(_("未启用点击拨号（呼叫中心 CTI），请直接用电话拨打。"))
    extension = dialing.extension_of(actor)
    if "{extension}" in dialing.template() and not extension:
        raise ApplicationError(_("您的员工档案未填写分机号，无法点击拨号，请联系管理员。"))
    now = timezone.now()
    locked = task_lock(task, actor=actor)
    if not locked.is_open:
        transition(locked, "claim")  # raises the 409 with the status
    check_workable(locked, actor, now)
    if not locked.customer.mobile:
        raise ApplicationError(_("该客户没有手机号码。"))
    if not (locked.status == TaskStatus.IN_PROGRESS and locked.claimed_by_id == actor.pk):
        transition(locked, "claim")
        _claim(locked, actor=actor, now=now)
    dialing.dial(dialing.dial_url(extension=extension, number=locked.customer.mobile))
    note = _("分机 %(ext)s") % {"ext": extension} if extension else ""
    event_write(locked, actor=actor, action="dial", before=locked.status, note=note)
    return locked


@transaction.atomic
def callback_task_release(*, task: CallbackTask | int, actor: Any, note: str = "") -> CallbackTask:
    require_caller(actor)
    locked = task_lock(task, actor=actor)
    if locked.claimed_by_id not in (None, actor.pk) and not permissions.can_manage(actor):
        raise ApplicationError(_("只能放弃自己领取的任务。"))
    before = locked.status
    locked.status = transition(locked, "release")
    locked.claimed_by, locked.claimed_at = None, None
    locked.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    event_write(locked, actor=actor, action="release", before=before, note=note)
    return locked


@transaction.atomic
def callback_task_assign(*, task: CallbackTask | int, actor: Any, agent: Any | None) -> CallbackTask:
    """The customer-care manager hands a task to an agent of the store (or back to everyone)."""
    if not permissions.can_manage(actor):
        raise NotAllowedError(_("只有客户部经理可以指派回访任务。"))
    locked = task_lock(task, actor=actor)
    if agent is not None and (
        not permissions.can_call(agent) or not permissions.in_store(agent, locked.store_id)
    ):
        raise ApplicationError(_("只能指派给本门店的回访专员。"))
    before = locked.status
    locked.status = transition(locked, "assign")
    locked.assigned_to = agent
    locked.claimed_by, locked.claimed_at = None, None
    locked.save(update_fields=["status", "assigned_to", "claimed_by", "claimed_at", "updated_at"])
    event_write(locked, actor=actor, action="assign", before=before, note=agent.username if agent else "")
    return locked


@transaction.atomic
def callback_task_cancel(*, task: CallbackTask | int, actor: Any, reason: str) -> CallbackTask:
    if not permissions.can_manage(actor):
        raise NotAllowedError(_("只有客户部经理可以取消回访任务。"))
    if not reason.strip():
        raise ApplicationError(_("请填写取消原因。"))
    locked = task_lock(task, actor=actor)
    before = locked.status
    locked.status = transition(locked, "cancel")
    locked.close_reason, locked.closed_at = CloseReason.MANUAL, timezone.now()
    locked.claimed_by, locked.claimed_at = None, None
    locked.save(
        update_fields=["status", "close_reason", "closed_at", "claimed_by", "claimed_at", "updated_at"]
    )
    event_write(locked, actor=actor, action="cancel", before=before, note=reason.strip())
    return locked


def _failed_days(task: CallbackTask) -> list[dt.date]:
    """Local dates of the failed attempts since the last time the customer was reached."""
    days: list[dt.date] = []
    for outcome, at in task.attempts.order_by("at", "id").values_list("outcome", "at"):
        if outcome in FAILED_OUTCOMES:
            days.append(timezone.localdate(at))
        else:
            days = []  # contact made: the count starts again
    return days


MAX_BACKDATE = dt.timedelta(days=7)


@transaction.atomic
def call_attempt_log(
    *,
    task: CallbackTask | int,
    actor: Any,
    outcome: str,
    note: str = "",
    call_back_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> CallAttempt:
    """Record one call and move the task on.

    - reached: the customer is on the line; the survey follows (the task stays with the agent);
    - refused: reached, but the customer declines the survey → done;
    - call back later (a time is required): back to the queue at that time, reserved for this agent;
    - no answer / busy: back to the queue; after failures on 3 different days, or failures spanning
      5 consecutive days, the task is unreachable and a letter or on-site survey is suggested;
    - wrong number: unreachable at once (calling the same number again cannot help).
    """
    require_caller(actor)
    now = timezone.now()
    at = at or now
    if outcome not in Outcome.values:
        raise ApplicationError(_("未知的拨打结果。"))
    if at > now + dt.timedelta(minutes=1):
        raise ApplicationError(_("拨打时间不能晚于现在。"))
    locked = task_lock(task, actor=actor)
    # A call logged late (the agent was on the phone) is fine; one before the task existed, or
    # back-dated beyond a week, would count towards "failures on 3 different days" (DOMAIN §4)
    # without anyone calling, and make the task unreachable at once.
    earliest = max(locked.created_at, now - MAX_BACKDATE)
    if at < earliest:
        raise ApplicationError(
            _("拨打时间不能早于 %(at)s（回访任务生成时间，且最多补记 7 天内的拨打）。")
            % {"at": f"{timezone.localtime(earliest):%Y-%m-%d %H:%M}"}
        )
    if not locked.is_open:
        transition(locked, "claim")  # raises the 409 with the status
    check_workable(locked, actor, now)
    if outcome == Outcome.CALL_BACK_LATER:
        if call_back_at is None:
            raise ApplicationError(_("约定回拨时请填写回拨时间。"))
        if call_back_at <= now:
            raise ApplicationError(_("回拨时间必须晚于现在。"))
        if call_back_at >= locked.expires_at:
            raise ApplicationError(_("回拨时间晚于任务过期时间，请约定更早的时间。"))
    attempt = CallAttempt(
        task=locked,
        outcome=outcome,
        at=at,
        by=actor,
        note=note.strip(),
        call_back_at=call_back_at if outcome == Outcome.CALL_BACK_LATER else None,
    )
    attempt.full_clean()
    attempt.save()

    before = locked.status
    fields = ["status", "claimed_by", "claimed_at", "updated_at"]
    if outcome == Outcome.REACHED:
        locked.status = transition(locked, "reach")
        locked.claimed_by, locked.claimed_at = actor, now
        locked.reached_at = locked.reached_at or at
        locked.callback_later_at = None
        fields += ["reached_at", "callback_later_at"]
    elif outcome == Outcome.REFUSED:
        locked.status = transition(locked, "refuse")
        locked.reached_at = locked.reached_at or at
        locked.close_reason, locked.closed_at = CloseReason.REFUSED, now
        locked.claimed_by, locked.claimed_at = None, None
        fields += ["reached_at", "close_reason", "closed_at"]
    elif outcome == Outcome.CALL_BACK_LATER:
        locked.status = transition(locked, "retry_later")
        locked.callback_later_at = call_back_at
        locked.assigned_to = actor
        locked.claimed_by, locked.claimed_at = None, None
        fields += ["callback_later_at", "assigned_to"]
    else:
        reason = (
            "wrong_number" if outcome == Outcome.WRONG_NUMBER else unreachable_reason(_failed_days(locked))
        )
        if reason:
            locked.status = transition(locked, "unreachable")
            locked.suggested_channel = Channel.LETTER
            locked.closed_at = now
            fields += ["suggested_channel", "closed_at"]
        else:
            locked.status = transition(locked, "retry_later")
        locked.callback_later_at = None
        locked.claimed_by, locked.claimed_at = None, None
        fields += ["callback_later_at"]
        note = UNREACHABLE_NOTES.get(reason or "") or note
    locked.save(update_fields=fields)
    event_write(locked, actor=actor, action=f"attempt:{outcome}", before=before, note=note)
    if attempt.note:
        customer_words_recorded.send(
            sender=__name__,
            source="call",
            record_id=attempt.pk,
            store_id=locked.store_id,
            customer_id=locked.customer_id,
            text=attempt.note,
        )
    if locked.status == TaskStatus.UNREACHABLE and outcome != Outcome.WRONG_NUMBER:
        callback_task_unreachable.send(sender=__name__, task_id=locked.pk, store_id=locked.store_id)
    figures_changed(locked.store_id, actor.pk)
    return attempt
