"""The one server-side authorization layer: who may see which store's data and act how.

Every view and API scopes its queryset through ``scope_to_user`` and checks roles through the
predicates here, so a rule changes in one place.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet

from csat.domain.privacy import mask_mobile
from csat.models import Department, DepartmentKind, Role, StaffProfile, Store

AnyUser = User | AnonymousUser

CARE_ROLES = frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER})
M = TypeVar("M", bound=Model)

MANAGER_ROLES = frozenset({Role.DEPARTMENT_MANAGER, Role.CUSTOMER_CARE_MANAGER, Role.ADMIN_ASSESSOR})

# Role lists the feature apps' permissions and the navigation share (one list, one answer):
# Reading the callback work (callbacks.permissions.can_read): customer care, the GM, department
# managers and the assessor (feedback on their department), head office (all stores).
CALLBACK_READ_ROLES = (
    Role.AGENT,
    Role.CUSTOMER_CARE_MANAGER,
    Role.GENERAL_MANAGER,
    Role.DEPARTMENT_MANAGER,
    Role.ADMIN_ASSESSOR,
    Role.GROUP_VIEWER,
)
# The store-wide audit log (audit.permissions.can_view_log): the GM and the customer-care manager.
AUDIT_LOG_ROLES = (Role.GENERAL_MANAGER, Role.CUSTOMER_CARE_MANAGER)


def profile_of(user: AnyUser) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.profile  # type: ignore[union-attr,no-any-return]
    except StaffProfile.DoesNotExist:
        return None


def role_of(user: AnyUser) -> str | None:
    profile = profile_of(user)
    return profile.role if profile else None


def sees_all_stores(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or role_of(user) == Role.GROUP_VIEWER))


def has_role(user: AnyUser, *roles: str) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or role_of(user) in roles))


def is_read_only(user: AnyUser) -> bool:
    """Head office reads every store and changes nothing."""
    return role_of(user) == Role.GROUP_VIEWER and not user.is_superuser


def can_manage_customers(user: AnyUser) -> bool:
    """Customer care and managers maintain customer records and run imports."""
    return has_role(
        user,
        Role.AGENT,
        Role.CUSTOMER_CARE_MANAGER,
        Role.DEPARTMENT_MANAGER,
        Role.GENERAL_MANAGER,
        Role.ADMIN_ASSESSOR,
    )


def can_import(user: AnyUser) -> bool:
    """Customer care and managers load DMS files; head office and front-line staff do not."""
    return has_role(
        user,
        Role.AGENT,
        Role.CUSTOMER_CARE_MANAGER,
        Role.DEPARTMENT_MANAGER,
        Role.GENERAL_MANAGER,
        Role.ADMIN_ASSESSOR,
    )


# Who phones customers (DOMAIN.md): customer care (callbacks, day 5–7 follow-ups) and department
# managers (the 2-hour first contact on a complaint); the sysadmin too. Everyone else sees
# mobiles masked (138****5678) in pages and API responses. Monthly reports are always masked.
FULL_MOBILE_ROLES = frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER, Role.DEPARTMENT_MANAGER})


def sees_full_mobile(user: AnyUser) -> bool:
    return has_role(user, *FULL_MOBILE_ROLES)


def mobile_for(user: AnyUser, number: str | None) -> str:
    """The number as this user may see it."""
    return (number or "") if sees_full_mobile(user) else mask_mobile(number)


def is_customer_care(user: AnyUser) -> bool:
    profile = profile_of(user)
    return bool(profile and profile.role in CARE_ROLES)


def in_department(user: AnyUser, department_id: int | None) -> bool:
    """A department manager acts only in their own department; the GM in all of their store's."""
    if user.is_authenticated and user.is_superuser:
        return True
    profile = profile_of(user)
    if profile is None or department_id is None:
        return False
    if profile.role in (Role.GENERAL_MANAGER, Role.CUSTOMER_CARE_MANAGER):
        # Every department of their own store, none of another store's.
        return Department.objects.filter(pk=department_id, store_id=profile.store_id).exists()
    return profile.department_id == department_id


def department_kind_of(user: AnyUser) -> str | None:
    profile = profile_of(user)
    return profile.department.kind if profile and profile.department else None


def visible_stores(user: AnyUser) -> QuerySet[Store]:
    if sees_all_stores(user):
        return Store.objects.all()
    profile = profile_of(user)
    if profile is None or profile.store_id is None:
        return Store.objects.none()
    return Store.objects.filter(pk=profile.store_id)


def scope_to_user(queryset: QuerySet[M], user: AnyUser, *, store_field: str = "store") -> QuerySet[M]:
    """Restrict a queryset to the stores the user may see (no IDOR: others' rows become 404)."""
    if sees_all_stores(user):
        return queryset
    profile = profile_of(user)
    if profile is None or profile.store_id is None:
        return queryset.none()
    return queryset.filter(**{f"{store_field}_id": profile.store_id})


def user_store_id(user: AnyUser) -> int | None:
    profile = profile_of(user)
    return profile.store_id if profile else None


__all__ = [
    "AUDIT_LOG_ROLES",
    "CALLBACK_READ_ROLES",
    "CARE_ROLES",
    "FULL_MOBILE_ROLES",
    "MANAGER_ROLES",
    "DepartmentKind",
    "can_import",
    "can_manage_customers",
    "department_kind_of",
    "has_role",
    "in_department",
    "is_customer_care",
    "is_read_only",
    "mobile_for",
    "profile_of",
    "role_of",
    "scope_to_user",
    "sees_all_stores",
    "sees_full_mobile",
    "user_store_id",
    "visible_stores",
]
