"""Who is told when a closed month's report is built (issue #19; DOMAIN §9 "Report scope";
cs-survey-management §二.4: "每月需将调查情况向集团综合经营部、公司领导及相关部门公布", §五.3: the
report reaches every department before the 30th).

**Decision:** a store's report goes to that store's leaders and departments — its GM, every
department manager (customer care, the assessor of the admin department, the other departments'
managers) and each of its departments' group robots; the group's report goes to head office (集团
综合经营部, the group viewers), who switch to any store on the group dashboard. So each person hears
once per month, not once per store.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from csat.access import MANAGER_ROLES
from csat.models import Department, Role, Store

__all__ = ["PUBLISHED_TO_ROLES", "report_recipients", "report_webhook_departments"]

# The store's leaders: the GM and every department manager.
PUBLISHED_TO_ROLES = (Role.GENERAL_MANAGER, *sorted(MANAGER_ROLES))


def report_recipients(*, store: Store | None) -> QuerySet[Any]:
    """The active users told of the report of ``store`` (``None``: the group's, head office)."""
    users = get_user_model().objects.filter(is_active=True)
    if store is None:
        return users.filter(profile__role=Role.GROUP_VIEWER)
    return users.filter(profile__store=store, profile__role__in=PUBLISHED_TO_ROLES)


def report_webhook_departments(*, store: Store | None) -> QuerySet[Department]:
    """The store's departments that have a group robot (the group's report has none)."""
    if store is None:
        return Department.objects.none()
    return Department.objects.filter(store=store).exclude(webhook_url="").order_by("kind")
