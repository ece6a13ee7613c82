"""Attachments of tickets and crisis cases (issue #22), the part both apps share: saving one (the
validator of csat.uploads decides the type by content, a thumbnail for images), removing one (a
soft delete: the row and the file stay, the history says who and when), and serving it.

Each app keeps its own small model (``csat.models.AttachmentBase``), its access rules (the record's
scoped selector: 404 otherwise) and its routes; the history rows are written by the audit app's
registration of those models.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from csat.change_reason import change_reason
from csat.exceptions import ApplicationError
from csat.exports import ExportKind, record_export
from csat.models import AttachmentBase
from csat.uploads import (
    ATTACHMENT_TYPES,
    atomic_with_files,
    attachment_type,
    protected_file_response,
    stored_name,
    thumbnail_for,
)

ORIGINAL_NAME_LENGTH = 200


def attachment_add(
    model: type[AttachmentBase], *, actor: Any, upload: Any, description: str = "", **record: Any
) -> AttachmentBase:
    """Validate (again: every interface comes through here), store under a random name, and make
    a thumbnail of an image; one transaction, one history row ("+"); the files are deleted again
    when it fails (``csat.uploads.atomic_with_files``)."""
    found = attachment_type(upload)  # a ValidationError for the form/serializer to show
    attachment = model(
        kind=found.kind,
        content_type=found.content_type,
        size=upload.size,
        original_name=(getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:ORIGINAL_NAME_LENGTH],
        description=(description or "").strip(),
        uploaded_by=actor,
        **record,
    )
    name = stored_name(upload, ATTACHMENT_TYPES)
    # A full disk (or a refused row) leaves neither the file nor its thumbnail behind.
    with atomic_with_files() as files, change_reason(_("上传附件")):
        files.save(attachment.file, name, upload)
        if found.kind == "image":
            small = thumbnail_for(upload)
            if small is not None:
                files.save(attachment.thumbnail, name.rsplit(".", 1)[0] + ".jpg", ContentFile(small))
        attachment.save()
    return attachment


def attachment_remove(attachment: AttachmentBase, *, actor: Any) -> AttachmentBase:
    """Hide an attachment from the record; nothing is lost (the file and the row stay)."""
    with transaction.atomic():
        locked = type(attachment)._default_manager.select_for_update().get(pk=attachment.pk)
        if locked.deleted_at is not None:
            raise ApplicationError(_("该附件已被删除。"))
        locked.deleted_at = timezone.now()
        locked.deleted_by = actor
        with change_reason(_("删除附件")):
            locked.save(update_fields=["deleted_at", "deleted_by"])
    return locked


def attachment_response(
    attachment: AttachmentBase, *, prefix: str, thumbnail: bool = False
) -> HttpResponse | FileResponse:
    """The file (or its thumbnail) of an attachment already found through its record's scoped
    selector; a removed attachment is gone for everyone (404)."""
    if attachment.deleted_at is not None:
        raise Http404
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404
        response = protected_file_response(
            attachment.thumbnail, download_name=f"{prefix}-{attachment.pk}-thumb.jpg"
        )
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
        return response
    return protected_file_response(
        attachment.file, download_name=f"{prefix}-{attachment.pk}.{attachment.extension}"
    )


def attachment_download(
    *, user: Any, attachment: AttachmentBase, owner: Any, owner_key: str
) -> HttpResponse | FileResponse:
    """The file, and who downloaded it in the audit app's export log (csat.exports); ``owner`` is the
    ticket or case the caller found through its access-scoped selector."""
    response = attachment_response(attachment, prefix=owner.number)
    record_export(
        user=user,
        kind=ExportKind.ATTACHMENT,
        scope={owner_key: owner.number, "attachment": attachment.pk, "name": attachment.original_name},
        row_count=1,
        store_id=owner.store_id,
    )
    return response
