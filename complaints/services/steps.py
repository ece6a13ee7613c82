"""The complaint steps after intake: one function per action.

Each step checks its input, then in one transaction locks the ticket, checks the role and the
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
from django.utils.translation import gettext_lazy

from complaints.models import (
    Approval,
    CauseCode,
    Complaint,
    DeadlineKind,
    MajorCriterion,
    Severity,
    Status,
)
from complaints.permissions import can_confirm_major
from complaints.services import deadlines
from complaints.services.grading import complaint_set_crisis_grade
from complaints.services.ticket import (
    ATTEMPT_NOTE,
    CONTACT_NOTE,
    INTERNAL_NOTE,
    PROGRESS_NOTE,
    PROPOSAL_SOLUTION,
    REJECTION_COMMENT,
    RESOLUTION_RESULT,
    begin,
    care_department,
    compensation_text,
    dispatch,
    lock,
    notify_about,
    notify_gm,
    record_event,
    register,
)
from csat.domain.crisis import crisis_type_for
from csat.events import escalation_requested
from csat.exceptions import ApplicationError, NotAllowedError
from csat.i18n import lazy_format
from csat.models import Department, Role
from csat.notifications import notify
from csat.selectors import managers_of, store_role_users
from csat.text_limits import NOTE, trim
from csat.uploads import atomic_with_files, stored_name


@transaction.atomic
def complaint_register(*, complaint: Complaint | int, actor: Any) -> Complaint:
    locked, _before, _target = begin(complaint, actor=actor, action="register")
    return register(locked, actor=actor, at=timezone.now())


@transaction.atomic
def complaint_dispatch(*, complaint: Complaint | int, actor: Any, department: Department) -> Complaint:
    locked, _before, _target = begin(complaint, actor=actor, action="dispatch")
    now = timezone.now()
    if locked.status == Status.RECEIVED:
        # A duty leader dispatches directly (DOMAIN §9 "Off hours"), or the receiving department
        # passes it straight to the responsible one: registered in the same step; customer care
        # completes the feedback form from the history.
        locked = register(locked, actor=actor, at=now)
        dispatched = dispatch(locked, actor=actor, department=department, at=now)
        notify_about(
            dispatched,
            store_role_users(dispatched.store_id, Role.CUSTOMER_CARE_MANAGER),
            "passed_directly",
            lazy_format(
                gettext_lazy("投诉已直接派给%(dept)s：%(n)s，请补填反馈单"),
                {"dept": department.name, "n": dispatched.number},
            ),
        )
        return dispatched
    return dispatch(locked, actor=actor, department=department, at=now)


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
    """The department's call within its 2-hour step: the call record (what the customer said) is
    required, with the cause, background and the customer's expectation (DOMAIN §9)."""
    CONTACT_NOTE.check(note)
    locked, before, target = begin(complaint, actor=actor, action="contact")
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
    # The progress report runs from dispatch (DOMAIN §9); a ticket dispatched before that rule
    # has none running yet and gets it here.
    if deadlines.open_deadline(locked, DeadlineKind.PROGRESS_REPORT) is None:
        deadlines.deadline_start(
            complaint=locked,
            kind=DeadlineKind.PROGRESS_REPORT,
            start=locked.dispatched_at or now,
            department=locked.department,
            sequence=deadlines.next_sequence(locked, DeadlineKind.PROGRESS_REPORT),
        )
    record_event(locked, actor=actor, action="contact", before=before, note=note.strip())
    return locked


# How far back an unanswered call may be logged is bounded by the step itself (its timer's start);
# a minute ahead is a clock's skew, not a call in the future.
CLOCK_SKEW = dt.timedelta(minutes=1)


@transaction.atomic
def complaint_contact_attempt(
    *, complaint: Complaint | int, actor: Any, note: str = "", called_at: dt.datetime | None = None
) -> Complaint:
    """A call within the 2-hour step that the customer did not answer (未接通): an event in the
    history with when it was made and which attempt it was. It is not contact (DOMAIN §9: contact
    needs what the customer said): the step's timer runs on, a breach is charged as before."""
    ATTEMPT_NOTE.check(note)
    locked, before, _target = begin(complaint, actor=actor, action="contact_attempt")
    now = timezone.now()
    called_at = called_at or now
    if called_at > now + CLOCK_SKEW:
        raise ApplicationError(_("拨打时间不能晚于现在。"))
    step = deadlines.open_deadline(locked, DeadlineKind.FIRST_CONTACT)
    began = step.started_at if step is not None else locked.dispatched_at
    if began is not None and called_at < began:
        raise ApplicationError(
            _("拨打时间不能早于派单时间（%(at)s）。") % {"at": f"{timezone.localtime(began):%Y-%m-%d %H:%M}"}
        )
    earlier = locked.events.filter(action="contact_attempt")
    earlier = earlier.filter(data__deadline=step.pk) if step is not None else earlier.none()
    record_event(
        locked,
        actor=actor,
        action="contact_attempt",
        before=before,
        note=trim(note or ""),
        called_at=called_at,
        deadline=step.pk if step is not None else None,
        attempt=earlier.count() + 1,
    )
    return locked


