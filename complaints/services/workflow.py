"""The complaint workflow, by its old address: intake (``complaints.services.intake``) and one
function per step (``complaints.services.steps``). Import from those modules in new code."""

from __future__ import annotations

from complaints.services.intake import (
    CATEGORY_DEPARTMENT,
    MAX_BACKDATE,
    complaint_create,
    complaint_intake,
    receiving_department,
    suggested_department_kind,
    suggested_major_criteria,
)
from complaints.services.steps import (
    complaint_approve,
    complaint_confirm_major,
    complaint_contact,
    complaint_dispatch,
    complaint_escalate,
    complaint_follow_up,
    complaint_progress,
    complaint_propose,
    complaint_register,
    complaint_reject,
    complaint_resolve,
)

__all__ = [
    "CATEGORY_DEPARTMENT",
    "MAX_BACKDATE",
    "complaint_approve",
    "complaint_confirm_major",
    "complaint_contact",
    "complaint_create",
    "complaint_dispatch",
    "complaint_escalate",
    "complaint_follow_up",
    "complaint_intake",
    "complaint_progress",
    "complaint_propose",
    "complaint_register",
    "complaint_reject",
    "complaint_resolve",
    "receiving_department",
    "suggested_department_kind",
    "suggested_major_criteria",
]
