"""Audit records: the historical tables of every tracked model (all live in this app) and one row
per export of personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

from audit.context import AuditedRecords, get_history_user
from audit.registry import EXCLUDED, TRACKED
from csat.exports import ExportKind

for _tracked in TRACKED:
    register(
        _tracked.model,
        app="audit",
        records_class=AuditedRecords,
        excluded_fields=[name for name in EXCLUDED if hasattr(_tracked.model, name)],
        get_user=get_history_user,
        user_related_name="+",
        # No foreign-key constraint on the author: every history row would otherwise cost a deferred
        # RI check at commit (140,000 for an import of 100,000 visits), and Django's SET_NULL on a
        # user's deletion does not need one. Users are deactivated, not deleted, in practice.
        user_db_constraint=False,
        history_change_reason_field=models.CharField(max_length=100, null=True, blank=True),
    )


class ExportRecord(models.Model):
    """Who downloaded which personal data, when, with which filter and how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("导出内容"), max_length=30, choices=ExportKind.choices)
    store = models.ForeignKey(
        "csat.Store",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("门店"),
    )
    scope = models.JSONField(_("筛选/范围"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    via = models.CharField(_("途径"), max_length=10, default="web")

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
