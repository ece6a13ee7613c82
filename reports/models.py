"""Monthly reports: each build is a stored, immutable version for one store or the whole group."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from csat.models import Store


class Trigger(models.TextChoices):
    BEAT = "beat", _("定时任务")
    COMMAND = "command", _("命令行")
    BUTTON = "button", _("页面按钮")
    API = "api", _("接口")


class MonthlyReport(models.Model):
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="reports", verbose_name=_("门店"), null=True, blank=True
    )
    # "GROUP" or the store's code: unique with month and version (a NULL store would not be).
    scope = models.CharField(_("范围"), max_length=20)
    version = models.PositiveIntegerField(_("版本"))
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices)
    # A scheduled build carries a key (e.g. "beat:2026-11-28"), so a second worker running the same
    # schedule finds it taken and builds nothing.
    run_key = models.CharField(_("运行键"), max_length=60, null=True, blank=True, unique=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("生成人"),
        null=True,
        blank=True,
    )
    built_at = models.DateTimeField(_("生成时间"))
    data_as_of = models.DateTimeField(_("数据截至"))
    data = models.JSONField(_("数据"))
    # The workbook lives in MonthlyReportChunk rows (same database, same transaction as the version).
    xlsx_size = models.PositiveBigIntegerField(_("Excel 文件大小（字节）"), default=0)

    class Meta:
        verbose_name = _("月度报表")
        verbose_name_plural = _("月度报表")
        ordering = ["-month", "store_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "scope", "version"], name="report_version_once")
        ]

    def __str__(self) -> str:
        scope = self.store.name if self.store else _("集团")
        return f"{self.month:%Y-%m} {scope} v{self.version}"

    def xlsx_chunks(self) -> Iterator[bytes]:
        """The stored workbook piece by piece (a download streams these)."""
        pieces = self.chunks.order_by("seq").values_list("data", flat=True)
        for piece in pieces.iterator(chunk_size=1):
            yield bytes(piece)

    @property
    def xlsx(self) -> bytes:
        """The whole workbook (small uses and tests; downloads stream ``xlsx_chunks``)."""
        return b"".join(self.xlsx_chunks())


# Pieces of 256 kB: a build writes, and a download reads, one piece at a time.
CHUNK_BYTES = 256 * 1024


class MonthlyReportChunk(models.Model):
    """One piece of a version's xlsx. Stored in the database with the version (one backup, one
    transaction), in pieces so that neither a build nor a download holds a whole file, whose size
    grows with the month's records."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("月度报表文件分块")
        verbose_name_plural = _("月度报表文件分块")
        constraints = [models.UniqueConstraint(fields=["report", "seq"], name="report_chunk_once")]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.seq}"
