"""Read an uploaded xlsx or csv safely into header + rows.

Safe by construction: a size cap, the type decided by content (not the name), xlsx sheets streamed
through defusedxml's parser returning cached values only (formulas are never evaluated; see
intake/xlsx.py), a cap on the unpacked size against zip bombs.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from intake import xlsx

MAX_UPLOAD_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ROWS = 200_000
# Columns a sheet may use: a DMS export has a few dozen; Excel allows 16,384 (XFD).
MAX_COLUMNS = 500


class FileRejected(ValueError):
    """The file as a whole cannot be read; nothing is imported."""


def detect_format(head: bytes, filename: str) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV。"))
    if b"\x00" in head:
        raise FileRejected(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    return "csv"


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the encoding Chinese Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(_("无法识别 CSV 文件编码，请保存为 UTF-8 或 GB18030。"))


def read_rows(stream: IO[bytes], filename: str = "") -> tuple[list[str], Iterator[list[Any]]]:
    """Return the header row and an iterator over the data rows (lists of cell values)."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRejected(_("文件超过 %(mb)d MB 上限。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    if not data.strip():
        raise FileRejected(_("文件是空的。"))
    is_xlsx = detect_format(data[:8], filename) == "xlsx"
    try:
        header, rows = _read_xlsx(data) if is_xlsx else _read_csv(data)
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001 - e.g. csv.Error on a header cell past the field limit
        raise FileRejected(_("文件内容已损坏或格式不正确，无法读取。")) from None
    return header, _guarded(rows)


def _guarded(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """Rows are parsed lazily: a failure deep in the file is the same answer as a bad file."""
    try:
        for count, row in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise FileRejected(_("文件超过 %(n)d 行上限，请分成几个文件导入。") % {"n": MAX_ROWS})
            yield row
    except FileRejected:
        raise
    except xlsx.SheetTooLarge as exc:
        raise _too_large(exc) from None
    except Exception:  # noqa: BLE001 - csv.Error, XML errors, defusedxml refusals, zip errors …
        raise FileRejected(_("文件内容已损坏或格式不正确，无法读取。")) from None


def _too_large(exc: xlsx.SheetTooLarge) -> FileRejected:
    """A sheet naming or declaring a row/column past the limits: refused before it is read."""
    if exc.what == "columns":
        return FileRejected(
            _("文件的列超过 %(n)d 列上限（表格中声明或引用了过远的列），已拒绝。") % {"n": MAX_COLUMNS}
        )
    return FileRejected(
        _("文件超过 %(n)d 行上限（表格中声明或引用了过远的行），请分成几个文件导入。") % {"n": MAX_ROWS}
    )


def _read_csv(data: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    text = decode_csv(data)
    if "\x00" in text:
        # No text file has NUL characters (and PostgreSQL cannot store them).
        raise FileRejected(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected(_("文件是空的。")) from None
    if len(header) > MAX_COLUMNS:
        raise _too_large(xlsx.SheetTooLarge("columns", MAX_COLUMNS))
    return [str(h) for h in header], _csv_rows(reader)


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[Any]]:
    for row in reader:
        if len(row) > MAX_COLUMNS:  # the same column cap as an xlsx sheet's
            raise xlsx.SheetTooLarge("columns", MAX_COLUMNS)
        yield row


def _read_xlsx(data: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise FileRejected(_("文件解压后过大，已拒绝。"))
        # The header row counts: data rows 1..MAX_ROWS are sheet rows 2..MAX_ROWS + 1.
        rows = xlsx.iter_first_sheet(archive, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS)
        header = next(rows)
    except FileRejected:
        raise
    except xlsx.SheetTooLarge as exc:
        raise _too_large(exc) from None
    except StopIteration:
        raise FileRejected(_("文件是空的。")) from None
    except Exception:  # noqa: BLE001 - any parser failure is the same answer to the user
        raise FileRejected(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。")) from None
    return ["" if h is None else str(h) for h in header], rows
