"""The admin assessor's adjustments of department points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import AssessmentAdjustment
from csat import access
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Department, Role


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
