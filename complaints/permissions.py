"""Who may take which action on a complaint: the role table every view and API consults."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from complaints.models import Complaint
from csat import access
from csat.business_time import business_tz
from csat.models import Role
from csat.selectors import on_duty

# Customer care runs the form; the responsible department works it; the GM decides money.
CARE = frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER})
# A call the customer did not answer is logged by whoever may record the call (contact).
DEPARTMENT_ACTIONS = frozenset({"contact", "contact_attempt", "progress", "propose", "resolve"})
# The responsible department's manager alone (DOMAIN §9 "Who is responsible"): give it back within
# the 2-hour step, name the person who works it, record the directly responsible staff.
MANAGER_ONLY_ACTIONS = frozenset({"return", "assign", "responsible"})
DEPARTMENT_MANAGER_ROLES = (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR, Role.CUSTOMER_CARE_MANAGER)
NOTE_ROLES = CARE | {Role.GENERAL_MANAGER}
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
    "acknowledge": frozenset({Role.GENERAL_MANAGER}),
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
    if action == "note":
        # An internal note: whoever works the ticket — customer care, the GM, the managers of the
        # department that owns it, the person assigned to it (not a department that only received
        # it, nor head office, which only reads).
        return (
            profile.role in NOTE_ROLES
            or in_department
            or (complaint.assignee_id is not None and complaint.assignee_id == user.pk)
        )
    if action in DEPARTMENT_ACTIONS:
        # The responsible department's manager; the GM may decide personally.
        return profile.role == Role.GENERAL_MANAGER or in_department
    if action in MANAGER_ONLY_ACTIONS:
        return in_department
    if profile.role in ACTION_ROLES.get(action, frozenset()):
        return True
    if action != "dispatch":
        return False
    return _receiving_manager(profile, complaint) or _duty_leader(user, profile, complaint)


def _receiving_manager(profile: Any, complaint: Complaint) -> bool:
    """DOMAIN §9: the department that received a complaint may pass it straight to the responsible
    department (while it is still only received; customer care completes the form)."""
    return (
        complaint.status == "received"
        and profile.role in (Role.DEPARTMENT_MANAGER, Role.ADMIN_ASSESSOR)
        and profile.department_id == complaint.received_by_department_id
    )


def _duty_leader(user: Any, profile: Any, complaint: Complaint) -> bool:
    """DOMAIN §9 "Off hours": a duty leader (the GM, or whoever the store's roster names for the
    day) may dispatch a complaint directly."""
    if profile.role == Role.GENERAL_MANAGER:
        return True
    return on_duty(user=user, store_id=complaint.store_id, on=timezone.localdate(timezone=business_tz()))


def can_confirm_major(user: Any, complaint: Complaint) -> bool:
    """Who confirms an early-warning suggestion that the ticket is major: whoever may register,
    contact the customer on, or escalate it (the service's rule, and the ticket page's button)."""
    return any(can_act(user, complaint, action) for action in ("register", "contact", "escalate"))


def can_attach(user: Any, complaint: Complaint) -> bool:
    """Issue #22: whoever may open the ticket (found through its scoped selector) adds photos,
    receipts and recordings; head office only reads."""
    return (
        user.is_authenticated
        and not access.is_read_only(user)
        and (user.is_superuser or access.profile_of(user) is not None)
    )


def can_remove_attachment(user: Any, complaint: Complaint, attachment: Any) -> bool:
    """The uploader, or a manager: the GM, customer care's manager, or the manager of the
    department working the ticket (the file stays; removing only hides it)."""
    if not can_attach(user, complaint):
        return False
    if user.is_superuser or attachment.uploaded_by_id == user.pk:
        return True
    profile = access.profile_of(user)
    if profile is None or profile.store_id != complaint.store_id:
        return False
    if profile.role in (Role.GENERAL_MANAGER, Role.CUSTOMER_CARE_MANAGER):
        return True
    return (
        profile.role in DEPARTMENT_MANAGER_ROLES
        and complaint.department_id is not None
        and profile.department_id == complaint.department_id
    )
