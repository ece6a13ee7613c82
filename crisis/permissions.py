"""Who may open, read and edit crisis cases."""

from __future__ import annotations

from typing import Any

from crisis.models import CrisisCase
from csat import access
from csat.models import Role

OPENERS = frozenset(
    {
        Role.AGENT,
        Role.CUSTOMER_CARE_MANAGER,
        Role.DEPARTMENT_MANAGER,
        Role.GENERAL_MANAGER,
        Role.ADMIN_ASSESSOR,
    }
)
READERS = frozenset(
    {Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_VIEWER, Role.ADMIN_ASSESSOR}
)


def can_open(user: Any) -> bool:
    """Early warning may come from any department: agents, customer care and managers open cases."""
    return access.has_role(user, *OPENERS)


def can_read_all(user: Any) -> bool:
    return access.has_role(user, *READERS)


def can_edit(user: Any, crisis: CrisisCase) -> bool:
    """The emergency team and the GM edit; everyone else with access reads."""
    if not user.is_authenticated or access.is_read_only(user):
        return False
    if user.is_superuser:
        return True
    profile = access.profile_of(user)
    if profile is None or profile.store_id != crisis.store_id:
        return False
    if profile.role == Role.GENERAL_MANAGER:
        return True
    return any(member.user_id == user.pk for member in crisis.team.all())


def can_approve(user: Any, crisis: CrisisCase) -> bool:
    return access.has_role(user, Role.GENERAL_MANAGER) and access.user_store_id(user) in (
        None,
        crisis.store_id,
    )


def can_attach(user: Any, crisis: CrisisCase) -> bool:
    """Issue #22: whoever may open the case (found through its scoped selector) adds photos,
    recordings and documents; head office only reads."""
    return (
        user.is_authenticated
        and not access.is_read_only(user)
        and (user.is_superuser or access.profile_of(user) is not None)
    )


def can_remove_attachment(user: Any, crisis: CrisisCase, attachment: Any) -> bool:
    """The uploader, or a manager: the GM (and the team, who edit the case), customer care's
    manager (the file stays; removing only hides it)."""
    if not can_attach(user, crisis):
        return False
    if attachment.uploaded_by_id == user.pk or can_edit(user, crisis):
        return True
    profile = access.profile_of(user)
    return (
        profile is not None
        and profile.store_id == crisis.store_id
        and profile.role == Role.CUSTOMER_CARE_MANAGER
    )
