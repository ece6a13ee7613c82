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
    AccountabilityForm,
    AcknowledgeForm,
    AssignForm,
    ContactAttemptForm,
    ContactForm,
    DecisionForm,
    DispatchForm,
    EscalateForm,
    FollowUpForm,
    InternalNoteForm,
    NoteForm,
    PenaltyDecideForm,
    PenaltyRequestForm,
    ProgressForm,
    ProposeForm,
    ResolveForm,
    ResponsibleForm,
    ReturnForm,
    TransferForm,
)
from complaints.models import Complaint
from complaints.services import accountability, steps
from complaints.services.ticket import (
    ACCOUNTABILITY_TEXT,
    ATTEMPT_NOTE,
    CONTACT_NOTE,
    INTERNAL_NOTE,
    PENALTY_REASON,
    PROGRESS_NOTE,
    PROPOSAL_SOLUTION,
    REJECTION_COMMENT,
    RESOLUTION_RESULT,
    RESPONSIBLE_STAFF,
    RETURN_REASON,
    TRANSFER_REASON,
    RequiredText,
    RequiredTextError,
    check_unchanged,
)
from csat.change_reason import change_reason
from csat.uploads import atomic_with_files

# Inputs the API's one action serializer leaves optional but these steps need (the page's form
# requires them itself).
DISPATCH_DEPARTMENT = RequiredText("department", _("请选择责任部门。"))
FOLLOW_UP_OUTCOME = RequiredText("outcome", _("请选择客户是否满意。"))
ASSIGN_USER = RequiredText("user", _("请选择处理人。"))


class RequiredChoice(RequiredText):
    """A choice a step cannot do without, where False is a choice (approve or reject)."""

    def check(self, value: Any) -> None:
        if value is None:
            raise RequiredTextError(str(self.message), field=self.field)


# The input that says why, as the person typed it: the history's reason for the ticket's change.
REASON_FIELDS = ("reason", "comment", "note", "text")

PENALTY_APPROVED = RequiredChoice("approved", _("请选择批准或驳回。"))


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

    def run(
        self, *, complaint: Complaint | int, actor: Any, data: Mapping[str, Any], seen: int | None = None
    ) -> Complaint:
        """Check the input the step needs (RequiredTextError), then call the service with its
        arguments. ``seen``: the ticket's version on the page the form came from; if a person acted
        on the ticket since, nothing is done (StaleTicketError). The API sends none."""
        if self.required is not None:
            self.required.check(data.get(self.required.field))
        typed = next(
            (str(data[f]) for f in REASON_FIELDS if isinstance(data.get(f), str) and data[f].strip()), ""
        )
        # One transaction: the check's row lock is held until the step has written its event. A file
        # the step stores (the resolve's agreement) is deleted again if it does not commit.
        with atomic_with_files(), change_reason(typed):  # the history's reason: what the person typed
            if seen is not None:
                check_unchanged(complaint, seen, actor=actor, action=self.name)
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
        # A call the customer did not answer (DOMAIN §9: not contact; the step runs on).
        ComplaintAction(
            name="contact_attempt",
            service=steps.complaint_contact_attempt,
            form=ContactAttemptForm,
            arguments=("note", "called_at"),
            nullable=frozenset({"called_at"}),
            required=ATTEMPT_NOTE,  # optional; refused only when too long
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
            arguments=("solution", "compensation_amount", "compensation_in_kind", "customer_accepted"),
            nullable=frozenset({"compensation_amount", "customer_accepted"}),
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
            name="escalate", service=steps.complaint_escalate, form=EscalateForm, arguments=("note",)
        ),
        # Who is responsible (DOMAIN §9, issue #18).
        ComplaintAction(
            name="transfer",
            service=accountability.complaint_transfer,
            form=TransferForm,
            arguments=("department", "reason"),
            nullable=frozenset({"department"}),
            required=TRANSFER_REASON,
        ),
        ComplaintAction(
            name="return",
            service=accountability.complaint_return,
            form=ReturnForm,
            arguments=("reason",),
            required=RETURN_REASON,
        ),
        ComplaintAction(
            name="assign",
            service=accountability.complaint_assign,
            form=AssignForm,
            arguments=("user",),
            nullable=frozenset({"user"}),
            required=ASSIGN_USER,
        ),
        ComplaintAction(
            name="responsible",
            service=accountability.complaint_responsible,
            form=ResponsibleForm,
            arguments=("staff", "measure"),
            required=RESPONSIBLE_STAFF,
        ),
        ComplaintAction(
            name="accountability",
            service=accountability.complaint_accountability,
            form=AccountabilityForm,
            arguments=("text",),
            required=ACCOUNTABILITY_TEXT,
        ),
        ComplaintAction(
            name="penalty_request",
            service=accountability.complaint_penalty_request,
            form=PenaltyRequestForm,
            arguments=("reason",),
            required=PENALTY_REASON,
        ),
        ComplaintAction(
            name="penalty_decide",
            service=accountability.complaint_penalty_decide,
            form=PenaltyDecideForm,
            arguments=("approved", "points", "comment"),
            nullable=frozenset({"approved", "points"}),
            required=PENALTY_APPROVED,
        ),
        # The GM's 已阅 of a major complaint's proposed measures (DOMAIN §9 "The GM's gate").
        ComplaintAction(name="acknowledge", service=steps.complaint_acknowledge, form=AcknowledgeForm),
        # An internal note on the history, by whoever works the ticket (a help desk's internal comment).
        ComplaintAction(
            name="note",
            service=steps.complaint_note,
            form=InternalNoteForm,
            arguments=("note",),
            required=INTERNAL_NOTE,
        ),
    )
}
