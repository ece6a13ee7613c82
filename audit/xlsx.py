"""The audit history as an xlsx sheet (one row per changed field)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook

from audit.selectors import Entry
from csat.spreadsheets import append_row


def history_workbook(entries: Iterable[Entry]) -> tuple[bytes, int]:
    """The workbook and its number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("变更记录"))
    header = [
        _("时间"),
        _("用户"),
        _("操作"),
        _("对象"),
        _("编号"),
        _("字段"),
        _("原值"),
        _("新值"),
        _("原因"),
    ]
    append_row(sheet, header)
    rows = 0
    for entry in entries:
        base = [
            f"{entry.at:%Y-%m-%d %H:%M:%S}",
            entry.user,
            entry.action_label,
            entry.model_label,
            entry.object_id,
        ]
        if not entry.changes:  # a deletion
            append_row(sheet, [*base, "", "", "", entry.reason])
            rows += 1
        for change in entry.changes:
            append_row(sheet, [*base, change.label, change.old, change.new, entry.reason])
            rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows
