"""Downloads of personal data, announced by the feature that serves them and recorded by the audit app.

The audit app sits above the features that export (intake, reports), so they do not call it: they
send ``csat.events.personal_data_exported`` and the audit app's receiver writes the row, synchronously, in the
same request and transaction as before.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from csat.events import personal_data_exported


class ExportKind(models.TextChoices):
    REPORT = "report", _("月度报表")
    IMPORT_ERRORS = "import_errors", _("导入错误清单")
    AUDIT_LOG = "audit_log", _("审计日志")
    RECORD_HISTORY = "record_history", _("记录变更历史")
    EXPORT_LOG = "export_log", _("导出记录")
    COMPLAINT_LIST = "complaint_list", _("投诉列表")
    ATTACHMENT = "attachment", _("附件下载")


def record_export(
    *,
    user: Any,
    kind: str,
    scope: dict[str, Any] | None = None,
    row_count: int | None = None,
    store_id: int | None = None,
    via: str = "web",
) -> None:
    """Announce one download: who, what, with which filter, how many rows."""
    personal_data_exported.send(
        sender=ExportKind,
        user=user,
        kind=kind,
        scope=scope,
        row_count=row_count,
        store_id=store_id,
        via=via,
    )
