"""Navigation by role, available to every template as ``nav`` and ``profile``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from csat import access
from csat.models import Role

# (url name, label, roles that see it; None = everyone signed in)
NAV_ITEMS: list[tuple[str, Any, frozenset[str] | None]] = [
    ("home", _("工作台"), None),
    ("callbacks:index", _("回访"), frozenset({Role.AGENT, Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER})),
    ("complaints:index", _("投诉"), None),
    ("crisis:index", _("危机事件"), frozenset({Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_VIEWER})),
    ("customer-search", _("客户"), None),
    ("reports:index", _("报表"), None),
    (
        "import-list",
        _("数据导入"),
        frozenset(
            {
                Role.AGENT,
                Role.CUSTOMER_CARE_MANAGER,
                Role.DEPARTMENT_MANAGER,
                Role.GENERAL_MANAGER,
                Role.ADMIN_ASSESSOR,
            }
        ),
    ),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    role = access.role_of(user)
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, roles in NAV_ITEMS
        if roles is None or role in roles or user.is_superuser
    ]
    return {"nav": items, "profile": access.profile_of(user)}
