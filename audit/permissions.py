"""Who may read the audit log and export history (the record pages keep their own rules)."""

from __future__ import annotations

from typing import Any

from csat import access
from csat.models import Role

# The store-wide audit log: the GM and the customer-care manager of a store, and the sysadmin
# (the list the navigation shows the link by).
LOG_ROLES = access.AUDIT_LOG_ROLES
# Downloading history: managers, the GM and the sysadmin; agents and front-line staff may not.
EXPORT_ROLES = (
    Role.GENERAL_MANAGER,
    Role.CUSTOMER_CARE_MANAGER,
    Role.DEPARTMENT_MANAGER,
    Role.ADMIN_ASSESSOR,
)


def can_view_log(user: Any) -> bool:
    return access.has_role(user, *LOG_ROLES)


def can_export(user: Any) -> bool:
    return access.has_role(user, *EXPORT_ROLES)
