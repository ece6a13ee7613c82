"""Who may take which action on a complaint: the role table every view and API consults."""

from __future__ import annotations

from typing import Any

from complaints.models import Complaint
from csat import access
from csat.models import Role

# Customer care runs the form; the responsible department works it; the GM decides money.
CARE = frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER})
DEPARTMENT_ACTIONS = frozenset({"contact", "progress", "propose", "resolve"})
# The responsible department's manager alone (DOMAIN §9 "Who is responsible"): give it back within
# the 2-hour step, name the person who works it, record the directly responsible staff.
MANAGER_ONLY_ACTIONS = frozenset({"return", "assign", "responsible"})
DEPARTMENT_MANAGER_ROLES = (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR, Role.CUSTOMER_CARE_MANAGER)
ACTION_ROLES: dict[str, frozenset[str]] = {
    "register": CARE,
    "dispatch": CARE,
    "follow_up": CARE,
    "approve": frozenset({Role.GENERAL_MANAGER}),
    "reject": frozenset({Role.GENERAL_MANAGER}),
    "escalate": frozenset({Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER}),
    "transfer": CARE,
    "accountability": frozenset({Role.GENERAL_MANAGER}),
    "penalty_request": frozenset({Role.CUSTOMER_CARE_MANAGER}),
    "penalty_decide": frozenset({Role.GENERAL_MANAGER}),
}


def can_create(user: Any) -> bool:
    """Anyone in any department records a complaint; head office only reads."""
    return access.profile_of(user) is not None and not access.is_read_only(user)


def can_act(user: Any, complaint: Complaint, action: str) -> bool:
    if not user.is_authenticated or access.is_read_only(user):
        return False
    if user.is_superuser:
        return True
    profile = access.profile_of(user)
    if profile is None or profile.store_id != complaint.store_id:
        return False
    in_department = (
        profile.role in DEPARTMENT_MANAGER_ROLES
        and complaint.department_id is not None
        and profile.department_id == complaint.department_id
    )
    if action in DEPARTMENT_ACTIONS:
        # The responsible department's manager; the GM may decide personally.
        return profile.role == Role.GENERAL_MANAGER or in_department
    if action in MANAGER_ONLY_ACTIONS:
        return in_department
    return profile.role in ACTION_ROLES.get(action, frozenset())
