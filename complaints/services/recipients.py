"""Who is who in a store, for notifications and escalation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from csat.access import MANAGER_ROLES
from csat.models import Department

__all__ = ["MANAGER_ROLES", "managers_of", "store_role_users"]


def managers_of(department: Department | None) -> QuerySet[Any]:
    if department is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(
        is_active=True, profile__department=department, profile__role__in=MANAGER_ROLES
    )


def store_role_users(store_id: int, role: str) -> QuerySet[Any]:
    return get_user_model().objects.filter(is_active=True, profile__store_id=store_id, profile__role=role)
