"""Reads behind the complaint lists (issue #22): the side list's view counts in one aggregate query,
and the rows of the filtered list's xlsx export, masked as the role requires.

The counts are cached under the complaint tables' revision token (csat.revisions, issue #25): a
group's 15,000 open tickets cost 15–70 ms to count per page; any write to a complaint or a deadline
replaces the token, so a count is never older than the last write. A view whose condition reads the
clock or the customers (``selectors.ticket_q_is_stable``) is counted live every time."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from complaints import selectors
from complaints.models import Complaint, Deadline, DeadlineKind, Kind, Severity, Status
from csat import access, caching, revisions, spreadsheets
from csat.domain.identifiers import display_plate
from csat.domain.privacy import mask_plate
from csat.subqueries import subquery_count

# Rows of one export at most (the filter narrows a larger list); the page says so when capped.
EXPORT_LIMIT = 5000
EXPORT_CHUNK = 500


def view_counts(*, user: Any, filter_sets: Mapping[str, dict[str, Any]]) -> dict[str, int]:
    """How many of the user's tickets each view holds: the cached counts of this revision of the
    complaint tables (one cache read for all), the others in one aggregate query
    (``COUNT(*) FILTER (WHERE …)`` per view; SQLite: ``SUM(CASE …)``), then kept."""
    if not filter_sets:
        return {}
    token = revisions.revision("complaints")  # before the counts: see csat.revisions
    keys: dict[str, str] = {}
    if token is not None:
        scope = selectors.cache_scope(user)
        keys = {
            name: f"complaints:count:{token}:{scope}:{_digest(filters)}"
            for name, filters in filter_sets.items()
            if selectors.ticket_q_is_stable(user=user, **filters)
        }
    kept = caching.peek_many(set(keys.values()))
    counts = {name: kept[key] for name, key in keys.items() if key in kept}
    missing = {name: filters for name, filters in filter_sets.items() if name not in counts}
    if missing:
        fresh = _count(user, missing)
        counts.update(fresh)
        caching.keep_many({keys[name]: n for name, n in fresh.items() if name in keys}, COUNT_SECONDS)
    return counts


# A cached count is replaced by the next write anyway; this only bounds what a write made outside
# Django (psql by hand) could leave behind.
COUNT_SECONDS = revisions.TTL_SECONDS


def _count(user: Any, filter_sets: Mapping[str, dict[str, Any]]) -> dict[str, int]:
    aggregates = {}
    for key, filters in filter_sets.items():
        condition = selectors.ticket_q(user=user, **filters)
        aggregates[key] = Count("pk", filter=condition) if condition else Count("pk")
    return selectors._visible(Complaint.objects.all(), user).aggregate(**aggregates)


def _digest(filters: Mapping[str, Any]) -> str:
    text = repr(sorted((name, repr(value)) for name, value in filters.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


EXPORT_COLUMNS = (
    "id",
    "number",
    "store_id",
    "received_at",
    "kind",
    "severity",
    "grade",
    "urgent",
    "status",
    "plate",
    "phone",
    "content",
    "next_due_at",
    "next_due_kind",
    "customer__name",
    "customer__mobile",
    "department__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def export_rows(*, user: Any, filters: dict[str, Any], order: list[Any]) -> Iterator[Any]:
    """The filtered list's tickets in the list's order, at most ``EXPORT_LIMIT``, read in chunks."""
    tickets = (
        selectors._visible(Complaint.objects.all(), user)
        .filter(selectors.ticket_q(user=user, **filters))
        .select_related("customer", "department", "assignee")
        .only(*EXPORT_COLUMNS)
        .annotate(
            breaches=subquery_count(
                Deadline.objects.filter(complaint=OuterRef("pk"), breached_at__isnull=False)
            )
        )
        .order_by(*order)
    )
    return tickets[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK)


def export_workbook(
    *, user: Any, tickets: Iterator[Any], store_names: dict[int, str] | None = None
) -> tuple[bytes, int]:
    """The xlsx of the list (streamed, every cell through csat.spreadsheets): phones as
    ``access.mobile_for`` shows them to this user, plates masked for the roles that do not phone
    customers (the file leaves the system). With ``store_names`` (a user who sees several stores,
    as the list) a 门店 column before the department. Returns (content, rows)."""
    full = access.sees_full_mobile(user)
    headers = [
        (_("编号"), 18), (_("接收时间"), 17), (_("客户"), 12), (_("联系电话"), 14), (_("车牌号"), 12),
        (_("类型"), 11), (_("级别"), 9), (_("客户等级"), 9), (_("紧急"), 6), (_("状态"), 11),
        *([(_("门店"), 14)] if store_names is not None else []),
        (_("责任部门"), 12), (_("处理人"), 12), (_("下一时限"), 17), (_("环节"), 16), (_("超时次数"), 9),
        (_("客户原话"), 60),
    ]  # fmt: skip
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("投诉列表"))
    for col, (_title, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    spreadsheets.append_row(ws, [title for title, _w in headers])
    tz = timezone.get_current_timezone()
    rows = 0
    for c in tickets:
        plate = display_plate(c.plate) if c.plate else ""
        assignee = ""
        if c.assignee_id:
            assignee = f"{c.assignee.last_name}{c.assignee.first_name}" or c.assignee.username
        spreadsheets.append_row(
            ws,
            [
                c.number,
                timezone.localtime(c.received_at, tz).strftime("%Y-%m-%d %H:%M"),
                c.customer.name if c.customer_id else "",
                access.mobile_for(user, c.phone or (c.customer.mobile if c.customer_id else "")),
                plate if full else mask_plate(plate),
                str(Kind(c.kind).label),
                str(Severity(c.severity).label),
                c.grade,
                _("是") if c.urgent else "",
                str(Status(c.status).label),
                *([store_names.get(c.store_id, "")] if store_names is not None else []),
                c.department.name if c.department_id else "",
                assignee,
                timezone.localtime(c.next_due_at, tz).strftime("%Y-%m-%d %H:%M") if c.next_due_at else "",
                str(DeadlineKind(c.next_due_kind).label) if c.next_due_kind else "",
                c.breaches,
                c.content,
            ],
        )
        rows += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), rows
