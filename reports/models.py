"""Monthly reports: each build is a stored, immutable version for one store or the whole group."""

from __future__ import annotations

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
    xlsx = models.BinaryField(_("Excel 文件"))

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
