"""DRF permission classes built on csat.access, so the API and the pages share one rule set."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from csat import access


class CustomerDataPermission(BasePermission):
    """Read: anyone signed in with a profile (rows are store-scoped). Write: staff who maintain records."""

    message = "您的角色无权修改客户资料。"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if access.profile_of(user) is None and not user.is_superuser:
            return False
        if request.method in SAFE_METHODS:
            return True
        return access.can_manage_customers(user) and not access.is_read_only(user)
