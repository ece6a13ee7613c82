"""Attachments of a record (issue #22): photos, receipts, call recordings and documents of a ticket
or a crisis case. One abstract shape here; each app has its small model with a foreign key to its
record (the layers: crisis sits above complaints, so neither holds the other's key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("图片")
    PDF = "pdf", _("PDF 文档")
    AUDIO = "audio", _("录音")


class AttachmentBase(models.Model):
    # A uuid name with the extension the content decided (csat.uploads.stored_name).
    file = models.FileField(_("文件"), upload_to="attachments/%Y/%m/")
    thumbnail = models.FileField(_("缩略图"), upload_to="attachments/thumbs/%Y/%m/", blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind.choices)
    content_type = models.CharField(_("文件格式"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    # The client's file name is shown on the page only; it never names the stored file.
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Removing hides the attachment; the file and the row stay (the history shows who and when).
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("删除人"),
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description or self.original_name or f"#{self.pk}"

    @property
    def extension(self) -> str:
        return (self.file.name or "").rsplit(".", 1)[-1].lower()
