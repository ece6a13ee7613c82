"""A ticket's attachments (issue #22): the shared service of csat.attachments on the ticket's model."""

from __future__ import annotations

from typing import Any

from complaints.models import Complaint, ComplaintAttachment
from csat.attachments import attachment_add, attachment_remove


def complaint_attachment_add(
    *, complaint: Complaint, actor: Any, upload: Any, description: str = ""
) -> ComplaintAttachment:
    attachment = attachment_add(
        ComplaintAttachment, actor=actor, upload=upload, description=description, complaint=complaint
    )
    assert isinstance(attachment, ComplaintAttachment)
    return attachment


def complaint_attachment_remove(*, attachment: ComplaintAttachment, actor: Any) -> ComplaintAttachment:
    removed = attachment_remove(attachment, actor=actor)
    assert isinstance(removed, ComplaintAttachment)
    return removed
