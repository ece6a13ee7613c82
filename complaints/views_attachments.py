"""A ticket's attachments (issue #22): upload (a phone's camera or files), download, thumbnail and
remove. The ticket is found through its access-scoped selector (404 otherwise); the attachment
through the ticket; files only through csat.uploads.protected_file_response, never MEDIA_URL."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import permissions, selectors
from complaints.models import Complaint, ComplaintAttachment
from complaints.services.attachments import complaint_attachment_add, complaint_attachment_remove
from complaints.views_support import ticket_context
from csat.attachments import attachment_download, attachment_response
from csat.exceptions import ApplicationError
from csat.forms import AttachmentForm


def _ticket(request: HttpRequest, pk: int) -> Complaint:
    try:
        return selectors.complaint_detail(user=request.user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None


def _attachment(complaint: Complaint, attachment_id: int) -> ComplaintAttachment:
    found = complaint.attachments.filter(pk=attachment_id, deleted_at__isnull=True).first()
    if found is None:
        raise Http404
    return found


def _back(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk]) + "#attachments"


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _ticket(request, pk)
    if not permissions.can_attach(request.user, complaint):
        raise PermissionDenied(_("您的角色不能上传附件。"))
    form = AttachmentForm(request.POST, request.FILES, auto_id="id_attachment_%s")
    if form.is_valid():
        complaint_attachment_add(
            complaint=complaint,
            actor=request.user,
            upload=form.upload,
            description=form.cleaned_data["description"],
        )
        messages.success(request, _("附件已上传。"))
        return redirect(_back(complaint))
    context = ticket_context(request, complaint)
    context["can_create"] = permissions.can_create(request.user)
    context["attachment_form"] = form
    return render(request, "complaints/detail.html", context, status=400)


@login_required
@require_GET
def download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse | FileResponse:
    complaint = _ticket(request, pk)
    attachment = _attachment(complaint, attachment_id)
    return attachment_download(
        user=request.user, attachment=attachment, owner=complaint, owner_key="complaint"
    )


@login_required
@require_GET
def thumbnail(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse | FileResponse:
    complaint = _ticket(request, pk)
    return attachment_response(_attachment(complaint, attachment_id), prefix=complaint.number, thumbnail=True)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    complaint = _ticket(request, pk)
    attachment = _attachment(complaint, attachment_id)
    if not permissions.can_remove_attachment(request.user, complaint, attachment):
        raise PermissionDenied(_("只有上传人或经理可以删除附件。"))
    try:
        complaint_attachment_remove(attachment=attachment, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("附件已删除（变更记录中保留）。"))
    return redirect(_back(complaint))
