"""The admin assessor's adjustments of department points, and the departments' disputes of an event
(issue #18): accepted → an adjustment cancelling the event, linked; rejected → a comment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import AssessmentAdjustment, AssessmentDispute, DisputeStatus
from complaints.selectors import assessment_events
from csat import access
from csat.domain.assessment import (
    ADJUSTMENT_POINTS_LIMIT,
    PENALTY_POINTS_MAX,
    PENALTY_POINTS_MIN,
    adjustment_in_bounds,
)
from csat.exceptions import ApplicationError, NotAllowedError
from csat.i18n import lazy_format
from csat.models import Department, Role
from csat.notifications import notify
from csat.selectors import store_role_users

# The bounds of the points a person types (csat.domain.assessment says why), in the form, the API
# and the service alike.
PENALTY_POINTS_ERROR = lazy_format(
    gettext_lazy("考核分值须在 %(min)s 到 %(max)s 分之间。"),
    {"min": PENALTY_POINTS_MIN, "max": PENALTY_POINTS_MAX},
)
ADJUSTMENT_POINTS_ERROR = lazy_format(
    gettext_lazy("调整分值须在 -%(limit)s 到 +%(limit)s 分之间，且不能为 0。"),
    {"limit": ADJUSTMENT_POINTS_LIMIT},
)


@transaction.atomic
def assessment_adjust(
    *, actor: Any, department: Department, month: dt.date, points: Decimal, reason: str
) -> AssessmentAdjustment:
    if not access.has_role(actor, Role.ADMIN_ASSESSOR):
        raise NotAllowedError(_("只有综合部考核员可以调整考核分。"))
    if access.user_store_id(actor) not in (None, department.store_id) and not actor.is_superuser:
        raise NotAllowedError(_("只能调整本门店部门的考核分。"))
    if not reason.strip():
        raise ApplicationError(_("调整考核分必须填写原因。"))
    if not adjustment_in_bounds(points):
        raise ApplicationError(str(ADJUSTMENT_POINTS_ERROR))
    adjustment = AssessmentAdjustment(
        department=department,
        month=month.replace(day=1),
        points=points,
        reason=reason.strip(),
        created_by=actor,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


@transaction.atomic
def assessment_dispute_raise(
    *, actor: Any, department: Department, month: dt.date, event: str, reason: str
) -> AssessmentDispute:
    """The department's manager disputes one of the department's assessment events of the month."""
    profile = access.profile_of(actor)
    if not (
        actor.is_superuser
        or (
            profile is not None
            and profile.role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR, Role.CUSTOMER_CARE_MANAGER)
            and profile.department_id == department.pk
        )
    ):
        raise NotAllowedError(_("只有本部门经理可以对本部门的考核提出申诉。"))
    if not reason.strip():
        raise ApplicationError(_("申诉时请填写理由。"))
    month = month.replace(day=1)
    found = next(
        (
            e
            for e in assessment_events(departments=Department.objects.filter(pk=department.pk), month=month)
            if e.get("ref") == event
        ),
        None,
    )
    if found is None:
        raise ApplicationError(_("本月没有该考核事件。"))
    if AssessmentDispute.objects.filter(event=event).exists():
        raise ApplicationError(_("该考核事件已申诉过。"))
    dispute = AssessmentDispute.objects.create(
        department=department,
        month=month,
        event=event,
        event_kind=found["kind"],
        points=found["points"],
        complaint_id=found.get("complaint_id"),
        reason=reason.strip(),
        raised_by=actor,
    )
    notify(
        recipients=store_role_users(department.store_id, Role.ADMIN_ASSESSOR),
        key=f"dispute:{dispute.pk}:raised",
        title=lazy_format(gettext_lazy("考核申诉待处理：%(d)s"), {"d": department.name}),
        body=dispute.reason[:300],
        url=f"/complaints/assessment/?month={month:%Y-%m}",
    )
    return dispute


@transaction.atomic
def assessment_dispute_decide(
    *, actor: Any, dispute: AssessmentDispute | int, accept: bool, comment: str = ""
) -> AssessmentDispute:
    """The admin assessor accepts (an adjustment cancelling the event, linked) or rejects (comment)."""
    pk = dispute if isinstance(dispute, int) else dispute.pk
    locked = AssessmentDispute.objects.select_for_update().select_related("department").get(pk=pk)
    if not access.has_role(actor, Role.ADMIN_ASSESSOR) and not actor.is_superuser:
        raise NotAllowedError(_("只有综合部考核员可以处理考核申诉。"))
    if access.user_store_id(actor) not in (None, locked.department.store_id) and not actor.is_superuser:
        raise NotAllowedError(_("只能处理本门店部门的考核申诉。"))
    if locked.status != DisputeStatus.OPEN:
        raise ApplicationError(_("该申诉已处理。"))
    if not accept and not comment.strip():
        raise ApplicationError(_("驳回申诉时请填写意见。"))
    if accept:
        locked.adjustment = assessment_adjust(
            actor=actor,
            department=locked.department,
            month=locked.month,
            points=-locked.points,
            reason=_("申诉成立，撤销 %(e)s：%(r)s") % {"e": locked.event, "r": locked.reason[:200]},
        )
    locked.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
    locked.decided_by, locked.decided_at, locked.comment = actor, timezone.now(), comment.strip()
    locked.full_clean()
    locked.save()
    notify(
        recipients=[locked.raised_by],
        key=f"dispute:{locked.pk}:decided",
        title=lazy_format(
            gettext_lazy("考核申诉成立：%(d)s") if accept else gettext_lazy("考核申诉被驳回：%(d)s"),
            {"d": locked.department.name},
        ),
        body=locked.comment[:300],
        url=f"/complaints/assessment/?month={locked.month:%Y-%m}",
    )
    return locked
