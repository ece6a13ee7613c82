"""Helpers of the ticket page: the action forms to show, built from the complaint action table."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from complaints.actions import ACTIONS, ComplaintAction
from complaints.forms import AssignForm, DispatchForm, TransferForm
from complaints.hooks import ticket_extras
from complaints.models import Complaint, PenaltyRequest
from complaints.selectors import department_members
from complaints.services.intake import suggested_department_kind
from csat import selectors as csat_selectors
from csat.domain.grading import IDENTITY_GUIDANCE
from csat.domain.transitions import allowed_actions
from csat.grade_labels import criteria_labels
from csat.models import IdentityFlag


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


def ticket_context(
    request: HttpRequest, complaint: Complaint, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    action_forms: dict[str, Any] = {}
    for name in allowed_actions(complaint.status):
        action = ACTIONS[name]
        if not action.allowed(user, complaint):
            continue
        if bound and name in bound:
            action_forms[name] = bound[name]
        else:
            action_forms[name] = action_form(action, user=user, complaint=complaint)
    guidance = [
        {"label": IdentityFlag(flag).label, "text": IDENTITY_GUIDANCE[flag]}
        for flag in complaint.customer.identity_flags
        if flag in IDENTITY_GUIDANCE
    ]
    try:
        penalty = complaint.penalty
    except PenaltyRequest.DoesNotExist:
        penalty = None
    return {
        "complaint": complaint,
        "penalty": penalty,
        "forms": action_forms,
        "guidance": guidance,
        "grade_criteria": criteria_labels(complaint.grade_criteria or []),
        "deadlines": list(complaint.deadlines.all()),
        "events": list(complaint.events.all()),
        "now": timezone.now(),
        "title": complaint.number,
        "open_crisis": None,
        "signals": [],
        **ticket_extras(complaint),
    }
