"""Complaint models, split by topic; every public name is re-exported here."""

from .attachments import ComplaintAttachment
from .causes import CauseCode
from .tickets import (
    EVENT_LABELS,
    Approval,
    AssessmentAdjustment,
    AssessmentDispute,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineAlert,
    DeadlineKind,
    DisputeStatus,
    Kind,
    MajorCriterion,
    PenaltyDecision,
    PenaltyRequest,
    Severity,
    Status,
)
from .views import SavedView

__all__ = [
    "EVENT_LABELS",
    "Approval",
    "AssessmentAdjustment",
    "AssessmentDispute",
    "Category",
    "CauseCode",
    "Channel",
    "Complaint",
    "ComplaintAttachment",
    "ComplaintEvent",
    "Deadline",
    "DeadlineAlert",
    "DeadlineKind",
    "DisputeStatus",
    "Kind",
    "MajorCriterion",
    "PenaltyDecision",
    "PenaltyRequest",
    "SavedView",
    "Severity",
    "Status",
]
