"""The complaint action table: every step a ticket takes after intake, once, for the API
(``POST /api/complaints/{id}/{action}/``, CONTRACT) and for the ticket page's forms.

Per action: the service that does it, the arguments it takes (and which of them may be None), the
input it cannot do without (field and message; a missing one is a 400 on the API), and the page's
form. Who may act is ``complaints.permissions.can_act``; the statuses that allow it are
``csat.domain.transitions.ACTION_TRANSITIONS`` (one row here per action there, a test checks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import permissions
from complaints.forms import (
    ContactForm,
    DecisionForm,
    DispatchForm,
    FollowUpForm,
    NoteForm,
    ProgressForm,
    ProposeForm,
    ResolveForm,
)
from complaints.models import Complaint
from complaints.services import steps
from complaints.services.ticket import (
    CONTACT_NOTE,
    PROGRESS_NOTE,
    PROPOSAL_SOLUTION,
    REJECTION_COMMENT,
    RESOLUTION_RESULT,
    RequiredText,
)

# Inputs the API's one action serializer leaves optional but these steps need (the page's form
# requires them itself).
DISPATCH_DEPARTMENT = RequiredText("department", _("请选择责任部门。"))
FOLLOW_UP_OUTCOME = RequiredText("outcome", _("请选择客户是否满意。"))


@dataclass(frozen=True, kw_only=True)
class ComplaintAction:
    name: str
    service: Callable[..., Complaint]
    form: type[forms.Form]
    arguments: tuple[str, ...] = ()
    # Arguments the service takes as None when absent; every other one is text ("" when absent).
    nullable: frozenset[str] = frozenset()
    required: RequiredText | None = None

    def allowed(self, user: Any, complaint: Complaint) -> bool:
        return permissions.can_act(user, complaint, self.name)

    def service_kwargs(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: data.get(name) if name in self.nullable else (data.get(name) or "")
            for name in self.arguments
        }

    def run(self, *, complaint: Complaint | int, actor: Any, data: Mapping[str, Any]) -> Complaint:
        """Check the input the step needs (RequiredTextError), then call the service with its arguments."""
        if self.required is not None:
            self.required.check(data.get(self.required.field))
        return self.service(complaint=complaint, actor=actor, **self.service_kwargs(data))


ACTIONS: dict[str, ComplaintAction] = {
    a.name: a
    for a in (
        ComplaintAction(name="register", service=steps.complaint_register, form=NoteForm),
        ComplaintAction(
            name="dispatch",
            service=steps.complaint_dispatch,
            form=DispatchForm,
            arguments=("department",),
            nullable=frozenset({"department"}),
            required=DISPATCH_DEPARTMENT,
        ),
        ComplaintAction(
            name="contact",
            service=steps.complaint_contact,
            form=ContactForm,
            arguments=("cause", "background", "expectation", "note"),
            required=CONTACT_NOTE,
        ),
        ComplaintAction(
            name="progress",
            service=steps.complaint_progress,
            form=ProgressForm,
            arguments=("note",),
            required=PROGRESS_NOTE,
        ),
        ComplaintAction(
            name="propose",
            service=steps.complaint_propose,
            form=ProposeForm,
            arguments=("solution", "compensation_amount"),
            nullable=frozenset({"compensation_amount"}),
            required=PROPOSAL_SOLUTION,
        ),
        ComplaintAction(
            name="approve", service=steps.complaint_approve, form=DecisionForm, arguments=("comment",)
        ),
        ComplaintAction(
            name="reject",
            service=steps.complaint_reject,
            form=DecisionForm,
            arguments=("comment",),
            required=REJECTION_COMMENT,
        ),
        ComplaintAction(
            name="resolve",
            service=steps.complaint_resolve,
            form=ResolveForm,
            arguments=("result", "agreement", "cause_code"),
            nullable=frozenset({"agreement", "cause_code"}),
            required=RESOLUTION_RESULT,
        ),
        ComplaintAction(
            name="follow_up",
            service=steps.complaint_follow_up,
            form=FollowUpForm,
            arguments=("outcome", "note"),
            required=FOLLOW_UP_OUTCOME,
        ),
        ComplaintAction(
            name="escalate", service=steps.complaint_escalate, form=NoteForm, arguments=("note",)
        ),
    )
}
