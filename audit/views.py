"""History panels on the record pages, the audit log, and their xlsx exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import export_scope, permissions, selectors
from audit.forms import AuditFilterForm
from audit.models import ExportKind
from audit.services import export_record_create
from audit.xlsx import history_workbook
from callbacks import permissions as callback_permissions
from callbacks.models import ManufacturerScore
from callbacks.selectors import survey_list
from complaints.selectors import complaint_list
from crisis.selectors import crisis_list
from csat import access, params
from csat.selectors import customer_list
from prevention.selectors import measure_list

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 20000
MAX_PAGE = 10**6  # of the audit log (20 rows a page, no count)


def _survey_scope(user: Any) -> QuerySet[Any]:
    if not callback_permissions.can_read(user):
        raise PermissionDenied(_("您的角色不能查看回访工作。"))
    return survey_list(user=user)


# A record's history is visible exactly to those who may open the record's page (same selectors).
RECORD_SCOPES: dict[str, Callable[[Any], QuerySet[Any]]] = {
    "customer": lambda user: customer_list(user=user),
    "complaint": lambda user: complaint_list(user=user),
    "survey": _survey_scope,
    "crisis": lambda user: crisis_list(user=user),
    "measure": lambda user: measure_list(user=user),
    # The manufacturer's quarterly score (issue #19): whoever sees the store's report.
    "manufacturer_score": lambda user: access.scope_to_user(ManufacturerScore.objects.all(), user),
}


def _record_store_id(request: HttpRequest, kind: str, pk: int) -> int:
    """The record's store, or 404 when the record does not exist for this user."""
    if kind not in RECORD_SCOPES:
        raise Http404
    store_id = RECORD_SCOPES[kind](request.user).filter(pk=pk).values_list("store_id", flat=True).first()
    if store_id is None:
        raise Http404
    return int(store_id)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def history_panel(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _record_store_id(request, kind, pk)
    entries = selectors.record_history(kind=kind, pk=pk, viewer=request.user)
    page = Paginator(entries, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kind": kind,
        "pk": pk,
        "can_export": permissions.can_export(request.user),
        "title": _("变更记录"),
    }
    template = "audit/partials/_history.html" if request.htmx else "audit/history.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def history_export(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    store_id = _record_store_id(request, kind, pk)
    if not permissions.can_export(request.user):
        raise PermissionDenied(_("只有经理、总经理和系统管理员可以导出变更记录。"))
    entries = selectors.record_history(kind=kind, pk=pk, viewer=request.user)
    content, rows = history_workbook(entries)
    export_record_create(
        user=request.user,
        kind=ExportKind.RECORD_HISTORY,
        scope={"record": kind, "id": pk},
        row_count=rows,
        store_id=store_id,
    )
    return _xlsx(content, f"history-{kind}-{pk}.xlsx")


def _filters(request: HttpRequest, settings_only: bool) -> tuple[AuditFilterForm, dict[str, Any]]:
    if not permissions.can_view_log(request.user):
        raise PermissionDenied(_("只有总经理、客户部经理和系统管理员可以查看审计日志。"))
    form = AuditFilterForm(request.GET or None, viewer=request.user, settings_only=settings_only)
    filters: dict[str, Any] = {"settings_only": settings_only}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters |= {
            "model_key": data["model"] or None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "user_id": data["user"].pk if data["user"] else None,
        }
    return form, filters


@login_required
@require_GET
def audit_log(request: HttpRequest, settings_only: bool = False) -> HttpResponse:
    form, filters = _filters(request, settings_only)
    # Like the other lists (Paginator.get_page), never a bare 400: a page number that is not one
    # (0, -1, abc, beyond the database's integers) is the first page, one beyond MAX_PAGE is MAX_PAGE.
    raw = request.GET.get("page", "")
    number = min(int(raw), MAX_PAGE) if params.is_id(raw) else 1
    size = selectors.PAGE_SIZE
    entries = selectors.audit_log(viewer=request.user, limit=size + 1, offset=(number - 1) * size, **filters)
    exports = list(
        selectors.export_records(
            viewer=request.user,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
            user_id=filters.get("user_id"),
        )[:50]
    )
    for record, words in zip(exports, export_scope.describe(exports), strict=True):
        record.scope_words = words  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "entries": entries[:size],
            "page_number": number,
            "has_next": len(entries) > size,
            "query": query.urlencode(),
            "exports": exports,
            "settings_only": settings_only,
            "can_export": permissions.can_export(request.user),
            "title": _("设置变更记录") if settings_only else _("审计日志"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def settings_log(request: HttpRequest) -> HttpResponse:
    return audit_log(request, settings_only=True)


@login_required
@require_GET
def audit_log_export(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, request.GET.get("settings_only") == "1")
    if form.errors:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    entries = selectors.audit_log(viewer=request.user, limit=EXPORT_LIMIT, **filters)
    content, rows = history_workbook(entries)
    scope = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in filters.items()
        if value
    }
    export_record_create(
        user=request.user,
        kind=ExportKind.AUDIT_LOG,
        scope=scope,
        row_count=rows,
        store_id=access.user_store_id(request.user),
    )
    return _xlsx(content, f"audit-log-{timezone.localdate():%Y%m%d}.xlsx")
