"""Helpers of the ticket page: the action forms to show, built from the complaint action table."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from complaints import permissions
from complaints.actions import ACTIONS, ComplaintAction
from complaints.forms import AssignForm, DispatchForm, TransferForm
from complaints.guidance import handling_guidance
from complaints.hooks import ticket_extras
from complaints.models import Approval, Complaint, DeadlineKind, PenaltyDecision, PenaltyRequest, Status
from complaints.rounds import contact_attempts, running_step_attempts
from complaints.selectors import department_members
from complaints.services.intake import suggested_department_kind
from complaints.services.ticket import ticket_version
from csat import access
from csat import selectors as csat_selectors
from csat.domain.grading import IDENTITY_GUIDANCE
from csat.domain.transitions import allowed_actions
from csat.forms import AttachmentForm
from csat.grade_labels import criteria_labels
from csat.models import IdentityFlag, Role
from csat.uploads import attachment_max_bytes

# The step a department most likely takes next, per status: shown first, the others below.
PRIMARY_ACTIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: ("register", "dispatch"),
    Status.REGISTERED: ("dispatch",),
    Status.DISPATCHED: ("contact",),
    Status.IN_PROGRESS: ("propose", "progress"),
    Status.AWAITING_APPROVAL: ("approve", "progress"),
    Status.RESOLVED: ("follow_up",),
    Status.CLOSED: (),
}


def action_auto_id(action: str) -> str:
    """Element ids per action form: the ticket page shows several forms with a "note" field, and a
    label[for] must point at its own form's control."""
    return f"id_{action}_%s"


def action_form(
    action: ComplaintAction, *, user: Any, complaint: Complaint, data: Any = None, files: Any = None
) -> forms.Form:
    """The page's form of one action: bound to what was posted, or blank (dispatch suggests a department)."""
    auto_id = action_auto_id(action.name)
    if issubclass(action.form, DispatchForm):  # dispatch, transfer: a department of the store
        departments = csat_selectors.department_list(user=user).filter(store=complaint.store)
        if action.form is TransferForm:
            departments = departments.exclude(pk=complaint.department_id)
        if data is not None:
            return action.form(data, departments=departments, auto_id=auto_id)
        if action.form is TransferForm:  # no suggestion: customer care knows why it moves it
            return TransferForm(departments=departments, auto_id=auto_id)
        return action.form(
            departments=departments,
            initial_kind=suggested_department_kind(category=complaint.category, major=complaint.is_major),
            auto_id=auto_id,
        )
    if action.form is AssignForm:  # a person of the ticket's department
        users = department_members(complaint.department_id)
        if data is not None:
            return AssignForm(data, users=users, auto_id=auto_id)
        return AssignForm(users=users, initial={"user": complaint.assignee_id}, auto_id=auto_id)
    if data is not None:
        return action.form(data, files, auto_id=auto_id)
    return action.form(auto_id=auto_id)


def callback_url(value: Any) -> str:
    """The page of the callback task ``value`` names (an id), or "" when it names none: the way back
    to a call a complaint was logged from. A link only: the callback page decides who may open it."""
    raw = str(value or "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 11 and 0 < int(raw) < 2**31):
        return ""
    return reverse("callbacks:call", args=[int(raw)])


def ticket_context(
    request: HttpRequest, complaint: Complaint, bound: dict[str, Any] | None = None, unfold: str = ""
) -> dict[str, Any]:
    user = request.user
    try:
        penalty = complaint.penalty
    except PenaltyRequest.DoesNotExist:
        penalty = None
    action_forms: dict[str, Any] = {}
    for name in allowed_actions(complaint.status):
        action = ACTIONS[name]
        if not action.allowed(user, complaint):
            continue
        if name == "acknowledge" and not complaint.awaits_gm_review:
            continue  # only a major complaint's proposal waiting for the GM's 已阅
        if name == "penalty_decide" and (penalty is None or penalty.decision != PenaltyDecision.PENDING):
            continue  # the GM's page shows no decision form (nor its comment box) with nothing to decide
        if bound and name in bound:
            action_forms[name] = bound[name]
        else:
            action_forms[name] = action_form(action, user=user, complaint=complaint)
    # The GM decides with one comment box (DOMAIN §9 "The GM's gate"): the approve form carries
    # a second button that posts the same comment to reject.
    decision_both = "approve" in action_forms and "reject" in action_forms
    if decision_both:
        rejected = action_forms.pop("reject")
        if bound and "reject" in bound:
            action_forms["approve"] = rejected
    primary = primary_action(complaint, action_forms)
    follow_up_opens = None
    if "follow_up" in action_forms:
        window = next(
            (
                d
                for d in reversed(list(complaint.deadlines.all()))
                if d.kind == DeadlineKind.FOLLOW_UP and d.met_at is None and d.cancelled_at is None
            ),
            None,
        )
        if window is not None and window.opens_at > timezone.now():
            follow_up_opens = window.opens_at  # the form is shown disabled until then
    events = list(complaint.events.all())
    deadlines = list(complaint.deadlines.all())
    attempts = contact_attempts(events, deadlines)
    guidance = [
        {"label": IdentityFlag(flag).label, "text": IDENTITY_GUIDANCE[flag]}
        for flag in complaint.customer.identity_flags
        if flag in IDENTITY_GUIDANCE
    ]
    return {
        "complaint": complaint,
        "penalty": penalty,
        "forms": action_forms,
        "decision_both": decision_both,
        "primary_action": primary,
        "primary_form": action_forms.get(primary) if primary else None,
        "other_forms": {name: f for name, f in action_forms.items() if name != primary},
        "follow_up_opens": follow_up_opens,
        "handling": handling_guidance(complaint)
        if access.role_of(user) in (Role.DEPARTMENT_MANAGER, Role.CUSTOMER_CARE_MANAGER)
        else None,
        "guidance": guidance,
        "grade_criteria": criteria_labels(complaint.grade_criteria or []),
        "deadlines": deadlines,
        # The timers with the unanswered calls logged against each (the 2-hour contact steps).
        "deadline_rows": [(d, attempts.get(d.pk, [])) for d in deadlines],
        # The unanswered calls of the 2-hour step still running (the contact form says how many).
        "contact_attempts": running_step_attempts(attempts, deadlines),
        "events": events,
        # Sent back with every form: a step taken by someone else since is not overwritten blindly.
        "ticket_version": ticket_version(events),
        "unfold": unfold,  # a further action sent back unchanged (the ticket changed meanwhile)
        "can_create": permissions.can_create(user),
        "can_confirm_major": permissions.can_confirm_major(user, complaint),
        # Logged from a call (``?callback=``, complaints.views.create): the way back to finish it.
        "callback_url": callback_url(request.GET.get("callback")),
        # Issue #22: the ticket's attachments (removed ones only in the history) and the upload form.
        "attachments": [
            (a, permissions.can_remove_attachment(user, complaint, a))
            for a in complaint.attachments.filter(deleted_at__isnull=True).select_related("uploaded_by")
        ],
        "can_attach": permissions.can_attach(user, complaint),
        "attachment_form": AttachmentForm(auto_id="id_attachment_%s"),
        "attachment_max_mb": attachment_max_bytes() // (1024 * 1024),
        "now": timezone.now(),
        "title": complaint.number,
        "open_crisis": None,
        "signals": [],
        **ticket_extras(complaint, user),
        # A closed ticket needs no crisis banner (the customer's page still links the case).
        **({"open_crisis": None} if complaint.status == Status.CLOSED else {}),
    }


def primary_action(complaint: Complaint, action_forms: dict[str, Any]) -> str | None:
    """The action shown first: the workflow's next step when the user may take it. In progress with
    a solution the customer may carry out (none, or approved), resolving comes first."""
    order = PRIMARY_ACTIONS.get(complaint.status, ())
    if complaint.status == Status.IN_PROGRESS and complaint.solution and not complaint.needs_approval:
        order = ("resolve", *order)
    return next((name for name in order if name in action_forms), None)


def _who(users: list[Any]) -> str:
    names = []
    for user in users:
        profile = access.profile_of(user)
        name = user.get_full_name() or user.username
        names.append(
            _("%(role)s（%(name)s）") % {"role": Role(profile.role).label, "name": name} if profile else name
        )
    return _("、").join(names)


def outcome_message(action: str, complaint: Complaint, notified: list[Any]) -> str:
    """The flash after an action: what happened, and who was told (DOMAIN §9: the GM hears of a
    proposal with compensation at once)."""
    department = complaint.department.name if complaint.department else ""
    messages: dict[str, str] = {
        "register": _("反馈单已登记"),
        "dispatch": _("已派单给%(dept)s，2 小时内须联系客户") % {"dept": department},
        "contact": _("已记录与客户的联系"),
        "progress": _("进度报告已提交"),
        "propose": _("方案已提交总经理审批")
        if complaint.approval == Approval.PENDING
        else _("解决方案已保存"),
        "approve": _("方案已批准"),
        "reject": _("方案已驳回"),
        "resolve": _("处理结果已记录，客户部将在第 5–7 天回访"),
        "follow_up": _("投诉已结案")
        if complaint.status == Status.CLOSED
        else _("客户不满意，投诉已重新派给%(dept)s") % {"dept": department},
        "escalate": _("已升级为危机事件"),
        "transfer": _("已转派给%(dept)s") % {"dept": department},
        "return": _("已退回客户部"),
        "assign": _("已指派处理人"),
        "responsible": _("责任人与内部处理措施已记录"),
        "accountability": _("内部责任追究已记录"),
        "penalty_request": _("考核申请已提交总经理"),
        "penalty_decide": _("考核申请已处理"),
        "acknowledge": _("已阅，处理方案已确认"),
        "contact_attempt": _("已记录未接通的联系尝试，2 小时联系时限仍在计时"),
        "note": _("备注已添加"),
    }
    text = messages.get(action, _("已保存"))
    if notified:
        # One person "has", several "have" been notified (English; Chinese says it once).
        told = npgettext(
            "people notified", "%(what)s，%(who)s已收到通知。", "%(what)s，%(who)s已收到通知。", len(notified)
        )
        return told % {"what": text, "who": _who(notified)}
    return _("%(what)s。") % {"what": text}
