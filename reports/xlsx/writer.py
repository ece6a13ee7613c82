"""Low-level writing: one table per sheet with a styled, frozen header row, an autofilter, number
formats, red-below-target conditional formats and safe cell values."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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

    def get(self, row: dict[str, Any]) -> Any:
        return row.get(self.value) if isinstance(self.value, str) else self.value(row)


def put(ws: Worksheet, row: int, col: int, value: Any, number_format: str | None = None) -> Any:
    """Write one value; text is never taken as a formula and loses characters XML cannot hold."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # customer remarks like "=HYPERLINK(...)" stay text
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    return cell


def header(ws: Worksheet, row: int, titles: Sequence[str], widths: Sequence[int] | None = None) -> None:
    for col, title in enumerate(titles, start=1):
        cell = put(ws, row, col, title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if widths:
            ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]


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
    ws: Worksheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, header_row: int = 1
) -> TableRange:
    """Header + rows; freezes the header, filters the whole table."""
    header(ws, header_row, [c.header for c in columns], [c.width for c in columns])
    r = header_row
    for r, row in enumerate(rows, start=header_row + 1):  # noqa: B007 - r is the last row written
        for col, column in enumerate(columns, start=1):
            cell = put(ws, r, col, column.get(row), column.number_format)
            if column.wrap:
                cell.alignment = WRAP
    last_col = get_column_letter(len(columns))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(r, header_row)}"
    return TableRange(header_row, header_row + 1, r, len(columns))


def red_when(ws: Worksheet, ref: str, *, below: float | None = None, above: float | None = None) -> None:
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
