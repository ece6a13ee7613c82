"""Who is responsible for a ticket (DOMAIN §9, issue #18): transfer and return between customer care
and the departments, the department manager's assignee and directly responsible staff, the GM's
accountability of a major complaint, and the penalty request on a neglected dissatisfied callback or
grievance.

Each step locks the ticket, checks the role and the transition (``ticket.begin``), writes the change
and an event row, and queues notifications on commit, like the steps in ``steps``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, DeadlineKind, Kind, PenaltyDecision, PenaltyRequest
from complaints.services import deadlines
from complaints.services.assessment import PENALTY_POINTS_ERROR
from complaints.services.ticket import (
    ACCOUNTABILITY_TEXT,
    PENALTY_REASON,
    RESPONSIBLE_STAFF,
    RETURN_REASON,
    TRANSFER_REASON,
    begin,
    care_department,
    notify_about,
    record_event,
)
from csat import access
from csat.domain.assessment import penalty_in_bounds
from csat.exceptions import ApplicationError
from csat.i18n import lazy_format
from csat.models import Department, Role
from csat.notifications import notify
from csat.selectors import managers_of, store_role_users

# The points an approved penalty request costs unless the GM sets others (DOMAIN §9).
DEFAULT_PENALTY_POINTS = Decimal("-1")
# The department's timers that stop when the ticket leaves it.
DEPARTMENT_STEPS = (DeadlineKind.FIRST_CONTACT, DeadlineKind.PROGRESS_REPORT)


@transaction.atomic
def complaint_transfer(
    *, complaint: Complaint | int, actor: Any, department: Department | None, reason: str
) -> Complaint:
    """Customer care moves a dispatched ticket to another department, with a reason. The department's
    open timers stop (a breach already recorded stays charged to the department that owned the step);
    a new 2-hour callback step starts for the new department; the −1/−5 follows the department
    responsible when the ticket is resolved (the ticket's department)."""
    TRANSFER_REASON.check(reason)
    if department is None:
        raise ApplicationError(_("请选择责任部门。"))
    locked, before, target = begin(complaint, actor=actor, action="transfer")
    if department.store_id != locked.store_id:
        raise ApplicationError(_("只能派给本门店的部门。"))
    if department.pk == locked.department_id:
        raise ApplicationError(_("投诉已在该部门，无需转派。"))
    now = timezone.now()
    previous = locked.department
    deadlines.deadline_cancel(complaint=locked, kinds=DEPARTMENT_STEPS, at=now)
    locked.status, locked.department, locked.dispatched_at, locked.assignee = target, department, now, None
    locked.save(update_fields=["status", "department", "dispatched_at", "assignee", "updated_at"])
    # The new department received the form now: its 2-hour callback and its 3-working-day progress
    # report run from here (DOMAIN §9 "Timers that were missing or shifted").
    for kind in DEPARTMENT_STEPS:
        deadlines.deadline_start(
            complaint=locked,
            kind=kind,
            start=now,
            department=department,
            sequence=deadlines.next_sequence(locked, kind),
        )
    record_event(
        locked,
        actor=actor,
        action="transfer",
        before=before,
        note=reason.strip(),
        from_department=previous.pk if previous else None,
        department=department.pk,
    )
    notify_about(
        locked,
        managers_of(department),
        f"transfer:{locked.events.count()}",
        lazy_format(gettext_lazy("转派给本部门：%(n)s，请在时限内联系客户"), {"n": locked.number}),
        departments=[department],
    )
    return locked


@transaction.atomic
def complaint_return(*, complaint: Complaint | int, actor: Any, reason: str) -> Complaint:
    """The department gives the ticket back to customer care within its 2-hour step, with a reason;
    after the step's deadline it must work it (409). Customer care dispatches it again (a new
    30-minute dispatch step)."""
    RETURN_REASON.check(reason)
    locked, before, target = begin(complaint, actor=actor, action="return")
    now = timezone.now()
    step = deadlines.open_deadline(locked, DeadlineKind.FIRST_CONTACT)
    if step is None or now > step.due_at:
        raise ApplicationError(_("已超过 2 小时联系时限，不能退回，请按流程处理。"))
    previous = locked.department
    deadlines.deadline_cancel(complaint=locked, kinds=DEPARTMENT_STEPS, at=now)
    locked.status, locked.department, locked.assignee = target, None, None
    locked.save(update_fields=["status", "department", "assignee", "updated_at"])
    deadlines.deadline_start(
        complaint=locked,
        kind=DeadlineKind.DISPATCH,
        start=now,
        department=care_department(locked),
        sequence=deadlines.next_sequence(locked, DeadlineKind.DISPATCH),
    )
    record_event(
        locked,
        actor=actor,
        action="return",
        before=before,
        note=reason.strip(),
        from_department=previous.pk if previous else None,
    )
    care = list(store_role_users(locked.store_id, Role.CUSTOMER_CARE_MANAGER)) + list(
        store_role_users(locked.store_id, Role.AGENT)
    )
    notify_about(
        locked,
        care,
        f"return:{locked.events.count()}",
        lazy_format(gettext_lazy("部门退回投诉：%(n)s，请重新派单"), {"n": locked.number}),
    )
    return locked


@transaction.atomic
def complaint_assign(*, complaint: Complaint | int, actor: Any, user: Any) -> Complaint:
    """The department manager names the person in the department who works the ticket; they see it
    among their tickets and hear of it (and of its timers)."""
    if user is None:
        raise ApplicationError(_("请选择处理人。"))
    locked, before, _target = begin(complaint, actor=actor, action="assign")
    profile = access.profile_of(user)
    if (
        not user.is_active
        or profile is None
        or locked.department_id is None
        or profile.department_id != locked.department_id
    ):
        raise ApplicationError(_("处理人必须是本部门的员工。"))
    locked.assignee = user
    locked.save(update_fields=["assignee", "updated_at"])
    record_event(locked, actor=actor, action="assign", before=before, note=str(user), user=user.pk)
    notify(
        recipients=[user],
        key=f"complaint:{locked.pk}:assign:{locked.events.count()}",
        title=lazy_format(gettext_lazy("指派给您的投诉：%(n)s"), {"n": locked.number}),
        body=locked.content[:300],
        url=f"/complaints/{locked.pk}/",
    )
    return locked


@transaction.atomic
def complaint_responsible(
    *, complaint: Complaint | int, actor: Any, staff: str, measure: str = ""
) -> Complaint:
    """The department manager records the directly responsible staff and the internal measure taken
    (003 考核)."""
    RESPONSIBLE_STAFF.check(staff)
    locked, before, _target = begin(complaint, actor=actor, action="responsible")
    locked.responsible_staff, locked.internal_measure = staff.strip(), measure.strip()
    locked.save(update_fields=["responsible_staff", "internal_measure", "updated_at"])
    record_event(
        locked,
        actor=actor,
        action="responsible",
        before=before,
        note=locked.internal_measure,
        staff=staff.strip(),
    )
    return locked


@transaction.atomic
def complaint_accountability(*, complaint: Complaint | int, actor: Any, text: str) -> Complaint:
    """The GM records the internal accountability of a major complaint."""
    ACCOUNTABILITY_TEXT.check(text)
    locked, before, _target = begin(complaint, actor=actor, action="accountability")
    if not locked.is_major:
        raise ApplicationError(_("只有重大投诉需要总经理追究内部责任。"))
    locked.accountability = text.strip()
    locked.save(update_fields=["accountability", "updated_at"])
    record_event(locked, actor=actor, action="accountability", before=before, note=locked.accountability)
    return locked


@transaction.atomic
def complaint_penalty_request(*, complaint: Complaint | int, actor: Any, reason: str) -> Complaint:
    """Customer care's manager asks the GM to charge a neglected dissatisfied callback or grievance
    (they cost no −1/−5 by themselves). One request per ticket: a second one is refused."""
    PENALTY_REASON.check(reason)
    locked, before, _target = begin(complaint, actor=actor, action="penalty_request")
    if locked.kind == Kind.COMPLAINT:
        raise ApplicationError(_("投诉已按规定计分，只有回访不满意和抱怨可以申请考核。"))
    if locked.department_id is None:
        raise ApplicationError(_("尚未派单，无法申请考核。"))
    if PenaltyRequest.objects.filter(complaint=locked).exists():
        raise ApplicationError(_("该工单已申请过考核。"))
    try:
        with transaction.atomic():
            PenaltyRequest.objects.create(
                complaint=locked, reason=reason.strip(), requested_by=actor, requested_at=timezone.now()
            )
    except IntegrityError:  # a concurrent request won the unique ticket
        raise ApplicationError(_("该工单已申请过考核。")) from None
    record_event(locked, actor=actor, action="penalty_request", before=before, note=reason.strip())
    notify_about(
        locked,
        store_role_users(locked.store_id, Role.GENERAL_MANAGER),
        "penalty_request",
        lazy_format(gettext_lazy("待审批考核申请：%(n)s"), {"n": locked.number}),
    )
    return locked


@transaction.atomic
def complaint_penalty_decide(
    *,
    complaint: Complaint | int,
    actor: Any,
    approved: bool | None,
    points: Decimal | None = None,
    comment: str = "",
) -> Complaint:
    """The GM approves (one assessment event of ``points``, default −1, for the ticket's department)
    or rejects (none) the pending penalty request."""
    if approved is None:
        raise ApplicationError(_("请选择批准或驳回。"))
    locked, before, _target = begin(complaint, actor=actor, action="penalty_decide")
    request = PenaltyRequest.objects.select_for_update().filter(complaint=locked).first()
    if request is None or request.decision != PenaltyDecision.PENDING:
        raise ApplicationError(_("没有待审批的考核申请。"))
    if approved and points is not None and not penalty_in_bounds(points):
        raise ApplicationError(str(PENALTY_POINTS_ERROR))
    if not approved and not comment.strip():
        raise ApplicationError(_("驳回时请填写意见。"))
    request.decision = PenaltyDecision.APPROVED if approved else PenaltyDecision.REJECTED
    request.points = (DEFAULT_PENALTY_POINTS if points is None else points) if approved else None
    request.department = locked.department if approved else None
    request.decided_by, request.decided_at, request.comment = actor, timezone.now(), comment.strip()
    request.full_clean()
    request.save()
    record_event(
        locked,
        actor=actor,
        action="penalty_decide",
        before=before,
        note=comment.strip(),
        approved=bool(approved),
        points=request.points,
    )
    requester = get_user_model().objects.filter(pk=request.requested_by_id)
    notify_about(
        locked,
        requester,
        "penalty_decide",
        lazy_format(
            gettext_lazy("考核申请已批准：%(n)s") if approved else gettext_lazy("考核申请被驳回：%(n)s"),
            {"n": locked.number},
        ),
    )
    if approved and locked.department is not None:
        notify_about(
            locked,
            managers_of(locked.department),
            "penalty_approved",
            lazy_format(
                gettext_lazy("本部门被考核 %(p)s 分：%(n)s"), {"p": request.points, "n": locked.number}
            ),
            departments=[locked.department],
        )
    return locked
