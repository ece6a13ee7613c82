"""Shared models, split by topic; every public name is re-exported here."""

from .attachments import AttachmentBase, AttachmentKind
from .core import (
    CalendarOverride,
    CalendarYear,
    Department,
    DepartmentKind,
    DutyRoster,
    IdentityFlag,
    Role,
    StaffProfile,
    StatusEvent,
    Store,
    TimeStamped,
)
from .customers import Customer, SalesDelivery, ServiceKind, ServiceVisit, Vehicle
from .notifications import Delivery, Notification
from .replays import FormSubmission, IdempotencyKey

__all__ = [
    "AttachmentBase",
    "AttachmentKind",
    "CalendarOverride",
    "CalendarYear",
    "Customer",
    "Delivery",
    "FormSubmission",
    "IdempotencyKey",
    "Department",
    "DepartmentKind",
    "DutyRoster",
    "IdentityFlag",
    "Notification",
    "Role",
    "SalesDelivery",
    "ServiceKind",
    "ServiceVisit",
    "StaffProfile",
    "StatusEvent",
    "Store",
    "TimeStamped",
    "Vehicle",
]
