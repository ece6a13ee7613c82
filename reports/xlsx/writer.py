"""Low-level writing, streamed (openpyxl write-only mode): one table per sheet with a styled, frozen
header row, an autofilter, number formats, red-below-target conditional formats and safe cell
values. A table's rows go through ``csat.spreadsheets.TableRows``: one style per column, plain rows
serialized without a cell object each."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from csat import spreadsheets

INT = "0"
SCORE = "0.0"
PCT = "0.0%"
AMOUNT = "#,##0.00"
PER_MILLE = "0.00"
TEXT = "@"

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill(fill_type="solid", start_color="1F4E78", end_color="1F4E78")
RED_FONT = Font(color="9C0006")
RED_FILL = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE", bgColor="FFC7CE")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], Any] | str
    number_format: str | None = None
    width: int = 12
    wrap: bool = False
    row_format: bool = False  # the row's own "fmt" (a table of mixed figures)

    def get(self, row: dict[str, Any]) -> Any:
        return row.get(self.value) if isinstance(self.value, str) else self.value(row)


class Sheet:
    """A write-only worksheet (openpyxl streams each row to disk): rows are appended in order,
    column widths and the frozen header are set before the first row."""

    def __init__(self, wb: Workbook, title: str) -> None:
        self.ws = spreadsheets.streamed_sheet(wb, title)
        self.columns = 0
        # Printed on A4 landscape, one page wide and as many long as the rows need (issue #22: the
        # 41-page print of two days' data), with small margins and the page number in the footer.
        setup = self.ws.page_setup
        setup.orientation, setup.paperSize = "landscape", "9"  # 9: A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_margins.left = self.ws.page_margins.right = 0.4
        self.ws.page_margins.top = self.ws.page_margins.bottom = 0.5
        self.ws.print_options.horizontalCentered = True
        self.ws.oddFooter.center.text = "&P / &N"

    def __getattr__(self, name: str) -> Any:  # add_chart, title, conditional_formatting, …
        return getattr(self.ws, name)

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return int(self.ws.written)

    def write_row(self, cells: Sequence[Any]) -> int:
        """One row; plain values are made safe here (csat.spreadsheets), cells from ``put`` already are."""
        spreadsheets.append_row(self.ws, cells)
        return self.rows

    def skip_to(self, row: int) -> None:
        """Blank rows until the next one appended is ``row``."""
        while self.rows < row - 1:
            self.write_row([])


def put(sheet: Sheet, value: Any, number_format: str | None = None, *, styled: bool = False) -> Any:
    """One cell; text is never taken as a formula and loses characters XML cannot hold (both in
    csat.spreadsheets, the one writer of every export). A plain value goes as is and is made safe
    when its row is written (once, not twice); ``styled``: always a cell, to style it."""
    if not (number_format or styled):
        return value
    return spreadsheets.cell(sheet.ws, value, number_format, styled=styled)


def layout(sheet: Sheet, columns: Sequence[Column], header_row: int = 1) -> None:
    """Widths and the frozen header: written before the sheet's rows in a streamed sheet."""
    for col, column in enumerate(columns, start=1):
        sheet.ws.column_dimensions[get_column_letter(col)].width = column.width
    sheet.ws.freeze_panes = f"A{header_row + 1}"


@dataclass
class TableRange:
    header_row: int
    first: int  # first data row
    last: int  # last data row (== header_row when there are no rows)
    columns: int

    def column(self, index: int) -> str:
        """'D2:D14' for the 1-based column index; just below the header when empty."""
        letter = get_column_letter(index)
        return f"{letter}{self.first}:{letter}{max(self.first, self.last)}"


def table(
    sheet: Sheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, header_row: int = 1
) -> TableRange:
    """Header + rows (any iterable: rows are written as they come); freezes the header, filters
    the whole table. A sheet with rows above the table was laid out by the caller."""
    if sheet.rows == 0:
        layout(sheet, columns, header_row)
    sheet.skip_to(header_row)
    titles = []
    for column in columns:
        cell = put(sheet, column.header, styled=True)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        titles.append(cell)
    r = sheet.write_row(titles)
    if any(column.row_format for column in columns):
        r = _mixed_rows(sheet, columns, rows) or r
    else:
        r = _rows(sheet, columns, rows) or r
    last_col = get_column_letter(len(columns))
    sheet.ws.auto_filter.ref = f"A{header_row}:{last_col}{r}"
    # Every printed page repeats the table's header row; the print area is what was written.
    sheet.ws.print_title_rows = f"{header_row}:{header_row}"
    sheet.columns = max(sheet.columns, len(columns))
    sheet.ws.print_area = f"A1:{get_column_letter(sheet.columns)}{r}"
    return TableRange(header_row, header_row + 1, r, len(columns))


def _column_style(sheet: Sheet, column: Column) -> Any:
    """The one style of a column's cells (``None``: unstyled): its number format or wrapping."""
    if not (column.number_format or column.wrap):
        return None
    style = put(sheet, "", styled=True)
    if column.number_format:
        style.number_format = column.number_format
    if column.wrap:
        style.alignment = WRAP
    return style


def _rows(sheet: Sheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """A table's rows, each column with its one style (csat.spreadsheets.TableRows); the last row
    written, 0 for none. A wrapped column's cells share one style: registering the alignment for
    every cell (a lookup in the workbook's style table) cost more than writing the rows."""
    writer = spreadsheets.TableRows(sheet.ws, [_column_style(sheet, column) for column in columns])
    getters = [
        operator.methodcaller("get", column.value) if isinstance(column.value, str) else column.value
        for column in columns
    ]
    last = 0
    for row in rows:
        writer.append([get(row) for get in getters])
        last = sheet.rows
    return last


def _mixed_rows(sheet: Sheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """Rows whose cells take their row's own number format (the Summary's figures), cell by cell."""
    last = 0
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = column.get(row)
            if value is None or value == "":
                cells.append(None)  # no cell written at all (openpyxl writes "" as a cell)
                continue
            fmt = row.get("fmt") if column.row_format else column.number_format
            cell = put(sheet, value, fmt, styled=column.wrap)
            if column.wrap:
                cell.alignment = WRAP
            cells.append(cell)
        last = sheet.write_row(cells)
    return last


def red_when(ws: Any, ref: str, *, below: float | None = None, above: float | None = None) -> None:
    """Red cell when a number is below (or above) the target; blanks and text stay plain."""
    top_left = ref.split(":")[0]
    if below is not None:
        formula = f"AND(ISNUMBER({top_left}),{top_left}<{below})"
    elif above is not None:
        formula = f"AND(ISNUMBER({top_left}),{top_left}>{above})"
    else:  # pragma: no cover - programming error
        raise ValueError("below or above")
    ws.conditional_formatting.add(
        ref, FormulaRule(formula=[formula], font=RED_FONT, fill=RED_FILL, stopIfTrue=False)
    )


def show_axes(chart: Any) -> None:
    """openpyxl ≥ 3.1 writes axes as deleted unless told otherwise: Excel would draw no axis labels."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def fraction(value: float | None) -> float | None:
    """0–100 percent → 0–1 for a percent cell format."""
    return None if value is None else value / 100
