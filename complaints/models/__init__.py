"""Complaint models, split by topic; every public name is re-exported here."""

from .causes import CauseCode
from .tickets import (
    EVENT_LABELS,
    Approval,
    AssessmentAdjustment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Deadline,
    DeadlineAlert,
    DeadlineKind,
    Kind,
    MajorCriterion,
    PenaltyDecision,
    PenaltyRequest,
    Severity,
    Status,
)

__all__ = [
    "EVENT_LABELS",
    "Approval",
    "AssessmentAdjustment",
    "Category",
    "CauseCode",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "Deadline",
    "DeadlineAlert",
    "DeadlineKind",
    "Kind",
    "MajorCriterion",
    "PenaltyDecision",
    "PenaltyRequest",
    "Severity",
    "Status",
]
