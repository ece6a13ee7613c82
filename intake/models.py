"""Import jobs: one uploaded DMS file and what it changed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from csat.models import Store, TimeStamped


def import_upload_path(instance: ImportJob, filename: str) -> str:
    # The client's file name never reaches the disk path (kept only as display text).
    return f"imports/{uuid.uuid4().hex}.upload"


class ImportJob(TimeStamped):
    """One uploaded DMS file: validated into a preview, then imported all or nothing."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("校验中")
        PREVIEW = "preview", _("待确认")
        INVALID = "invalid", _("有错误")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")
        CANCELLED = "cancelled", _("已取消")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="imports", verbose_name=_("门店"))
    kind = models.CharField(_("数据类型"), max_length=20)
    file = models.FileField(_("文件"), upload_to=import_upload_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.VALIDATING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    rejected_count = models.PositiveIntegerField(_("错误行"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    # The first rows as the preview read them (intake.planning.Plan.sample).
    preview_rows = models.JSONField(_("预览行"), default=list, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    # Validations started (the worker's, beat's re-queues); an unexpected failure is retried until
    # intake.services.MAX_VALIDATION_ATTEMPTS, then the job fails with a message.
    validation_attempts = models.PositiveSmallIntegerField(_("校验次数"), default=0)
    # Imports started (the confirmation's, beat's re-queues after a worker died mid-import); one more
    # than intake.services.MAX_IMPORT_ATTEMPTS and the job fails with a message instead.
    import_attempts = models.PositiveSmallIntegerField(_("导入次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认人"),
        null=True,
        blank=True,
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        # The table keeps its name from when imports lived in the core app (no data moved).
        db_table = "csat_importjob"
        verbose_name = _("数据导入")
        verbose_name_plural = _("数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.IMPORTING)

    @property
    def progress_percent(self) -> int:
        return min(100, int(100 * self.processed_rows / self.total_rows)) if self.total_rows else 0


class ImportChange(models.Model):
    """What an import changed on an existing record (old → new), so no update goes unrecorded."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="changes", verbose_name=_("导入")
    )
    model = models.CharField(_("对象类型"), max_length=40)
    object_id = models.BigIntegerField(_("对象 ID"))
    natural_key = models.CharField(_("业务主键"), max_length=60)
    changes = models.JSONField(_("变更"), default=dict)

    class Meta:
        db_table = "csat_importchange"
        verbose_name = _("导入变更记录")
        verbose_name_plural = _("导入变更记录")
        indexes = [models.Index(fields=["model", "object_id"], name="csat_import_model_c3ba2a_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.natural_key}"


class ImportRows(models.Model):
    """The rows a job's preview parsed (intake.staging), so the import does not parse the file again.

    Kept from a preview without errors until the job is imported or cancelled.
    """

    job = models.OneToOneField(
        ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("导入")
    )
    data = models.BinaryField(_("解析结果"))

    class Meta:
        verbose_name = _("导入解析结果")
        verbose_name_plural = _("导入解析结果")

    def __str__(self) -> str:
        return f"#{self.job_id}"
