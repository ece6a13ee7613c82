"""Preventive measures: propose (often from a recurring complaint type), GM approval, the owner
department carries it out, the admin assessor verifies; overdue ones are swept exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import CauseCode, Complaint
from csat import access
from csat.domain import transitions
from csat.exceptions import ApplicationError, NotAllowedError
from csat.i18n import lazy_format
from csat.models import Department, Role, Store
from csat.notifications import notify
from csat.selectors import managers_of, store_role_users
from prevention.models import MeasureEvent, MeasureOverdue, MeasureStatus, PreventiveMeasure

# Who may take each step (the owner department's manager, or the GM, is checked separately).
STEP_ROLES = {
    "submit": frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER}),
    "approve": frozenset({Role.GENERAL_MANAGER}),
    "reject": frozenset({Role.GENERAL_MANAGER}),
    "verify": frozenset({Role.ADMIN_ASSESSOR}),
}
OWNER_STEPS = frozenset({"start", "complete"})


def can_step(user: Any, measure: PreventiveMeasure, action: str) -> bool:
    if not user.is_authenticated or access.is_read_only(user):
        return False
    if user.is_superuser:
        return True
    profile = access.profile_of(user)
    if profile is None or profile.store_id != measure.store_id:
        return False
    if action in OWNER_STEPS:
        # The owner department's manager, not every member of it (nor another department's).
        return profile.role == Role.GENERAL_MANAGER or (
            profile.role in access.MANAGER_ROLES and profile.department_id == measure.owner_department_id
        )
    return profile.role in STEP_ROLES.get(action, frozenset())


def can_propose(user: Any) -> bool:
    return access.has_role(user, Role.AGENT, Role.CUSTOMER_CARE_MANAGER) and not access.is_read_only(user)


@transaction.atomic
def measure_create(
    *,
    actor: Any,
    store: Store,
    category: str,
    problem: str,
    measure: str,
    owner_department: Department,
    due_date: dt.date,
    cause: CauseCode | None = None,
    root_cause: str = "",
    complaints: list[Complaint] | None = None,
    submit: bool = True,
) -> PreventiveMeasure:
    if not can_propose(actor):
        raise NotAllowedError(_("只有客户部可以提出预防措施。"))
    if owner_department.store_id != store.pk:
        raise ApplicationError(_("责任部门必须属于本门店。"))
    if due_date < timezone.localdate():
        raise ApplicationError(_("完成期限不能早于今天。"))
    item = PreventiveMeasure(
        store=store,
        category=category,
        cause=cause,
        problem=problem.strip(),
        root_cause=root_cause.strip(),
        measure=measure.strip(),
        owner_department=owner_department,
        due_date=due_date,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    if complaints:
        item.complaints.set([c for c in complaints if c.store_id == store.pk])
    MeasureEvent.objects.create(measure=item, actor=actor, action="create", to_status=item.status)
    if submit:
        item = measure_step(measure=item, actor=actor, action="submit")
    return item


@transaction.atomic
def measure_step(
    *, measure: PreventiveMeasure | int, actor: Any, action: str, comment: str = ""
) -> PreventiveMeasure:
    pk = measure if isinstance(measure, int) else measure.pk
    locked = PreventiveMeasure.objects.select_for_update().select_related("owner_department").get(pk=pk)
    if not can_step(actor, locked, action):
        raise NotAllowedError(_("您的角色不能执行此操作。"))
    try:
        target = transitions.next_measure_status(locked.status, action)
    except transitions.TransitionError:
        raise ApplicationError(
            _("预防措施当前状态为“%(s)s”，不能执行此操作。") % {"s": locked.get_status_display()}
        ) from None
    if action == "reject" and not comment.strip():
        raise ApplicationError(_("驳回时请填写意见。"))
    now = timezone.now()
    before = locked.status
    locked.status = target
    fields = ["status", "updated_at"]
    if action in ("approve", "reject"):
        locked.decided_by, locked.decided_at, locked.comment = actor, now, comment.strip()
        fields += ["decided_by", "decided_at", "comment"]
    elif action == "complete":
        locked.completed_at = now
        fields.append("completed_at")
    elif action == "verify":
        locked.verified_by, locked.verified_at = actor, now
        fields += ["verified_by", "verified_at"]
    locked.save(update_fields=fields)
    MeasureEvent.objects.create(
        measure=locked, actor=actor, action=action, from_status=before, to_status=target, note=comment
    )
    _announce(locked, action)
    return locked


def _announce(measure: PreventiveMeasure, action: str) -> None:
    store_id = measure.store_id
    audience = {
        "submit": store_role_users(store_id, Role.GENERAL_MANAGER),
        "approve": managers_of(measure.owner_department),
        "reject": store_role_users(store_id, Role.CUSTOMER_CARE_MANAGER),
        "complete": store_role_users(store_id, Role.ADMIN_ASSESSOR),
    }.get(action)
    if audience is None:
        return
    titles = {
        "submit": gettext_lazy("预防措施待审批：%(m)s"),
        "approve": gettext_lazy("预防措施已批准，请实施：%(m)s"),
        "reject": gettext_lazy("预防措施被驳回：%(m)s"),
        "complete": gettext_lazy("预防措施已完成，待综合部验证：%(m)s"),
    }
    notify(
        recipients=audience,
        key=f"measure:{measure.pk}:{action}:{measure.events.count()}",
        title=lazy_format(titles[action], {"m": measure.measure[:40]}),
        url=f"/complaints/measures/{measure.pk}/",
    )


def measures_sweep(*, today: dt.date | None = None) -> int:
    """Mark measures past their due date (approved or in progress) once each and notify."""
    today = today or timezone.localdate()
    ids = list(
        PreventiveMeasure.objects.filter(
            status__in=[MeasureStatus.APPROVED, MeasureStatus.IN_PROGRESS],
            due_date__lt=today,
            overdue_at__isnull=True,
        ).values_list("id", flat=True)[:2000]
    )
    marked = 0
    for measure_id in ids:
        with transaction.atomic():
            item = PreventiveMeasure.objects.select_related("owner_department").get(pk=measure_id)
            try:
                with transaction.atomic():
                    MeasureOverdue.objects.create(measure=item)
            except IntegrityError:
                continue
            PreventiveMeasure.objects.filter(pk=item.pk).update(overdue_at=timezone.now())
            notify(
                recipients=[
                    *managers_of(item.owner_department),
                    *store_role_users(item.store_id, Role.ADMIN_ASSESSOR),
                ],
                key=f"measure:{item.pk}:overdue",
                title=lazy_format(gettext_lazy("预防措施已逾期：%(m)s"), {"m": item.measure[:40]}),
                url=f"/complaints/measures/{item.pk}/",
                departments=[item.owner_department],
            )
            marked += 1
    return marked
