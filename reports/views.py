"""Pages of the monthly reports: the live dashboard (the same figures as the xlsx), building a
version on demand, and downloading stored versions."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callbacks import permissions as callback_permissions
from callbacks.services import manufacturer_score_set
from complaints import selectors as complaint_selectors
from csat import access, fragments, params
from csat.exceptions import NotAllowedError
from csat.exports import ExportKind, record_export
from reports import charts, dashboard, permissions, records, selectors
from reports.forms import BuildForm, ManufacturerScoreForm, ReportFilterForm
from reports.models import CHUNK_BYTES, Trigger
from reports.services import report_build
from reports.xlsx import write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sections(data: dict[str, Any], *, show_records: bool = True) -> dict[str, Any]:
    """The dashboard's repeated blocks, in display order. ``show_records`` False: the feedback
    lists keep their counts (figures) but not the survey records behind them."""
    titles = selectors.breakdown_titles()
    feedback = data["feedback"]
    complaints = data["complaints"]
    return {
        "breakdowns": [(titles[key], data["surveys"]["breakdowns"][key]) for key in selectors.BREAKDOWNS],
        # (key, title, the first records, how many in all): the data keeps a bounded number.
        "feedback": [
            (key, title, feedback[key] if show_records else [], feedback["counts"][key])
            for key, title in (
                ("dissatisfied", _("回访不满意")),
                ("grievances", _("抱怨")),
                ("opinions", _("意见")),
                ("not_rated", _("未评分")),
            )
        ],
        "complaint_groups": [
            (_("按类型"), "kind", complaints["by_kind"]),
            (_("按级别"), "severity", complaints["by_severity"]),
            (_("按类别"), "category", complaints["by_category"]),
            (_("按客户等级"), "grade", complaints["by_grade"]),
            (_("按状态"), "status", complaints["by_status"]),
        ],
    }


def _charts(data: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """The charts, each drawn only when the template asks for it (a callable: the template calls
    it): they sit in the figures' cached sections, so a warm page draws none (issue #25: the
    departments' chart alone has a bar per department of 50 stores)."""
    goal = data["targets"]["satisfaction"]
    dims = data["dimensions"]
    return {
        "trend": partial(
            charts.line_chart,
            [(row["month"], row["average"]) for row in data["trend"]],
            target=goal,
            title=_("近 12 个月顾客满意度与目标"),
        ),
        "dimensions": partial(
            charts.bar_chart,
            [(row["label"], row["score"]) for row in dims["rows"]],
            target=dims["target"],
            maximum=100,
            title=_("五维度满意度"),
        ),
        "types": partial(
            charts.bar_chart,
            [(row["label"], row["average"]) for row in data["surveys"]["breakdowns"]["type"]],
            target=goal,
            maximum=100,
            title=_("按调查类型的满意度"),
        ),
        "departments": partial(
            charts.bar_chart,
            # Complaints only (DOMAIN §9), as the title says; the table beside it has every kind.
            [
                (row["label"], row.get("complaints", row["count"]))
                for row in data["complaints"]["by_department"]
            ],
            title=_("各部门投诉件数"),
            decimals=0,
        ),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    permissions.require_viewer(request.user)
    # The page's content is kept whole per user and query (csat.fragments) under the revision of the
    # tables it reads and of the figures (every new copy of figures replaces it), until the figures
    # go stale: then a view asks for their refresh and says so (issue #25).
    return fragments.render_page(
        request,
        "reports/index.html",
        revision=dashboard.REVISION,
        context=lambda: _index_context(request),
        until=lambda values: values["figures_kept_until"],
    )


def _named_tickets(data: dict[str, Any]) -> set[int]:
    """The tickets the dashboard's assessment events and feedback records name."""
    named = {e.get("complaint_id") for row in data.get("assessment", []) for e in row.get("events", [])}
    for key in ("dissatisfied", "grievances", "opinions", "not_rated"):
        named |= {r.get("complaint_id") for r in data.get("feedback", {}).get(key, [])}
    return {pk for pk in named if pk}


def _index_context(request: HttpRequest) -> dict[str, Any]:
    scopes = permissions.scope_choices(request.user)
    form = ReportFilterForm(request.GET or None, scopes=scopes)
    month, scope = selectors.current_month(), request.GET.get("scope") or None
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"]
    store = permissions.resolve_scope(request.user, scope=scope)
    scope_value = str(store.pk) if store else selectors.GROUP
    if not form.is_bound:
        form = ReportFilterForm(initial={"month": f"{month:%Y-%m}", "scope": scope_value}, scopes=scopes)
    # The figures come from the cache (or the newest stored version) with their "as of" time; a
    # stale copy is refreshed in the background, never while the page waits (issue #25).
    figures = dashboard.figures(month=month, store=store)
    data = figures.data
    # Everyone with a profile gets the figures; the records behind them follow each record's own
    # access rules (issue #21): the complaints a user may open (a department manager: their
    # department's), and the survey records only for who may read surveys.
    drill, drilled, drilled_count = selectors.complaint_drill(
        month=month,
        store_ids=[store.pk] if store else None,
        drill=request.GET.get("drill", ""),
        visible=complaint_selectors.complaint_list(user=request.user),
    )
    show_surveys = callback_permissions.can_read(request.user)
    query = urlencode({"month": f"{month:%Y-%m}", "scope": scope_value})
    versions = list(
        selectors.report_versions(user=request.user, scope=selectors.GROUP if store is None else store.code)
    )
    # The newest file of the month on view, downloadable from the top of the page (issue #22).
    latest = next((v for v in versions if v.month == month.replace(day=1)), None)
    return {
        "title": _("月度报表"),
        "form": form,
        "data": data,
        # Whoever sees stale figures is told that new ones are on their way, not only the first.
        "refreshing": figures.pending,
        "figures_kept_until": figures.kept_until(),
        # The figures' sections are rendered once per computation of them (and per whether the
        # survey records show); 0: not kept (figures computed live).
        "fragment_key": f"{figures.key}:{int(not show_surveys)}:{complaint_selectors.ticket_view_scope(request.user)}",
        "fragment_seconds": dashboard.KEEP_SECONDS if figures.key else 0,
        "month": f"{month:%Y-%m}",
        "store": store,
        "scope_value": scope_value,
        "query": query,
        "drill": drill,
        "drilled": drilled,
        "drilled_count": drilled_count,
        # The compensation approved in kind names tickets: only those the user may open.
        "in_kind": _in_kind_rows(data, request.user),
        # The assessment events and survey records name tickets of every department; a department
        # manager gets links to their own department's only (the others' numbers as text).
        "openable_tickets": complaint_selectors.openable_ticket_ids(request.user, _named_tickets(data)),
        "charts": _charts(data),
        **_sections(data, show_records=show_surveys),
        "feedback_hidden": not show_surveys,
        "versions": versions,
        "latest": latest,
        "can_build": permissions.can_build(request.user),
        "can_enter_manufacturer_score": callback_permissions.can_enter_manufacturer_score(request.user),
    }


def _in_kind_rows(data: Any, user: Any) -> list[dict[str, Any]]:
    complaints = data.get("complaints") if isinstance(data, dict) else None
    if not isinstance(complaints, dict) or not (complaints.get("compensation") or {}).get("in_kind"):
        return []
    shown = records.data_for({"complaints": complaints}, records.record_access(user))
    return list(shown["complaints"]["compensation"]["in_kind"])


@login_required
@require_POST
def build(request: HttpRequest) -> HttpResponse:
    if not permissions.can_build(request.user):
        raise PermissionDenied(_("您的角色不能生成报表。"))
    form = BuildForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("month", [_("月份格式应为 YYYY-MM。")]):
            messages.error(request, str(error))
        return redirect("reports:index")
    store = permissions.resolve_scope(request.user, scope=form.cleaned_data["scope"] or None)
    report = report_build(
        month=form.cleaned_data["month"], store=store, trigger=Trigger.BUTTON, user=request.user
    )
    # The flash links to the file just built (Django's messages keep the safe markup).
    messages.success(
        request,
        format_html(
            '{} <a href="{}" data-testid="built-download">{}</a>',
            _("已生成 %(month)s %(scope)s 第 %(version)s 版报表。")
            % {
                "month": f"{report.month:%Y-%m}",
                "scope": store.name if store else _("集团"),
                "version": report.version,
            },
            reverse("reports:download", args=[report.pk]),
            _("下载 Excel"),
        ),
    )
    query = urlencode(
        {"month": f"{report.month:%Y-%m}", "scope": str(store.pk) if store else selectors.GROUP}
    )
    return redirect(f"{reverse('reports:index')}?{query}")


def _file_pieces(workbook: IO[bytes]) -> Iterator[bytes]:
    """A temporary workbook piece by piece, closed (and so deleted) after the last one."""
    try:
        workbook.seek(0)
        yield from iter(lambda: workbook.read(CHUNK_BYTES), b"")
    finally:
        workbook.close()


def xlsx_response(report: Any, *, user: Any, via: str = "web") -> StreamingHttpResponse:
    """A version's workbook as a download; every download is recorded in the audit history.

    Who may see every record of the scope gets the stored file; anyone else a copy written now from
    the version's data with only the ticket rows and survey records they may see (``reports.records``).
    """
    rights = records.record_access(user)
    complaints = report.data.get("complaints") if isinstance(report.data, dict) else None
    total = complaints.get("total") if isinstance(complaints, dict) else None  # the ticket rows
    scope = {"month": f"{report.month:%Y-%m}", "scope": report.scope, "version": report.version}
    if not rights.full:
        scope["records"] = "visible"
    record_export(
        user=user,
        kind=ExportKind.REPORT,
        scope=scope,
        row_count=total if isinstance(total, int) and rights.tickets is None else None,
        store_id=report.store_id,
        via=via,
    )
    if rights.full:
        # Streamed a stored piece at a time: the file grows with the month's records.
        response = StreamingHttpResponse(report.xlsx_chunks(), content_type=XLSX)
        response["Content-Length"] = str(report.xlsx_size)
    else:
        workbook = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _file_pieces after the last piece
        write_workbook(
            records.data_for(report.data, rights),
            workbook,
            built_at=report.built_at,
            built_by=report.built_by,
            trigger=report.trigger,
            as_of=report.data_as_of,
            tickets=rights.tickets,
            surveys=rights.surveys,
        )
        size = workbook.tell()
        response = StreamingHttpResponse(_file_pieces(workbook), content_type=XLSX)
        response["Content-Length"] = str(size)
    name = f"csat-report-{report.month:%Y-%m}-{report.scope}-v{report.version}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    permissions.require_viewer(request.user)
    return xlsx_response(selectors.report_get(user=request.user, pk=pk), user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def manufacturer_scores(request: HttpRequest) -> HttpResponse:
    """Enter the manufacturer's quarterly score of a store (issue #19; cs-survey-management §二.4):
    customer care of the store only (others 403); every value entered stays in the history."""
    if not callback_permissions.can_enter_manufacturer_score(request.user):
        raise PermissionDenied(_("只有客户部可以录入厂家考核分值。"))
    stores = access.visible_stores(request.user).order_by("code")
    wanted = request.POST.get("store", "")
    if request.method == "POST" and params.is_id(wanted) and not stores.filter(pk=int(wanted)).exists():
        raise Http404  # another store's: not visible (no IDOR)
    year, quarter = selectors.quarter_of(selectors.previous_month(selectors.current_month()))
    form = ManufacturerScoreForm(
        request.POST or None,
        stores=stores,
        initial={"store": access.user_store_id(request.user), "year": year, "quarter": quarter},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = manufacturer_score_set(
                user=request.user,
                store=data["store"],
                year=data["year"],
                quarter=data["quarter"],
                score=data["score"],
                note=data["note"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except NotAllowedError as exc:
            raise PermissionDenied(exc.message) from None
        else:
            dashboard.forget_quarter(year=row.year, quarter=row.quarter, store_id=row.store_id)
            messages.success(
                request,
                _("已保存 %(store)s %(quarter)s 厂家考核分值 %(score)s。")
                % {
                    "store": row.store.name,
                    "quarter": selectors.quarter_label(row.year, row.quarter),
                    "score": row.score,
                },
            )
            return redirect("reports:manufacturer-scores")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/manufacturer_scores.html",
        {
            "title": _("厂家考核分值（季度）"),
            "form": form,
            "rows": selectors.manufacturer_score_list(stores=stores),
        },
        status=status,
    )