@transaction.atomic
def complaint_progress(*, complaint: Complaint | int, actor: Any, note: str) -> Complaint:
    PROGRESS_NOTE.check(note)
    locked, before, target = begin(complaint, actor=actor, action="progress")
    now = timezone.now()
    deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.PROGRESS_REPORT, at=now)
    # The next report is due 3 working days on; a new row always (an old, cancelled one of this
    # cycle must not stand in for it).
    deadlines.deadline_start(
        complaint=locked,
        kind=DeadlineKind.PROGRESS_REPORT,
        start=now,
        department=locked.department,
        sequence=deadlines.next_sequence(locked, DeadlineKind.PROGRESS_REPORT),
    )
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    record_event(locked, actor=actor, action="progress", before=before, note=note.strip())
    return locked


@transaction.atomic
def complaint_propose(
    *,
    complaint: Complaint | int,
    actor: Any,
    solution: str,
    compensation_amount: Decimal | None = None,
    compensation_in_kind: str = "",
    customer_accepted: bool | None = None,
) -> Complaint:
    """A solution; ``customer_accepted`` records that the customer agreed to it, which starts the
    same-day result report (DOMAIN §9) at once, or at the GM's approval when it needs one.

    DOMAIN §9 "The GM's gate": compensation in money or in kind waits for the GM's approval; a
    major complaint's first proposed solution is reported to the GM even without compensation."""
    PROPOSAL_SOLUTION.check(solution)
    if compensation_amount is not None and compensation_amount < 0:
        raise ApplicationError(_("补偿金额不能为负数。"))
    in_kind = (compensation_in_kind or "").strip()
    if len(in_kind) > NOTE:
        raise ApplicationError(_("实物补偿说明过长。"))
    with_compensation = bool(compensation_amount) or bool(in_kind)
    locked, before, target = begin(
        complaint, actor=actor, action="propose", with_compensation=with_compensation
    )
    # Reported once: the first proposal made while the ticket is major (one that became major
    # later gets its next proposal reported).
    report_to_gm = (
        locked.is_major and not locked.events.filter(action="propose", data__reported_to_gm=True).exists()
    )
    locked.status = target
    locked.solution = solution.strip()
    locked.compensation_amount = compensation_amount if compensation_amount else None
    locked.compensation_in_kind = in_kind
    locked.approval = Approval.PENDING if with_compensation else Approval.NONE
    locked.approved_by, locked.approved_at, locked.approval_comment = None, None, ""
    locked.save(
        update_fields=[
            "status",
            "solution",
            "compensation_amount",
            "compensation_in_kind",
            "approval",
            "approved_by",
            "approved_at",
            "approval_comment",
            "updated_at",
        ]
    )
    record_event(
        locked,
        actor=actor,
        action="propose",
        before=before,
        note=locked.solution,
        compensation=compensation_amount,
        compensation_in_kind=in_kind,
        customer_accepted=bool(customer_accepted),
        reported_to_gm=report_to_gm,
    )
    if customer_accepted and not with_compensation:
        _start_result_report(locked)
    values = {"n": locked.number, "what": compensation_text(locked)}
    if report_to_gm:
        # One notice for the GM: the major proposal, saying whether it awaits the approval too.
        notify_gm(
            locked,
            "major_proposal",
            lazy_format(
                gettext_lazy("重大投诉处理方案待审批：%(n)s %(what)s")
                if with_compensation
                else gettext_lazy("重大投诉处理方案：%(n)s"),
                values,
            ),
        )
    elif with_compensation:
        notify_gm(
            locked,
            f"approval:{locked.events.count()}",
            lazy_format(gettext_lazy("待审批补偿：%(n)s %(what)s"), values),
        )
    return locked


def _start_result_report(complaint: Complaint) -> None:
    """Customer accepted the solution → report the result by the end of this working day."""
    deadlines.deadline_start(
        complaint=complaint,
        kind=DeadlineKind.RESULT_REPORT,
        start=timezone.now(),
        department=complaint.department,
    )


