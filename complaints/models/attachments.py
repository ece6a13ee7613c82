"""A ticket's attachments (issue #22): photos, receipts, call recordings, documents."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from csat.models import AttachmentBase

from .tickets import Complaint


class ComplaintAttachment(AttachmentBase):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("投诉")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")
