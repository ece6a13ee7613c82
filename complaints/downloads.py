"""The signed agreement of a ticket: served only to who may read the ticket (its selector, 404
otherwise), as an attachment; never from MEDIA_URL (csat.uploads)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from complaints import selectors
from csat.uploads import protected_file_response


@login_required
@require_GET
def agreement_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    complaint = selectors.complaint_list(user=request.user).filter(pk=pk).first()
    if complaint is None or not complaint.agreement:
        raise Http404
    extension = (complaint.agreement.name or "").rsplit(".", 1)[-1].lower()
    return protected_file_response(
        complaint.agreement, download_name=f"agreement-{complaint.number}.{extension}"
    )