def _decide(complaint: Complaint | int, *, actor: Any, action: str, comment: str) -> Complaint:
    locked, before, target = begin(complaint, actor=actor, action=action)
    locked.status = target
    locked.approval = Approval.APPROVED if action == "approve" else Approval.REJECTED
    locked.approved_by, locked.approved_at, locked.approval_comment = actor, timezone.now(), comment.strip()
    locked.save(
        update_fields=["status", "approval", "approved_by", "approved_at", "approval_comment", "updated_at"]
    )
    record_event(locked, actor=actor, action=action, before=before, note=comment.strip())
    if action == "approve":
        proposal = locked.events.filter(action="propose").order_by("-id").first()
        if proposal is not None and proposal.data.get("customer_accepted"):
            _start_result_report(locked)
    notify_about(
        locked,
        managers_of(locked.department),
        f"{action}:{locked.events.count()}",
        lazy_format(
            gettext_lazy("补偿方案已批准：%(n)s")
            if action == "approve"
            else gettext_lazy("补偿方案被驳回：%(n)s"),
            {"n": locked.number},
        ),
    )
    return locked


@transaction.atomic
def complaint_approve(*, complaint: Complaint | int, actor: Any, comment: str = "") -> Complaint:
    return _decide(complaint, actor=actor, action="approve", comment=comment)


@transaction.atomic
def complaint_reject(*, complaint: Complaint | int, actor: Any, comment: str) -> Complaint:
    REJECTION_COMMENT.check(comment)
    return _decide(complaint, actor=actor, action="reject", comment=comment)


def complaint_resolve(
    *,
    complaint: Complaint | int,
    actor: Any,
    result: str,
    agreement: UploadedFile | None = None,
    cause_code: CauseCode | None = None,
) -> Complaint:
    """The signed agreement is stored inside the step's transaction (``atomic_with_files``): a step
    that fails after it was written (a refused rule, the database, a full disk) leaves no file."""
    RESOLUTION_RESULT.check(result)
    with atomic_with_files() as files:
        locked, before, target = begin(complaint, actor=actor, action="resolve")
        if locked.needs_approval:
            raise ApplicationError(_("该方案含补偿（金额或实物），须经总经理审批后才能执行。"))
        now = timezone.now()
        locked.status, locked.result, locked.resolved_at = target, result.strip(), now
        fields = ["status", "result", "resolved_at", "updated_at"]
        if cause_code is not None:
            # The cause feeds the recurring-problem analysis (prevention).
            locked.cause_code = cause_code
            fields.append("cause_code")
        if agreement is not None:
            files.save(locked.agreement, stored_name(agreement), agreement)  # a uuid, type by content
            fields.append("agreement")
        locked.save(update_fields=fields)
        _progress_report_ends(locked, at=now)
        # Reporting the result back is the same-day result report when the customer had accepted
        # the solution.
        deadlines.deadline_meet(complaint=locked, kind=DeadlineKind.RESULT_REPORT, at=now)
        deadlines.deadline_start(
            complaint=locked, kind=DeadlineKind.FOLLOW_UP, start=now, department=care_department(locked)
        )
        record_event(locked, actor=actor, action="resolve", before=before, note=locked.result)
    return locked


def _progress_report_ends(complaint: Complaint, *, at: dt.datetime) -> None:
    """The ticket leaves the state in which progress reports are due (resolved): the running
    3-working-day timer is no longer needed and is cancelled, not met (no report was made; the
    report's 处理时限 counts it neither met nor missed). One already overdue was a report owed and
    not made: the result reported back is that report, late — met now, its breach recorded if the
    sweep has not yet, and charged (DOMAIN §5)."""
    running = deadlines.open_deadline(complaint, DeadlineKind.PROGRESS_REPORT)
    if running is not None and (running.breached_at is not None or at > running.due_at):
        deadlines.deadline_meet(complaint=complaint, kind=DeadlineKind.PROGRESS_REPORT, at=at)
    deadlines.deadline_cancel(complaint=complaint, kinds=[DeadlineKind.PROGRESS_REPORT], at=at)


@transaction.atomic
def complaint_follow_up(*, complaint: Complaint | int, actor: Any, outcome: str, note: str = "") -> Complaint:
    locked, before, target = begin(complaint, actor=actor, action="follow_up", outcome=outcome)
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
        record_event(locked, actor=actor, action="follow_up", before=before, note=note, outcome=outcome)
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
    deadlines.deadline_start(
        complaint=locked, kind=DeadlineKind.PROGRESS_REPORT, start=now, department=locked.department
    )
    record_event(locked, actor=actor, action="reopen", before=before, note=note, outcome=outcome)
    notify_about(
        locked,
        managers_of(locked.department),
        "reopened",
        lazy_format(gettext_lazy("客户不满意，投诉重新派单：%(n)s"), {"n": locked.number}),
        departments=[locked.department] if locked.department else [],
    )
    return locked


