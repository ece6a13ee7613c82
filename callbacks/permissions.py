"""Who may read the callback work and who may act on it; views, APIs and services ask here."""

from __future__ import annotations

from typing import Any

from csat import access
from csat.models import Role

# Read (store-scoped), the list the navigation shows the link by. Front-line staff do not browse
# customers' callbacks.
READ_ROLES = access.CALLBACK_READ_ROLES


def can_read(user: Any) -> bool:
    return access.has_role(user, *READ_ROLES)


def can_call(user: Any) -> bool:
    """Claim tasks, log call attempts and surveys: customer care (agents and their manager) only."""
    return access.has_role(user, Role.AGENT, Role.CUSTOMER_CARE_MANAGER) and not access.is_read_only(user)


def can_manage(user: Any) -> bool:
    """Assign or cancel tasks, take over another agent's claim: the customer-care manager."""
    return access.has_role(user, Role.CUSTOMER_CARE_MANAGER) and not access.is_read_only(user)


def in_store(user: Any, store_id: int) -> bool:
    return bool(user.is_superuser) or access.user_store_id(user) == store_id


def can_enter_manufacturer_score(user: Any, store_id: int | None = None) -> bool:
    """The manufacturer's quarterly score (issue #19): customer care (agents and their manager) of
    the store enter it; head office reads it in the report and changes nothing. ``store_id`` None:
    whether the user may enter any at all."""
    if not can_call(user):
        return False
    return store_id is None or in_store(user, store_id)
