"""The complaint workflow: intake and one function per action.

Each action validates at the edge, then in one transaction locks the ticket, checks the
transition in csat.domain.transitions, writes the change and an event row, moves the step timers,
and queues notifications on commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import (
    Approval,
    Category,
    CauseCode,
    Complaint,
    ComplaintEvent,
    DeadlineKind,
    Kind,
    MajorCriterion,
    Severity,
    Status,
)
from complaints.permissions import can_act
from complaints.services import deadlines
from csat.domain import transitions
from csat.events import complaint_received, escalation_requested
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Customer, Department, DepartmentKind, IdentityFlag, Role, Vehicle
from csat.notifications import notify
from csat.selectors import managers_of, store_role_users
from csat.uploads import stored_name

# Which department answers for which category (DOMAIN §5 responsible roles).
CATEGORY_DEPARTMENT = {
    Category.SALES: DepartmentKind.SALES,
    Category.REPAIR: DepartmentKind.BUSINESS,
    Category.PARTS: DepartmentKind.PARTS,
    Category.FINANCE: DepartmentKind.FINANCE,
    Category.STAFF: DepartmentKind.ADMIN,
    Category.OTHER: DepartmentKind.BUSINESS,
}
IDENTITY_CRITERIA = {
    IdentityFlag.MEDIA: MajorCriterion.MEDIA_OR_AUTHORITY,
    IdentityFlag.AUTHORITY: MajorCriterion.MEDIA_OR_AUTHORITY,
    IdentityFlag.LAWYER: MajorCriterion.MEDIA_OR_AUTHORITY,
}
MAX_BACKDATE = dt.timedelta(days=7)


def suggested_department_kind(*, category: str, major: bool) -> str:
    """Major repair / compensation complaints go to the service manager, the rest by category."""
    if major and category == Category.REPAIR:
        return DepartmentKind.SERVICE
    return CATEGORY_DEPARTMENT.get(Category(category), DepartmentKind.BUSINESS)


def suggested_major_criteria(*, customer: Customer, grade: str = "") -> list[str]:
    criteria = {IDENTITY_CRITERIA[f] for f in customer.identity_flags if f in IDENTITY_CRITERIA}
    if grade == "G":
        criteria.add(MajorCriterion.ADVERSE_IMPACT)
    return sorted(str(c) for c in criteria)


def _event(
    complaint: Complaint, *, actor: Any, action: str, before: str, note: str = "", **data: Any
) -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=complaint.status,
        note=note,
        data={k: (str(v) if isinstance(v, Decimal | dt.datetime) else v) for k, v in data.items()},
    )


def _care_department(complaint: Complaint) -> Department | None:
    return Department.objects.filter(store_id=complaint.store_id, kind=DepartmentKind.CUSTOMER_CARE).first()


@transaction.atomic
def complaint_create(
    *,
    actor: Any,
    customer: Customer,
    content: str,
    received_by_department: Department,
    kind: str = Kind.COMPLAINT,
    channel: str = "phone",
    category: str = Category.OTHER,
    received_at: dt.datetime | None = None,
    received_at_reason: str = "",
    urgent: bool = False,
    major_criteria: list[str] | tuple[str, ...] = (),
    vehicle: Vehicle | None = None,
    grade: str = "",
    dispatch_to: Department | None = None,
) -> Complaint:
    """Record a complaint. Received by customer care → registered at once (handoff met).

    ``dispatch_to``: the system already knows the responsible department (a dissatisfied callback),
    so the ticket is dispatched at once as well.
    """
    now = timezone.now()
    if not content.strip():
        raise ApplicationError(_("请填写客户反映的内容。"))
    if received_by_department.store_id != customer.store_id:
        raise ApplicationError(_("接收部门与客户不属于同一门店。"))
    if vehicle is not None and vehicle.customer_id != customer.pk:
        raise ApplicationError(_("车辆不属于该客户。"))
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=1):
        raise ApplicationError(_("接收时间不能晚于现在。"))
    if received_at < now - dt.timedelta(minutes=5) and not received_at_reason.strip():
        raise ApplicationError(_("接收时间早于现在时，必须填写补录原因。"))
    if received_at < now - MAX_BACKDATE:
        raise ApplicationError(_("接收时间不能早于 7 天前。"))
    unknown = set(major_criteria) - set(MajorCriterion.values)
    if unknown:
        raise ApplicationError(_("未知的重大投诉条件：%(c)s") % {"c": ", ".join(sorted(unknown))})
    # The suggestion can be raised by the person, never silently lowered.
    criteria = sorted(set(major_criteria) | set(suggested_major_criteria(customer=customer, grade=grade)))
    if vehicle is None:
        vehicle = customer.vehicles.order_by("-id").first()
    complaint = Complaint(
        store_id=customer.store_id,
        number=f"TMP-{now.timestamp()}",
        customer=customer,
        vehicle=vehicle,
        plate=vehicle.plate if vehicle else "",
        phone=customer.mobile,
        kind=kind,
        channel=channel,
        category=category,
        content=content.strip(),
        severity=Severity.MAJOR if criteria or grade in ("F", "G") else Severity.GENERAL,
        major_criteria=criteria,
        urgent=urgent,
        grade=grade,
        received_at=received_at,
        received_at_reason=received_at_reason.strip(),
        received_by=actor,
        received_by_department=received_by_department,
    )
    complaint.full_clean(exclude=["number"])
    complaint.save()
    local = timezone.localtime(received_at)
    complaint.number = f"TS{complaint.store.code}-{local:%Y%m%d}-{complaint.pk:05d}"
    complaint.save(update_fields=["number"])
    _event(complaint, actor=actor, action="create", before="", note=complaint.content[:200])
    deadlines.deadline_start(
        complaint=complaint, kind=DeadlineKind.HANDOFF, start=received_at, department=received_by_department
    )
    if received_by_department.kind == DepartmentKind.CUSTOMER_CARE:
        complaint = _register(complaint, actor=actor, at=now)
        if dispatch_to is not None:
            complaint = _dispatch(complaint, actor=actor, department=dispatch_to, at=now)
    else:
        care = list(store_role_users(complaint.store_id, Role.CUSTOMER_CARE_MANAGER)) + list(
            store_role_users(complaint.store_id, Role.AGENT)
        )
        _notify(complaint, care, "received", _("新投诉待登记：%(n)s") % {"n": complaint.number})
    complaint_received.send(sender=Complaint, complaint=complaint)
    if complaint.is_major:
        _notify(
            complaint,
            store_role_users(complaint.store_id, Role.GENERAL_MANAGER),
            "major",
            _("重大投诉：%(n)s %(name)s") % {"n": complaint.number, "name": customer.name},
        )
    return complaint


def _notify(complaint: Complaint, recipients: Any, event: str, title: str, departments: Any = ()) -> None:
    notify(
        recipients=recipients,
        key=f"complaint:{complaint.pk}:{event}:{complaint.reopen_count}",
        title=title,
        body=complaint.content[:300],
        url=f"/complaints/{complaint.pk}/",
        departments=departments,
    )


def _lock(complaint: Complaint | int) -> Complaint:
    pk = complaint if isinstance(complaint, int) else complaint.pk
    # of=("self",): department is nullable (LEFT JOIN), and PostgreSQL refuses FOR UPDATE on the
    # nullable side of an outer join; only the ticket row needs the lock.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "department", "customer")
        .get(pk=pk)
    )


def _begin(
    complaint: Complaint | int, *, actor: Any, action: str, **kwargs: Any
) -> tuple[Complaint, str, str]:
    """Lock, check the role, check the transition. Returns (ticket, status before, status after)."""
    locked = _lock(complaint)
    if actor is not None and not can_act(actor, locked, action):
        raise NotAllowedError(_("您的角色或部门不能对该投诉执行此操作。"))
    try:
        target = transitions.next_status(locked.status, action, **kwargs)
    except transitions.TransitionError:
        raise ApplicationError(
            _("投诉当前状态为“%(status)s”，不能执行此操作。") % {"status": locked.get_status_display()},
            extra={"status": locked.status, "allowed": transitions.allowed_actions(locked.status)},
        ) from None
    return locked, locked.status, target


def _register(complaint: Complaint, *, actor: Any, at: dt.datetime) -> Complaint:
    before = complaint.status
    complaint.status = transitions.next_status(before, "register")
    complaint.registered_at = at
    complaint.save(update_fields=["status", "registered_at", "updated_at"])
    deadlines.deadline_meet(complaint=complaint, kind=DeadlineKind.HANDOFF, at=at)
    deadlines.deadline_start(
        complaint=complaint, kind=DeadlineKind.DISPATCH, start=at, department=_care_department(complaint)
    )
    _event(complaint, actor=actor, action="register", before=before)
    return complaint


def _dispatch(complaint: Complaint, *, actor: Any, department: Department, at: dt.datetime) -> Complaint:
    if department.store_id != complaint.store_id:
        raise ApplicationError(_("只能派给本门店的部门。"))
    before = complaint.status
    complaint.status = transitions.next_status(before, "dispatch")
    complaint.department = department
    complaint.dispatched_at = at
    complaint.save(update_fields=["status", "department", "dispatched_at", "updated_at"])
    deadlines.deadline_meet(complaint=complaint, kind=DeadlineKind.DISPATCH, at=at)
    deadlines.deadline_start(
        complaint=complaint, kind=DeadlineKind.FIRST_CONTACT, start=at, department=department
    )
    _event(complaint, actor=actor, action="dispatch", before=before, department=department.pk)
    _notify(
        complaint,
        managers_of(department),
        "dispatched",
        _("新派单：%(n)s，请在时限内联系客户") % {"n": complaint.number},
        departments=[department],
    )
    return complaint


@transaction.atomic
def complaint_register(*, complaint: Complaint | int, actor: Any) -> Complaint:
    locked, _before, _target = _begin(complaint, actor=actor, action="register")
    return _register(locked, actor=actor, at=timezone.now())


@transaction.atomic
def complaint_dispatch(*, complaint: Complaint | int, actor: Any, department: Department) -> Complaint:
    locked, _before, _target = _begin(complaint, actor=actor, action="dispatch")
    return _dispatch(locked, actor=actor, department=department, at=timezone.now())


@transaction.atomic
def complaint_contact(
    *,
    complaint: Complaint | int,
    actor: Any,
    cause: str = "",
    background: str = "",
    expectation: str = "",
    note: str = "",
) -> Complaint:
    locked, before, target = _begin(complaint, actor=actor, action="contact")
    now = timezone.now()
    locked.status = target
    locked.first_contact_at = locked.first_contact_at or now
    locked.cause, locked.background, locked.expectation = (
        cause.strip(),
        background.strip(),
        expectation.strip(),
    )
    locked.save(
        update_fields=["status", "first_contact_at", "cause", "background", "expectation", "updated_at"]
    )
    deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.FIRST_CONTACT, at=now)
    deadlines.deadline_start(
        complaint=locked, kind=DeadlineKind.PROGRESS_REPORT, start=now, department=locked.department
    )
    _event(locked, actor=actor, action="contact", before=before, note=note)
    return locked


@transaction.atomic
def complaint_progress(*, complaint: Complaint | int, actor: Any, note: str) -> Complaint:
    if not note.strip():
        raise ApplicationError(_("请填写进度说明。"))
    locked, before, target = _begin(complaint, actor=actor, action="progress")
    now = timezone.now()
    met = deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.PROGRESS_REPORT, at=now)
    deadlines.deadline_start(
        complaint=locked,
        kind=DeadlineKind.PROGRESS_REPORT,
        start=now,
        department=locked.department,
        sequence=(met.sequence + 1) if met and met.cycle == locked.reopen_count else 1,
    )
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    _event(locked, actor=actor, action="progress", before=before, note=note.strip())
    return locked


@transaction.atomic
def complaint_propose(
    *, complaint: Complaint | int, actor: Any, solution: str, compensation_amount: Decimal | None = None
) -> Complaint:
    if not solution.strip():
        raise ApplicationError(_("请填写解决方案。"))
    if compensation_amount is not None and compensation_amount < 0:
        raise ApplicationError(_("补偿金额不能为负数。"))
    with_compensation = bool(compensation_amount)
    locked, before, target = _begin(
        complaint, actor=actor, action="propose", with_compensation=with_compensation
    )
    locked.status = target
    locked.solution = solution.strip()
    locked.compensation_amount = compensation_amount if with_compensation else None
    locked.approval = Approval.PENDING if with_compensation else Approval.NONE
    locked.approved_by, locked.approved_at, locked.approval_comment = None, None, ""
    locked.save(
        update_fields=[
            "status",
            "solution",
            "compensation_amount",
            "approval",
            "approved_by",
            "approved_at",
            "approval_comment",
            "updated_at",
        ]
    )
    _event(
        locked,
        actor=actor,
        action="propose",
        before=before,
        note=locked.solution,
        compensation=compensation_amount,
    )
    if with_compensation:
        _notify(
            locked,
            store_role_users(locked.store_id, Role.GENERAL_MANAGER),
            f"approval:{locked.events.count()}",
            _("待审批补偿：%(n)s ¥%(amount)s") % {"n": locked.number, "amount": compensation_amount},
        )
    return locked


def _decide(complaint: Complaint | int, *, actor: Any, action: str, comment: str) -> Complaint:
    locked, before, target = _begin(complaint, actor=actor, action=action)
    locked.status = target
    locked.approval = Approval.APPROVED if action == "approve" else Approval.REJECTED
    locked.approved_by, locked.approved_at, locked.approval_comment = actor, timezone.now(), comment.strip()
    locked.save(
        update_fields=["status", "approval", "approved_by", "approved_at", "approval_comment", "updated_at"]
    )
    _event(locked, actor=actor, action=action, before=before, note=comment.strip())
    _notify(
        locked,
        managers_of(locked.department),
        f"{action}:{locked.events.count()}",
        (_("补偿方案已批准：%(n)s") if action == "approve" else _("补偿方案被驳回：%(n)s"))
        % {"n": locked.number},
    )
    return locked


@transaction.atomic
def complaint_approve(*, complaint: Complaint | int, actor: Any, comment: str = "") -> Complaint:
    return _decide(complaint, actor=actor, action="approve", comment=comment)


@transaction.atomic
def complaint_reject(*, complaint: Complaint | int, actor: Any, comment: str) -> Complaint:
    if not comment.strip():
        raise ApplicationError(_("驳回时请填写意见。"))
    return _decide(complaint, actor=actor, action="reject", comment=comment)


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint | int,
    actor: Any,
    result: str,
    agreement: UploadedFile | None = None,
    cause_code: CauseCode | None = None,
) -> Complaint:
    if not result.strip():
        raise ApplicationError(_("请填写处理结果。"))
    locked, before, target = _begin(complaint, actor=actor, action="resolve")
    if locked.needs_approval:
        raise ApplicationError(_("该方案含补偿金额，须经总经理审批后才能执行。"))
    now = timezone.now()
    locked.status, locked.result, locked.resolved_at = target, result.strip(), now
    fields = ["status", "result", "resolved_at", "updated_at"]
    if cause_code is not None:
        # The cause feeds the recurring-problem analysis (prevention).
        locked.cause_code = cause_code
        fields.append("cause_code")
    if agreement is not None:
        locked.agreement.save(stored_name(agreement), agreement, save=False)  # a uuid, type by content
        fields.append("agreement")
    locked.save(update_fields=fields)
    # Reporting the result back counts as the progress report that was due.
    deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.PROGRESS_REPORT, at=now)
    deadlines.deadline_start(
        complaint=locked, kind=DeadlineKind.FOLLOW_UP, start=now, department=_care_department(locked)
    )
    _event(locked, actor=actor, action="resolve", before=before, note=locked.result)
    return locked


@transaction.atomic
def complaint_follow_up(*, complaint: Complaint | int, actor: Any, outcome: str, note: str = "") -> Complaint:
    locked, before, target = _begin(complaint, actor=actor, action="follow_up", outcome=outcome)
    now = timezone.now()
    window = deadlines.open_deadline(locked, DeadlineKind.FOLLOW_UP)
    if window is not None and now < window.opens_at:
        opens = timezone.localtime(window.opens_at)
        raise ApplicationError(
            _("回访时间窗口尚未开启，将于 %(at)s 开启（解决后第 5–7 天）。")
            % {"at": f"{opens:%Y-%m-%d %H:%M}"},
            extra={"opens_at": window.opens_at.isoformat()},
        )
    deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.FOLLOW_UP, at=now)
    if outcome == "satisfied":
        locked.status, locked.closed_at = target, now
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        _event(locked, actor=actor, action="follow_up", before=before, note=note, outcome=outcome)
        return locked
    # Unsatisfied: the form is re-issued to the same department, a new cycle of timers starts.
    locked.status = target
    locked.reopen_count += 1
    locked.dispatched_at = now
    locked.approval = Approval.NONE if locked.approval != Approval.APPROVED else locked.approval
    locked.save(update_fields=["status", "reopen_count", "dispatched_at", "approval", "updated_at"])
    deadlines.deadline_start(
        complaint=locked, kind=DeadlineKind.FIRST_CONTACT, start=now, department=locked.department
    )
    _event(locked, actor=actor, action="reopen", before=before, note=note, outcome=outcome)
    _notify(
        locked,
        managers_of(locked.department),
        "reopened",
        _("客户不满意，投诉重新派单：%(n)s") % {"n": locked.number},
        departments=[locked.department] if locked.department else [],
    )
    return locked


@transaction.atomic
def complaint_escalate(*, complaint: Complaint | int, actor: Any, note: str = "") -> Complaint:
    locked, before, _target = _begin(complaint, actor=actor, action="escalate")
    if locked.severity != Severity.MAJOR:
        locked.severity = Severity.MAJOR
        locked.major_criteria = sorted(set(locked.major_criteria) | {MajorCriterion.ADVERSE_IMPACT.value})
        locked.save(update_fields=["severity", "major_criteria", "updated_at"])
    opened = [
        case
        for _receiver, case in escalation_requested.send(
            sender=Complaint, complaint=locked, actor=actor, note=note
        )
        if case is not None
    ]
    if not opened:
        raise ApplicationError(_("危机事件模块未启用，无法升级。"))
    crisis = opened[0]
    _event(locked, actor=actor, action="escalate", before=before, note=note, crisis=crisis.pk)
    return locked


@transaction.atomic
def complaint_confirm_major(
    *, complaint: Complaint | int, actor: Any, criteria: list[str] | None = None
) -> Complaint:
    """A person confirms an early-warning suggestion: the ticket becomes major (never lowered)."""
    locked = _lock(complaint)
    if not (
        can_act(actor, locked, "register")
        or can_act(actor, locked, "contact")
        or can_act(actor, locked, "escalate")
    ):
        raise NotAllowedError(_("您的角色或部门不能修改该投诉的级别。"))
    if locked.status == Status.CLOSED:
        raise ApplicationError(_("投诉已关闭。"))
    chosen = set(criteria or [MajorCriterion.ADVERSE_IMPACT.value])
    unknown = chosen - set(MajorCriterion.values)
    if unknown:
        raise ApplicationError(_("未知的重大投诉条件：%(c)s") % {"c": ", ".join(sorted(unknown))})
    locked.major_criteria = sorted(set(locked.major_criteria) | chosen)
    before_severity = locked.severity
    locked.severity = Severity.MAJOR
    locked.save(update_fields=["major_criteria", "severity", "updated_at"])
    _event(
        locked,
        actor=actor,
        action="confirm_major",
        before=locked.status,
        note=str(Severity(before_severity).label),
    )
    return locked