@transaction.atomic
def complaint_escalate(*, complaint: Complaint | int, actor: Any, note: str = "") -> Complaint:
    locked, before, _target = begin(complaint, actor=actor, action="escalate")
    if locked.severity != Severity.MAJOR:
        locked.severity = Severity.MAJOR
        locked.major_criteria = sorted(set(locked.major_criteria) | {MajorCriterion.ADVERSE_IMPACT.value})
        locked.save(update_fields=["severity", "major_criteria", "updated_at"])
    opened: list[Any] = [  # the crisis cases the receivers opened (or found)
        case
        for _receiver, case in escalation_requested.send(
            sender=Complaint, complaint=locked, actor=actor, note=note
        )
        if case is not None
    ]
    if not opened:
        raise ApplicationError(_("危机事件模块未启用，无法升级。"))
    crisis = opened[0]
    record_event(locked, actor=actor, action="escalate", before=before, note=note, crisis=crisis.pk)
    # DOMAIN §9: escalation to a crisis sets grade G on the ticket and on the customer.
    complaint_set_crisis_grade(
        complaint=locked,
        crisis_type=getattr(crisis, "type", None) or crisis_type_for(locked.major_criteria),
        actor=actor,
    )
    return locked


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint | int, actor: Any) -> Complaint:
    """The GM marks a major complaint's proposed measures read (已阅, DOMAIN §9 "The GM's gate"):
    recorded with the time and the GM, in the history; the ticket leaves the board's section."""
    locked, before, _target = begin(complaint, actor=actor, action="acknowledge")
    if not locked.is_major:
        raise ApplicationError(_("只有重大投诉的处理方案需要报总经理。"))
    if not locked.solution:
        raise ApplicationError(_("尚未提出处理方案。"))
    if locked.major_reviewed_at is not None:
        raise ApplicationError(_("总经理已阅过该处理方案。"))
    locked.major_reviewed_at = timezone.now()
    locked.major_reviewed_by = actor if getattr(actor, "pk", None) else None
    locked.save(update_fields=["major_reviewed_at", "major_reviewed_by", "updated_at"])
    record_event(locked, actor=actor, action="acknowledge", before=before, note=locked.solution[:300])
    return locked


@transaction.atomic
def complaint_confirm_major(
    *, complaint: Complaint | int, actor: Any, criteria: list[str] | None = None
) -> Complaint:
    """A person confirms an early-warning suggestion: the ticket becomes major (never lowered).
    Safe to repeat: a ticket already major is left as it is, no event is written."""
    locked = lock(complaint)
    if not can_confirm_major(actor, locked):
        raise NotAllowedError(_("您的角色或部门不能修改该投诉的级别。"))
    if locked.severity == Severity.MAJOR:
        return locked
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
    record_event(
        locked,
        actor=actor,
        action="confirm_major",
        before=locked.status,
        note=str(Severity(before_severity).label),
    )
    return locked


@transaction.atomic
def complaint_note(*, complaint: Complaint | int, actor: Any, note: str) -> Complaint:
    """An internal note on the ticket's history (who, when, the text): no status, no timer moves.
    Taken under the ticket's lock like every step, so notes and steps on one ticket are recorded
    one after another. The department's managers and the assignee hear of another person's note,
    once per note."""
    INTERNAL_NOTE.check(note)
    locked, before, _target = begin(complaint, actor=actor, action="note")
    event = record_event(locked, actor=actor, action="note", before=before, note=trim(note))
    people = {user.pk: user for user in managers_of(locked.department)}
    if locked.assignee_id is not None and locked.assignee is not None:
        people[locked.assignee_id] = locked.assignee
    people.pop(getattr(actor, "pk", None), None)  # not the author
    if people:
        author = (actor.get_full_name() or actor.username) if getattr(actor, "pk", None) else _("系统")
        notify(
            recipients=people.values(),
            key=f"complaint:{locked.pk}:note:{event.pk}",
            title=lazy_format(
                gettext_lazy("%(who)s 在投诉 %(n)s 上添加了备注"), {"who": author, "n": locked.number}
            ),
            body=event.note[:300],
            url=f"/complaints/{locked.pk}/",
        )
    return locked
