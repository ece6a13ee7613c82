"""Who may see and build which report: everyone with a profile sees their own store; head office
('hq', the group viewer) and superusers see every store and the group. Another store → 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from csat import access, params
from csat.models import Role, Store
from reports.selectors import GROUP

__all__ = ["BUILD_ROLES", "can_build", "can_view", "require_viewer", "resolve_scope", "scope_choices"]

# Managers and head office take a snapshot on demand; agents and front-line staff read them.
BUILD_ROLES = (
    Role.CUSTOMER_CARE_MANAGER,
    Role.DEPARTMENT_MANAGER,
    Role.GENERAL_MANAGER,
    Role.ADMIN_ASSESSOR,
    Role.GROUP_VIEWER,
)


def can_view(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or access.profile_of(user) is not None))


def require_viewer(user: Any) -> None:
    if not can_view(user):
        raise PermissionDenied(_("您没有员工档案，无法查看报表。"))


def can_build(user: Any) -> bool:
    return access.has_role(user, *BUILD_ROLES)


def resolve_scope(user: Any, *, scope: str | None = None, store_id: int | str | None = None) -> Store | None:
    """The store the user asked for (``None`` = the group), or their default.

    ``scope`` is "GROUP", a store code or a store id; ``store_id`` a store id. Head office defaults
    to the group, everyone else to their own store; anything not visible → 404.
    """
    require_viewer(user)
    wanted = str(store_id) if store_id not in (None, "") else (scope or "")
    if wanted == GROUP or (not wanted and access.user_store_id(user) is None):
        if not access.sees_all_stores(user):
            raise Http404
        return None
    stores = access.visible_stores(user)
    own = access.user_store_id(user)
    if not wanted:
        store = stores.filter(pk=own).first() if own is not None else None
    elif params.is_id(wanted):
        store = stores.filter(pk=int(wanted)).first()
    else:
        store = stores.filter(code=wanted).first()
    if store is None:
        raise Http404
    return store


def scope_choices(user: Any) -> list[tuple[str, str]]:
    """The store/group switch: the group first for head office, then the visible stores."""
    choices = [(GROUP, _("集团（全部门店）"))] if access.sees_all_stores(user) else []
    choices += [(str(s.pk), s.name) for s in access.visible_stores(user).order_by("code")]
    return choices
