"""What every complaint step shares: the row lock and transition check, the event row, notifications,
the text a step cannot do without, and the two steps intake may take at once (register, dispatch)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, ComplaintEvent, DeadlineKind
from complaints.permissions import can_act
from complaints.services import deadlines
from csat import text_limits
from csat.domain import transitions
from csat.exceptions import ApplicationError, NotAllowedError
from csat.i18n import lazy_format
from csat.models import Department, DepartmentKind, Role
from csat.notifications import notify
from csat.selectors import managers_of, store_role_users


class RequiredTextError(ApplicationError):
    """A step was given no text where it needs some (the API answers 400 with a field error)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RequiredText:
    """Text a step cannot do without: the argument it comes in and the message when it is blank."""

    field: str
    message: str | Promise

    def check(self, value: Any) -> None:
        if not text_limits.trim(str(value or "")):
            raise RequiredTextError(str(self.message), field=self.field)


@dataclass(frozen=True)
class LimitedText(RequiredText):
    """Text a step cannot do without and keeps no longer than ``limit`` characters."""

    limit: int = text_limits.NOTE
    too_long: str | Promise = ""
    optional: bool = False  # blank is fine; only too long is refused

    def check(self, value: Any) -> None:
        if not self.optional:
            super().check(value)
        length = len(text_limits.trim(str(value or "")))
        if length > self.limit:
            raise RequiredTextError(
                str(self.too_long) % {"limit": self.limit, "length": length}, field=self.field
            )


# An internal note on the ticket's history (the ticket page's 添加备注, the API's ``note``).
INTERNAL_NOTE = LimitedText(
    "note",
    gettext_lazy("请填写备注内容。"),
    limit=text_limits.NOTE,
    too_long=gettext_lazy("备注最多 %(limit)s 字，当前 %(length)s 字。"),
)
# What is said of a call the customer did not answer (optional).
ATTEMPT_NOTE = LimitedText(
    "note",
    "",
    limit=text_limits.NOTE,
    too_long=gettext_lazy("备注最多 %(limit)s 字，当前 %(length)s 字。"),
    optional=True,
)
# The rows a person adds to the history without changing the ticket: an internal note, a call the
# customer did not answer. They never make another person's open form stale (check_unchanged).
ANNOTATIONS = frozenset({"note", "contact_attempt"})

# DOMAIN §9 "Who is responsible": the 2-hour contact needs a call record, at least what the customer said.
CONTACT_NOTE = RequiredText("note", gettext_lazy("请填写通话记录：客户说了什么。"))
PROGRESS_NOTE = RequiredText("note", gettext_lazy("请填写进度说明。"))
PROPOSAL_SOLUTION = RequiredText("solution", gettext_lazy("请填写解决方案。"))
REJECTION_COMMENT = RequiredText("comment", gettext_lazy("驳回时请填写意见。"))
TRANSFER_REASON = RequiredText("reason", gettext_lazy("转派时请填写原因。"))
RETURN_REASON = RequiredText("reason", gettext_lazy("退回时请填写原因。"))
PENALTY_REASON = RequiredText("reason", gettext_lazy("申请考核时请填写原因。"))
ACCOUNTABILITY_TEXT = RequiredText("text", gettext_lazy("请填写内部责任追究。"))
RESPONSIBLE_STAFF = RequiredText("staff", gettext_lazy("请填写直接责任人。"))
RESOLUTION_RESULT = RequiredText("result", gettext_lazy("请填写处理结果。"))


def record_event(
    complaint: Complaint, *, actor: Any, action: str, before: str, note: str = "", **data: Any
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=complaint.status,
        note=note,
        data={k: (str(v) if isinstance(v, Decimal | dt.datetime) else v) for k, v in data.items()},
    )


def care_department(complaint: Complaint) -> Department | None:
    return Department.objects.filter(store_id=complaint.store_id, kind=DepartmentKind.CUSTOMER_CARE).first()


def notify_about(
    complaint: Complaint, recipients: Any, event: str, title: Any, departments: Any = ()
) -> None:
    notify(
        recipients=recipients,
        key=f"complaint:{complaint.pk}:{event}:{complaint.reopen_count}",
        title=title,
        body=complaint.content[:300],
        url=f"/complaints/{complaint.pk}/",
        departments=departments,
    )


def notify_gm(complaint: Complaint, event: str, title: Any) -> None:
    """Tell the store's GM on every channel at once (DOMAIN §9 "The GM's gate"): the inbox, e-mail
    and the robot webhook of the GM's office (总经理室); once per event key, like every notice."""
    notify_about(
        complaint,
        store_role_users(complaint.store_id, Role.GENERAL_MANAGER),
        event,
        title,
        departments=Department.objects.filter(store_id=complaint.store_id, kind=DepartmentKind.MANAGEMENT),
    )


def compensation_text(complaint: Complaint) -> str:
    """The compensation of a proposal in one line: the amount and what is given in kind."""
    parts = []
    if complaint.compensation_amount:
        parts.append(f"¥{complaint.compensation_amount:.2f}")
    if complaint.compensation_in_kind.strip():
        parts.append(complaint.compensation_in_kind.strip())
    return " + ".join(parts)


