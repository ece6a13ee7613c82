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

Long tables (the monthly report's record sheets: ~450,000 cells at group scale) go through
``TableRows`` on a ``streamed_sheet``: each column has one style, and a row of plain text and
numbers is serialized here to exactly the XML openpyxl writes for it (a test compares the two byte
for byte), without openpyxl's per-cell objects, type inference and style lookups (~10 µs a cell:
most of the build time of the group report, issue #25). Anything else (a formula-like text, a
date, a decimal, …) takes openpyxl's own path, cell by cell, as above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from copy import copy
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The serialized rows rely on openpyxl 3.1's write-only sheet (its row loop, below) writing
# through lxml; any other version or writer takes the cell path.
FAST_ROWS = openpyxl.__version__.startswith("3.1.") and openpyxl.LXML
# Excel's limit on a cell's text (openpyxl truncates to it).
MAX_TEXT = 32767
_ERROR_CODES = frozenset(ERROR_CODES)


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


class _Serialized:
    """One row already serialized by ``TableRows``: the ``<row>`` XML as openpyxl would write it."""

    __slots__ = ("xml",)

    def __init__(self, xml: str) -> None:
        self.xml = xml


class _RawWorksheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's worksheet writer over a file object of our own (``raw``), so that serialized rows
    can be written to it directly, between flushes of lxml's stream: parsing each row's XML back
    into an element only for lxml to write it out again was ~60 µs a row (most of the group report's
    Python time, issue #25)."""

    raw: Any = None

    def get_stream(self) -> Any:
        with open(self.out, "wb") as raw:
            self.raw = raw
            # openpyxl 3.1's get_stream, writing to ``raw``.
            with xmlfile(raw) as xf, xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        el = yield
                        if el is True:
                            yield xf
                        elif el is None:
                            continue
                        else:
                            xf.write(el)
                except GeneratorExit:
                    pass


class StreamedSheet(WriteOnlyWorksheet):  # type: ignore[misc]
    """openpyxl's write-only worksheet that also takes rows ``TableRows`` serialized; counts its
    rows (``written``)."""

    SPILL = 16 * 1024  # bytes of serialized rows gathered before one raw write (memory stays flat)

    def __init__(self, parent: Workbook, title: str | None = None) -> None:
        super().__init__(parent, title)
        self.written = 0

    def _get_writer(self) -> None:
        if self._writer is None:  # type: ignore[has-type]
            writer = _RawWorksheetWriter(self)
            writer.write_top()
            self._writer = writer

    def append(self, row: Any) -> None:
        super().append(row)
        self.written += 1

    def append_serialized(self, row: _Serialized) -> None:
        """``append`` of a serialized row (openpyxl's ``append`` takes lists only)."""
        self._get_writer()
        rows: Any = self._rows  # type: ignore[has-type]
        if rows is None:
            rows = self._rows = self._write_rows()
            next(rows)
        rows.send(row)
        self.written += 1

    def _write_rows(self) -> Any:
        """openpyxl 3.1's ``WriteOnlyWorksheet._write_rows``, plus: serialized rows are gathered and
        written to the file as they are, after lxml's stream is flushed (so everything stays in
        order); ASCII with character references, as lxml writes the sheet."""
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        raw = self._writer.raw
        pending: list[bytes] = []
        size = 0

        def spill() -> None:
            nonlocal size
            if pending:
                xf.flush()
                raw.write(b"".join(pending))
                pending.clear()
                size = 0

        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, _Serialized):
                        data = row.xml.encode("ascii", "xmlcharrefreplace")
                        pending.append(data)
                        size += len(data)
                        if size >= self.SPILL:
                            spill()
                    else:
                        spill()
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
            spill()
        self._writer.xf.send(None)


def streamed_sheet(workbook: Workbook, title: str) -> Any:
    """A new sheet of a write-only workbook (``Workbook(write_only=True)``) that ``TableRows`` can
    write to; otherwise like ``workbook.create_sheet(title)``."""
    if not workbook.write_only:
        raise ValueError("streamed sheets belong to write-only workbooks")
    sheet = StreamedSheet(parent=workbook, title=title)
    workbook._add_sheet(sheet)
    return sheet


