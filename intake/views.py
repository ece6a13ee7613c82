"""Import pages: upload, preview with progress, confirm, error list and template downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from csat import access
from csat.exceptions import ApplicationError
from csat.exports import ExportKind, record_export
from intake import selectors, services
from intake.columns import KIND_CHOICES, KINDS
from intake.forms import ImportUploadForm
from intake.progress import progress_read
from intake.workbooks import errors_workbook, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_import(request: HttpRequest) -> None:
    if not access.can_import(request.user) or access.is_read_only(request.user):
        raise PermissionDenied(_("只有客户部和各部门经理可以导入数据。"))


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    stores = access.visible_stores(request.user)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        stores=stores,
        own_store_id=access.user_store_id(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                user=request.user,
                store=form.cleaned_data["store"],
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("import-detail", pk=job.pk)
    jobs = selectors.import_job_list(user=request.user)[:50]
    return render(
        request,
        "csat/imports/list.html",
        {"form": form, "jobs": jobs, "kinds": KIND_CHOICES, "title": _("数据导入")},
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    job = get_object_or_404(selectors.import_job_list(user=request.user).defer(None), pk=pk)
    progress = progress_read(job.pk) if job.is_running else None  # None when the cache is down
    context = {
        "job": job,
        "kind_label": KINDS.get(job.kind, {}).get("label", job.kind),
        "progress_rows": progress or job.processed_rows,
        "errors": job.errors[:200],
        "title": _("导入预览"),
    }
    if getattr(request, "htmx", False):
        return render(request, "csat/imports/partials/_status.html", context)
    return render(request, "csat/imports/detail.html", context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    job = get_object_or_404(selectors.import_job_list(user=request.user), pk=pk)
    try:
        services.import_job_confirm(job=job, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("import-detail", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    job = get_object_or_404(selectors.import_job_list(user=request.user), pk=pk)
    try:
        services.import_job_cancel(job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("import-list")


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    _require_import(request)
    job = get_object_or_404(selectors.import_job_list(user=request.user).defer(None), pk=pk)
    content = errors_workbook(job.errors)
    record_export(
        user=request.user,
        kind=ExportKind.IMPORT_ERRORS,
        scope={"import_job": job.pk, "file": job.original_name},
        row_count=len(job.errors),
        store_id=job.store_id,
    )
    return _xlsx(content, f"import-{job.pk}-errors.xlsx")


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_import(request)
    if kind not in KINDS:
        raise Http404
    return _xlsx(template_workbook(kind), f"csat-template-{kind}.xlsx")
