"""Every xlsx cell the application writes goes through here (openpyxl, normal or write-only sheets).

Text from customers, staff or an imported file can start like a formula: ``=HYPERLINK("http://…")``,
``+cmd|' /C calc'!A0``, ``-2+3``, ``@SUM(…)``, or a tab/CR before one. openpyxl stores a string
starting with ``=`` as a live formula, and spreadsheet programs re-read the others as formulas when
the cell is edited or the sheet is saved as CSV (CSV/formula injection, OWASP). So any text whose
first character is one of ``FORMULA_PREFIXES`` is written as a text cell (type ``s``) with Excel's
"quote prefix" set: it shows and stays exactly what was typed, and Excel keeps it text on edit.
Characters XML cannot hold (control characters) are dropped rather than breaking the file.

``cell(sheet, value)`` makes one cell value (a plain value when nothing needs saying, else a
``WriteOnlyCell``), ``append_row(sheet, values)`` writes a row; a value that is already a cell
(styled by the caller through ``cell(..., styled=True)``) goes as it is. Tests scan the code:
nothing else calls ``WriteOnlyCell``, ``.cell(`` or a sheet's ``append`` outside this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def cell(sheet: Any, value: Any, number_format: str | None = None, *, styled: bool = False) -> Any:
    """One cell for ``sheet``: text is never a formula; a plain value goes as is (cheaper than a
    cell object, which streamed sheets of 100,000 rows notice); ``styled``: always a cell object,
    for the caller to style."""
    if isinstance(value, Cell):
        return value
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        risky = is_formula_like(value)
        if not (risky or styled or number_format):
            return value
        out = WriteOnlyCell(sheet, value=value)
        if risky:
            out.data_type = "s"  # "=HYPERLINK(…)" stays text
            out.quotePrefix = True  # and Excel keeps it text when the cell is edited
        if number_format:
            out.number_format = number_format
        return out
    if not (number_format or styled) or value is None:
        return WriteOnlyCell(sheet, value=value) if styled else value
    out = WriteOnlyCell(sheet, value=value)
    if number_format:
        out.number_format = number_format
    return out


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Write one row to ``sheet`` (normal or write-only), every value through ``cell``."""
    sheet.append([cell(sheet, value) for value in values])
