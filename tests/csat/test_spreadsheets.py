"""csat.spreadsheets.TableRows: a plain row serialized without openpyxl's cell objects is the very
XML openpyxl writes for it, and anything unusual still goes through openpyxl cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Alignment
from openpyxl.workbook.workbook import Workbook

from csat import spreadsheets

pytestmark = pytest.mark.skipif(not spreadsheets.FAST_ROWS, reason="openpyxl 3.1 with lxml only")

PLAIN_ROWS: list[list[Any]] = [
    ["深圳福田店", 3, 88.5, "客户对交车流程不满意，等待时间过长。"],
    ["a & b < c > d \"q\" 'x'", 0, 0.1, "line one\nline two\r\nthree\ttab"],
    ["  leading and trailing  ", -7, 1e20, "ends with a newline\n"],
    [None, "x", None, None],
    ["", 123456789012345, 2.5e-7, ""],
    ["tab\tinside", 42, 123.456, "ok"],
    ["x" * 40_000, 1, 1.0, "long text is cut to Excel's limit"],
    ["(1)", 2**40, 3.0, "#hash but no error code"],
]
# Each of these sends its row through openpyxl, cell by cell.
UNUSUAL: list[Any] = [
    '=HYPERLINK("http://evil")',
    "+cmd",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "#N/A",
    "\x07",
    "bell\x07 and \x1b escape",
    None,  # a row of no cells: openpyxl writes <row r="…"></row>
    dt.datetime(2026, 3, 5, 10, 30),
    dt.date(2026, 3, 5),
    Decimal("12.50"),
    True,
    float("nan"),
]


def _write(rows: list[list[Any]], *, fast: bool) -> bytes:
    wb = Workbook(write_only=True)
    sheet = spreadsheets.streamed_sheet(wb, "t")
    spreadsheets.append_row(sheet, ["header", "n", "x", "remarks"])
    number = spreadsheets.cell(sheet, "", styled=True)
    number.number_format = "0"
    score = spreadsheets.cell(sheet, "", styled=True)
    score.number_format = "0.0"
    wrap = spreadsheets.cell(sheet, "", styled=True)
    wrap.alignment = Alignment(wrap_text=True, vertical="top")
    writer = spreadsheets.TableRows(sheet, [None, number, score, wrap])
    writer.fast = fast
    for row in rows:
        writer.append(row)
    assert sheet.written == len(rows) + 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _part(xlsx: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return archive.read(name)


def test_serialized_rows_are_the_xml_openpyxl_writes() -> None:
    rows = PLAIN_ROWS + [[value, value, value, value] for value in UNUSUAL]
    fast, cells = _write(rows, fast=True), _write(rows, fast=False)
    for part in ("xl/worksheets/sheet1.xml", "xl/styles.xml"):
        assert _part(fast, part) == _part(cells, part), part
    ws = openpyxl.load_workbook(io.BytesIO(fast))["t"]
    assert ws["A2"].value == "深圳福田店" and ws["B2"].number_format == "0" and ws["C2"].value == 88.5
    assert ws["A3"].value == "a & b < c > d \"q\" 'x'"
    assert ws["D3"].value == "line one\nline two\r\nthree\ttab" and ws["D3"].alignment.wrap_text
    assert ws["A4"].value == "  leading and trailing  " and ws["C4"].value == 1e20
    assert ws["A5"].value is None and ws["B5"].value == "x" and ws["B5"].number_format == "0"
    assert ws["A6"].value is None and ws["B6"].value == 123456789012345 and ws["C6"].value == 2.5e-7
    assert ws["A7"].value == "tab\tinside"
    assert len(ws["A8"].value) == spreadsheets.MAX_TEXT
    formula = ws["A10"]
    assert ws["A17"].value == "bell and  escape" and ws["D17"].alignment.wrap_text
    assert ws["A19"].value == dt.datetime(2026, 3, 5, 10, 30)  # openpyxl's date format
    assert ws["B21"].value == 12.5 and ws["B21"].number_format == "0"
    assert formula.value == '=HYPERLINK("http://evil")' and formula.data_type == "s" and formula.quotePrefix
    assert ws["D10"].quotePrefix and ws["D10"].alignment.wrap_text  # the column's style, quoted


def test_plain_rows_skip_the_cell_path_and_unusual_ones_take_it() -> None:
    wb = Workbook(write_only=True)
    sheet = spreadsheets.streamed_sheet(wb, "t")
    writer = spreadsheets.TableRows(sheet, [None, None])
    assert writer.fast
    for row in PLAIN_ROWS:
        assert writer._serialize(row[:2], 1) is not None, row
    for value in UNUSUAL:
        assert writer._serialize([value, value], 1) is None, value


def test_streamed_sheets_belong_to_write_only_workbooks() -> None:
    with pytest.raises(ValueError):
        spreadsheets.streamed_sheet(Workbook(), "t")


def test_many_rows_written_raw_in_batches_keep_their_order_and_bytes() -> None:
    """Serialized rows go to the file in batches (``StreamedSheet.SPILL``) between lxml's own
    writes; mixed with rows of the cell path, across several batches, the file is still the one
    openpyxl writes."""
    rows: list[list[Any]] = []
    for n in range(3 * spreadsheets.StreamedSheet.SPILL // 100 + 7):  # rows of ~200 bytes
        rows.append([f"第{n}行 & <{n}>", n, n / 7, "备注\n" * (n % 3)])
        if n % 401 == 0:
            rows.append([UNUSUAL[n % len(UNUSUAL)], n, "=1+1", None])
    fast, cells = _write(rows, fast=True), _write(rows, fast=False)
    assert _part(fast, "xl/worksheets/sheet1.xml") == _part(cells, "xl/worksheets/sheet1.xml")
    ws = openpyxl.load_workbook(io.BytesIO(fast))["t"]
    assert ws.max_row == len(rows) + 1
    assert ws.cell(row=len(rows) + 1, column=1).value == rows[-1][0]
