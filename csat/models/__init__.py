"""Shared models, split by topic; every public name is re-exported here."""

from .core import (
    CalendarOverride,
    Customer,
    Department,
    DepartmentKind,
    IdentityFlag,
    Role,
    SalesDelivery,
    ServiceKind,
    ServiceVisit,
    StaffProfile,
    StatusEvent,
    Store,
    TimeStamped,
    Vehicle,
)
from .notifications import Delivery, Notification

__all__ = [
    "CalendarOverride",
    "Customer",
    "Delivery",
    "Department",
    "DepartmentKind",
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