class TableRows:
    """The rows of one table on a streamed sheet, one style per column: ``styles`` holds, per
    column, a cell from ``cell(sheet, "", styled=True)`` carrying the column's style (number
    format, alignment, font, …) or ``None`` for none. ``None`` and ``""`` write no cell.

    A row of text and numbers is serialized here to the XML openpyxl writes for it; a row with
    anything else (text that starts like a formula or is an Excel error code, a date, a decimal,
    a bool, a non-finite float; or no cell at all) is written cell by cell through ``cell`` and openpyxl, each styled
    cell a copy of its column's style (keeping the quote prefix of formula-like text)."""

    def __init__(self, sheet: Any, styles: Sequence[Any]) -> None:
        self.sheet = sheet
        self.styles = list(styles)
        self.fast = FAST_ROWS and isinstance(sheet, StreamedSheet)
        self._columns: list[tuple[str, str, dict[str, str | None]]] = [
            (
                get_column_letter(index),
                f' s="{style.style_id}"' if style is not None and style.has_style else "",
                {},  # short text → its cell's XML after the reference (None: the cell path)
            )
            for index, style in enumerate(self.styles, start=1)
        ]

    def append(self, values: Sequence[Any]) -> None:
        if self.fast:
            xml = self._serialize(values, self.sheet.written + 1)
            if xml is not None:
                self.sheet.append_serialized(_Serialized(xml))
                return
        append_row(
            self.sheet, [self._cell(value, style) for value, style in zip(values, self.styles, strict=False)]
        )

    def _cell(self, value: Any, style: Any) -> Any:
        if value is None or value == "":
            return None
        if style is None:
            return value  # made safe by append_row
        out = cell(self.sheet, value, styled=True)
        quoted = out.quotePrefix  # text that starts like a formula keeps its quote prefix
        out._style = copy(style._style)
        if quoted:
            out.quotePrefix = True
        return out

    def _serialize(self, values: Sequence[Any], row: int) -> str | None:
        """``<row>`` as openpyxl 3.1 writes it through lxml, or ``None``: the cell path."""
        r = str(row)
        parts = []
        for value, (letter, style, known) in zip(values, self._columns, strict=False):
            kind = type(value)
            if kind is str:
                if not value:
                    continue
                # A column repeats its short texts (stores, labels, names): each is made once.
                tail = known.get(value, _UNKNOWN)
                if tail is _UNKNOWN:
                    tail = _text_tail(value, style)
                    if len(value) <= _KNOWN_LENGTH and len(known) < _KNOWN_COUNT:
                        known[value] = tail
                if tail is None:
                    return None
                parts.append(f'<c r="{letter}{r}"{tail}')
            elif kind is int or (kind is float and math.isfinite(value)):
                parts.append(f'<c r="{letter}{r}"{style} t="n"><v>{value:.16g}</v></c>')
            elif value is not None:
                return None
        if not parts:
            return None  # openpyxl writes an empty row as <row r="…"></row>, lxml would close it
        return f'<row r="{r}">{"".join(parts)}</row>'


_UNKNOWN = object()
# Texts kept per column for reuse: short ones (labels, names), a bounded number (memory stays flat).
_KNOWN_LENGTH = 40
_KNOWN_COUNT = 512


def _text_tail(value: str, style: str) -> str | None:
    """A text cell's XML after its reference (`` s="…" t="inlineStr">…</c>``), ASCII with character
    references as lxml writes it; ``None``: the cell path (formula-like text, an error code, a
    character XML cannot hold, which the cell path drops)."""
    if value.startswith(FORMULA_PREFIXES) or value in _ERROR_CODES:
        return None
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(value):
        return None
    space = ' xml:space="preserve"' if value != value.strip() else ""
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a parser would read a raw one as a line feed
    tail = f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    return tail.encode("ascii", "xmlcharrefreplace").decode("ascii")
