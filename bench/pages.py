"""The pages paired with django-helpdesk's (issue #25), at store and group scope, on the data of
``manage.py generate_load``. Shared by ``group_pages_bench.py`` (in-process time, queries, query
plans, profiles) and ``peer_compare.py`` (side by side over HTTP). Not a bench itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The peer's pages (bench.sh PAGES) each csat page is measured against.
PEER_LIST_ROWS = "dt_p1"  # the DataTables JSON rows of the ticket list
PEER_DETAIL = "detail"
PEER_DASHBOARD = "dashboard"

GROUP_USER = "lg_hq"  # head office: every store (bench.loadgen)


@dataclass(frozen=True)
class Page:
    label: str
    scope: str  # "store" (LG001) or "group" (all 50 stores)
    username: str
    path: str
    peer: str  # the peer page (bench.sh name) it is paired with
    target: float  # the ratio to reach against the peer (req/s csat / req/s peer)


def ticket_ids() -> dict[str, int]:
    """An open business-department ticket of LG001 (what the store's people open) and, for head
    office, an open ticket in the middle of the group's ids."""
    from complaints.models import Complaint, Status

    open_ = Complaint.objects.exclude(status=Status.CLOSED)
    store = open_.filter(store__code="LG001", department__kind="business").order_by("id").first()
    middle = Complaint.objects.order_by("-id").values_list("id", flat=True).first() or 0
    group = open_.filter(id__gte=middle // 2).order_by("id").first()
    assert store is not None and group is not None, "no generated data: run manage.py generate_load first"
    return {"store": store.pk, "group": group.pk}


def pages(tickets: dict[str, int] | None = None) -> list[Page]:
    t = tickets or ticket_ids()
    rows, detail, dash = PEER_LIST_ROWS, PEER_DETAIL, PEER_DASHBOARD
    return [
        Page("list rows: /api/complaints/", "store", "lg001_ccmanager", "/api/complaints/", rows, 10),
        Page("customer-care board", "store", "lg001_agent1", "/complaints/", rows, 10),
        Page("manager's queue", "store", "lg001_business_mgr", "/complaints/", rows, 10),
        Page("full open list", "store", "lg001_ccmanager", "/complaints/list/", rows, 10),
        Page("GM's complaint overview", "store", "lg001_gm", "/complaints/", rows, 10),
        Page("ticket page", "store", "lg001_business_mgr", f"/complaints/{t['store']}/", detail, 10),
        Page("report dashboard", "store", "lg001_gm", "/reports/", dash, 50),
        Page("landing page (GM)", "store", "lg001_gm", "/", dash, 10),
        Page("list rows: /api/complaints/", "group", GROUP_USER, "/api/complaints/", rows, 10),
        Page("board (all stores)", "group", GROUP_USER, "/complaints/", rows, 10),
        Page("full open list", "group", GROUP_USER, "/complaints/list/", rows, 10),
        Page("breached list", "group", GROUP_USER, "/complaints/list/?breached=1", rows, 10),
        Page("ticket page", "group", GROUP_USER, f"/complaints/{t['group']}/", detail, 10),
        Page("report dashboard", "group", GROUP_USER, "/reports/", dash, 50),
        Page("landing page (head office)", "group", GROUP_USER, "/", dash, 10),
    ]


def users(names: set[str]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    missing = names - set(found)
    assert not missing, f"users missing (run manage.py generate_load): {sorted(missing)}"
    return found
