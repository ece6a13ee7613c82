"""The xlsx files the import page offers: empty templates with an example row, and error lists."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from csat.spreadsheets import append_row
from intake.columns import KINDS, columns_of, required_of

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
# Rows a drop-down covers (a range in the validation, no cells written).
VALIDATED_ROWS = 100_000


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_header(sheet: Worksheet, widths: list[int]) -> None:
    for index, cell in enumerate(sheet[1]):
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = widths[index] if index < len(widths) else 16
    sheet.freeze_panes = "A2"


def template_workbook(kind: str) -> bytes:
    columns = columns_of(kind)
    required = required_of(kind)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(KINDS[kind]["label"])[:31]
    append_row(sheet, [str(c.header) for c in columns])
    append_row(sheet, [c.example for c in columns])
    _style_header(sheet, [max(12, len(str(c.header)) * 2 + 4) for c in columns])
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    for cell, column in zip(sheet[1], columns, strict=True):
        if column.key in required:
            cell.fill = _REQUIRED_FILL
        cell.number_format = "@"
        # Text format for the whole column (a column style, no pre-formatted rows) keeps Excel from
        # turning mobiles into 1.38E+10 and VINs into numbers.
        sheet.column_dimensions[cell.column_letter].number_format = "@"
        if column.choices:
            # Coded columns get a drop-down of the values the import reads (issue #22).
            listed = DataValidation(
                type="list",
                formula1='"' + ",".join(str(c) for c in column.choices()) + '"',
                allow_blank=True,
                showErrorMessage=True,
                error=str(column.note),
                errorTitle=str(column.header),
            )
            listed.add(f"{cell.column_letter}2:{cell.column_letter}{VALIDATED_ROWS}")
            sheet.add_data_validation(listed)

    notes = workbook.create_sheet(_("填写说明"))
    append_row(notes, [_("列"), _("必填"), _("说明"), _("示例")])
    for column in columns:
        append_row(
            notes,
            [str(column.header), _("是") if column.key in required else "", str(column.note), column.example],
        )
    append_row(notes, [])
    append_row(
        notes,
        [
            _(
                "第 2 行（灰色斜体）是示例，导入时自动忽略。列的顺序可以调整；同一文件重复导入不会产生重复数据。"
            )
        ],
    )
    append_row(notes, [_("也可上传 CSV（UTF-8 或 GB18030 编码），列名与本模板相同。")])
    _style_header(notes, [16, 8, 50, 24])
    return _save(workbook)


def errors_workbook(errors: list[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("错误明细")
    append_row(sheet, [_("行号"), _("列"), _("文件中的值"), _("错误")])
    for error in errors:
        # Text from the uploaded file ("=HYPERLINK(…)") is never a formula: csat.spreadsheets.
        append_row(sheet, [error["row"], error["column"], error.get("value", ""), error["message"]])
    _style_header(sheet, [8, 20, 24, 60])
    return _save(workbook)
