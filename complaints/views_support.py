"""Helpers of the ticket page: which action forms to show, and what each service takes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from complaints import permissions
from complaints.forms import ACTION_FORMS, DispatchForm
from complaints.hooks import ticket_extras
from complaints.models import Complaint
from complaints.services.workflow import suggested_department_kind
from csat import selectors as csat_selectors
from csat.domain.grading import IDENTITY_GUIDANCE
from csat.domain.transitions import allowed_actions
from csat.models import IdentityFlag

ACTION_ARGUMENTS = {
    "register": (),
    "dispatch": ("department",),
    "contact": ("cause", "background", "expectation", "note"),
    "progress": ("note",),
    "propose": ("solution", "compensation_amount"),
    "approve": ("comment",),
    "reject": ("comment",),
    "resolve": ("result", "agreement", "cause_code"),
    "follow_up": ("outcome", "note"),
    "escalate": ("note",),
}


# Values a service takes as None when absent; every other argument is text.
NULLABLE = frozenset({"department", "agreement", "compensation_amount", "cause_code"})


def action_kwargs(action: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    return {
        name: cleaned.get(name) if name in NULLABLE else (cleaned.get(name) or "")
        for name in ACTION_ARGUMENTS[action]
    }


def action_auto_id(action: str) -> str:
    """Element ids per action form: the ticket page shows several forms with a "note" field, and a
    label[for] must point at its own form's control."""
    return f"id_{action}_%s"


def ticket_context(
    request: HttpRequest, complaint: Complaint, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    forms: dict[str, Any] = {}
    for action in allowed_actions(complaint.status):
        if not permissions.can_act(user, complaint, action):
            continue
        if bound and action in bound:
            forms[action] = bound[action]
        elif ACTION_FORMS[action] is DispatchForm:
            departments = csat_selectors.department_list(user=user).filter(store=complaint.store)
            forms[action] = DispatchForm(
                departments=departments,
                initial_kind=suggested_department_kind(category=complaint.category, major=complaint.is_major),
                auto_id=action_auto_id(action),
            )
        else:
            forms[action] = ACTION_FORMS[action](auto_id=action_auto_id(action))
    guidance = [
        {"label": IdentityFlag(flag).label, "text": IDENTITY_GUIDANCE[flag]}
        for flag in complaint.customer.identity_flags
        if flag in IDENTITY_GUIDANCE
    ]
    return {
        "complaint": complaint,
        "forms": forms,
        "guidance": guidance,
        "deadlines": list(complaint.deadlines.all()),
        "events": list(complaint.events.all()),
        "now": timezone.now(),
        "title": complaint.number,
        "open_crisis": None,
        "signals": [],
        **ticket_extras(complaint),
    }
