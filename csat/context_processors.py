"""Navigation by role, available to every template as ``nav`` and ``profile``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from csat import access, fragments
from csat.models import Role


def _roles(*roles: str) -> Callable[[Any], bool]:
    return lambda user: access.has_role(user, *roles)


def _everyone(user: Any) -> bool:
    return True


# (url name, label, who sees it) — the same predicates and role lists the views enforce.
NAV_ITEMS: list[tuple[str, Any, Callable[[Any], bool]]] = [
    ("home", _("工作台"), _everyone),
    # callbacks.permissions.can_read
    ("callbacks:index", _("回访"), _roles(*access.CALLBACK_READ_ROLES)),
    ("complaints:index", _("投诉"), _everyone),
    (
        "crisis:index",
        _("危机事件"),
        _roles(Role.CUSTOMER_CARE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_VIEWER),
    ),
    ("customer-search", _("客户"), _everyone),
    ("reports:index", _("报表"), _everyone),
    ("import-list", _("数据导入"), lambda user: access.can_import(user) and not access.is_read_only(user)),
    # audit.permissions.can_view_log
    ("audit:log", _("审计日志"), _roles(*access.AUDIT_LOG_ROLES)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    # No user on a request refused before the authentication middleware ran (a Host header not in
    # ALLOWED_HOSTS): its 400 page has no navigation, and rendering it must not fail (each such
    # request logged an error with a traceback).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, visible in NAV_ITEMS:
        if visible(user):
            url = reverse(name)
            items.append({"url": url, "label": label, "active": request.path == url})
    if getattr(request, "kept_build", False):
        # A page kept whole (csat.fragments): each request puts its own badge in.
        badge = mark_safe(fragments.UNREAD_PLACEHOLDER)  # noqa: S308 - a constant comment
    else:
        badge = mark_safe(fragments.unread_badge(user))  # noqa: S308 - format_html built it
    return {"nav": items, "profile": access.profile_of(user), "unread_badge": badge}
