"""A crisis case's attachments (issue #22): upload, download, thumbnail, remove. The case is found
through its access-scoped selector (404 otherwise), the attachment through the case; files only
through csat.uploads.protected_file_response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crisis import services, views
from crisis.models import CrisisAttachment, CrisisCase
from crisis.permissions import can_attach, can_remove_attachment
from csat.attachments import attachment_download, attachment_response
from csat.exceptions import ApplicationError
from csat.forms import AttachmentForm


def _attachment(crisis: CrisisCase, attachment_id: int) -> CrisisAttachment:
    found = crisis.attachments.filter(pk=attachment_id, deleted_at__isnull=True).first()
    if found is None:
        raise Http404
    return found


def _back(crisis: CrisisCase) -> str:
    return reverse("crisis:detail", args=[crisis.pk]) + "#attachments"


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = views._case(request, pk)
    if not can_attach(request.user, crisis):
        raise PermissionDenied(_("您的角色不能上传附件。"))
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_attachment_%s")
    if form.is_valid():
        services.crisis_attachment_add(
            crisis=crisis,
            actor=request.user,
            upload=form.upload,
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("附件已上传。"))
        return redirect(_back(crisis))
    return views.detail(request, pk, bound={"attachment": form}, status=400)


@login_required
@require_GET
def download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse | FileResponse:
    crisis = views._case(request, pk)
    attachment = _attachment(crisis, attachment_id)
    return attachment_download(user=request.user, attachment=attachment, owner=crisis, owner_key="crisis")


@login_required
@require_GET
def thumbnail(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse | FileResponse:
    crisis = views._case(request, pk)
    return attachment_response(_attachment(crisis, attachment_id), prefix=crisis.number, thumbnail=True)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    crisis = views._case(request, pk)
    attachment = _attachment(crisis, attachment_id)
    if not can_remove_attachment(request.user, crisis, attachment):
        raise PermissionDenied(_("只有上传人或经理可以删除附件。"))
    try:
        services.crisis_attachment_remove(attachment=attachment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("附件已删除（变更记录中保留）。"))
    return redirect(_back(crisis))