def lock(complaint: Complaint | int) -> Complaint:
    pk = complaint if isinstance(complaint, int) else complaint.pk
    # of=("self",): department is nullable (LEFT JOIN), and PostgreSQL refuses FOR UPDATE on the
    # nullable side of an outer join; only the ticket row needs the lock.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("store", "department", "customer")
        .get(pk=pk)
    )


class StaleTicketError(ApplicationError):
    """Someone acted on the ticket after the page the form came from was shown: the step is not
    taken, the person reads what changed first (a stale page would transfer, assign or report on a
    ticket that is no longer what they saw). ``event`` is the newest such action."""

    def __init__(self, event: ComplaintEvent) -> None:
        actor = event.actor
        super().__init__(
            _(
                "您打开此页面后，%(who)s 于 %(at)s 执行了“%(action)s”，您的操作未提交。"
                "请查看最新处理记录后再提交，您填写的内容已保留。"
            )
            % {
                "who": (actor.get_full_name() or actor.username) if actor else _("系统"),
                "at": date_format(timezone.localtime(event.created_at), "m-d H:i"),
                "action": event.label,
            },
            extra={"version": event.pk},
        )
        self.event = event


def newest_action(complaint_id: int, *, after: int = 0) -> ComplaintEvent | None:
    """The newest step a person took on the ticket after the event ``after`` (a page's version,
    ``ticket_version``); the clock's own rows (a breach, a grade refresh) have no actor and change
    nothing a person decided."""
    return (
        ComplaintEvent.objects.filter(complaint_id=complaint_id, actor__isnull=False, pk__gt=after)
        .select_related("actor")
        .order_by("-pk")
        .first()
    )


def ticket_version(events: Any) -> int:
    """A page's version of the ticket: the id of the newest step a person took (0: none yet)."""
    return max((e.pk for e in events if e.actor_id), default=0)


def check_unchanged(complaint: Complaint | int, seen: int, *, actor: Any = None, action: str = "") -> None:
    """Lock the ticket, then raise StaleTicketError if a person acted on it after version ``seen``.
    Called inside the step's transaction: a concurrent step holding the lock commits first, so two
    people submitting from the same version cannot both go through.

    Another person's note or unanswered call (ANNOTATIONS) changed nothing the form was filled in
    against and does not count (the page's notice still names it); and a note or an unanswered
    call is taken whatever others did meanwhile. Only the person's own rows always count: the
    same form sent twice (a double click) is carried out once."""
    locked = lock(complaint)
    newer = ComplaintEvent.objects.filter(complaint_id=locked.pk, actor__isnull=False, pk__gt=seen)
    own = Q(actor_id=getattr(actor, "pk", None))
    # A note sent again is refused (own rows only); a step ignores others' notes.
    newer = newer.filter(own) if action in ANNOTATIONS else newer.exclude(Q(action__in=ANNOTATIONS) & ~own)
    found = newer.select_related("actor").order_by("-pk").first()
    if found is not None:
        raise StaleTicketError(found)


def begin(
    complaint: Complaint | int, *, actor: Any, action: str, **kwargs: Any
) -> tuple[Complaint, str, str]:
    """Lock, check the role, check the transition. Returns (ticket, status before, status after)."""
    locked = lock(complaint)
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


def register(complaint: Complaint, *, actor: Any, at: dt.datetime) -> Complaint:
    before = complaint.status
    complaint.status = transitions.next_status(before, "register")
    complaint.registered_at = at
    complaint.save(update_fields=["status", "registered_at", "updated_at"])
    deadlines.deadline_meet(complaint=complaint, kind=DeadlineKind.HANDOFF, at=at)
    deadlines.deadline_start(
        complaint=complaint, kind=DeadlineKind.DISPATCH, start=at, department=care_department(complaint)
    )
    record_event(complaint, actor=actor, action="register", before=before)
    return complaint


def dispatch(complaint: Complaint, *, actor: Any, department: Department, at: dt.datetime) -> Complaint:
    if department.store_id != complaint.store_id:
        raise ApplicationError(_("只能派给本门店的部门。"))
    before = complaint.status
    complaint.status = transitions.next_status(before, "dispatch")
    complaint.department = department
    complaint.dispatched_at = at
    complaint.save(update_fields=["status", "department", "dispatched_at", "updated_at"])
    deadlines.deadline_meet(complaint=complaint, kind=DeadlineKind.DISPATCH, at=at)
    deadlines.deadline_start(
        complaint=complaint,
        kind=DeadlineKind.FIRST_CONTACT,
        start=at,
        department=department,
        # Dispatched again after a return: a new 2-hour step (DOMAIN §9).
        sequence=deadlines.next_sequence(complaint, DeadlineKind.FIRST_CONTACT),
    )
    # DOMAIN §9: the 3-working-day progress report counts from the department's receipt of the form
    # (a new timer when dispatched again after a return: the returned department's was cancelled).
    deadlines.deadline_start(
        complaint=complaint,
        kind=DeadlineKind.PROGRESS_REPORT,
        start=at,
        department=department,
        sequence=deadlines.next_sequence(complaint, DeadlineKind.PROGRESS_REPORT),
    )
    record_event(complaint, actor=actor, action="dispatch", before=before, department=department.pk)
    notify_about(
        complaint,
        managers_of(department),
        "dispatched",
        lazy_format(gettext_lazy("新派单：%(n)s，请在时限内联系客户"), {"n": complaint.number}),
        departments=[department],
    )
    return complaint
