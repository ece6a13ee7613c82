"""Issue #21 item 1: a tiny xlsx that names a far row or column is refused before it is read.

A 1 kB sheet naming row 20,000,000 made the reader pad 20 million blank rows (18 s, 1.5 GB);
one cell in column AAAAAA padded 12 million cells (~100 MB). The limits are checked against the
declared ``<dimension>`` and every row/cell reference while streaming: the refusal comes before a
padded row or cell exists (a tracemalloc peak bound with a wide margin pins it, no timing).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from csat.models import Customer
from intake import reading, xlsx
from intake.models import ImportJob
from intake.reading import FileRejected, read_rows
from tests.intake.support import upload

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def tiny_xlsx(sheet_data: str, dimension: str = "") -> bytes:
    """The smallest workbook the reader accepts: one sheet, inline strings, optional <dimension>."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_NS}">{dim}<sheetData>{sheet_data}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{cell("A1", "手机号")}{cell("B1", "客户姓名")}</row>'
FAR_ROW = HEADER + f'<row r="20000000">{cell("A20000000", "13800138000")}</row>'
FAR_COLUMN = HEADER + f'<row r="2">{cell("AAAAAA2", "x")}</row>'
FAR_COLUMN_IN_HEADER = f'<row r="1">{cell("AAAAAA1", "x")}</row>'
HUGE_DIMENSION = HEADER + f'<row r="2">{cell("A2", "13800138000")}{cell("B2", "张伟")}</row>'
REPEATED_CELL = HEADER + '<row r="2">' + cell("A2", "1") * 2000 + "</row>"

EVIL = {
    "far row A20000000": (FAR_ROW, ""),
    "far column AAAAAA2": (FAR_COLUMN, ""),
    "far column AAAAAA1 in the header": (FAR_COLUMN_IN_HEADER, ""),
    "dimension A1:XFD1048576": (HUGE_DIMENSION, "A1:XFD1048576"),
    "dimension A1:B20000000": (HUGE_DIMENSION, "A1:B20000000"),
    "dimension A1:AAAAAA2": (HUGE_DIMENSION, "A1:AAAAAA2"),
    "the same cell 2,000 times": (REPEATED_CELL, ""),
}


def _read_all(data: bytes) -> tuple[int, int]:
    """Read the file as the import does; (rows, cells) materialised before any refusal."""
    seen_rows = seen_cells = 0
    header, rows = read_rows(io.BytesIO(data), "dms.xlsx")
    for row in rows:
        seen_rows += 1
        seen_cells += len(row)
    return seen_rows, seen_cells


@pytest.mark.parametrize("name", list(EVIL))
def test_far_row_column_or_dimension_is_refused_before_rows_are_built(name: str) -> None:
    sheet, dimension = EVIL[name]
    data = tiny_xlsx(sheet, dimension)
    assert len(data) < 2048  # a 1 kB-class file
    tracemalloc.start()
    try:
        with pytest.raises(FileRejected) as exc_info:
            _read_all(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 20 million padded rows were ~1.5 GB, 12 million padded cells ~100 MB: 20 MB is a wide margin.
    assert peak < 20 * 1024 * 1024, f"{name}: peak {peak / 1e6:.0f} MB"
    message = str(exc_info.value)
    assert "上限" in message
    assert ("列" in message) if "column" in name or "AAAAAA" in name or "cell" in name else ("行" in message)


def test_the_streaming_reader_raises_on_the_first_far_reference_without_padding() -> None:
    """The reader itself: nothing is yielded past the header, the refusal names rows/columns."""
    archive = zipfile.ZipFile(io.BytesIO(tiny_xlsx(FAR_ROW)))
    rows = xlsx.iter_first_sheet(archive, max_rows=200_001, max_columns=500)
    with pytest.raises(xlsx.SheetTooLarge) as exc_info:
        list(rows)
    assert exc_info.value.what == "rows"
    archive = zipfile.ZipFile(io.BytesIO(tiny_xlsx(HEADER, "A1:XFD1048576")))
    with pytest.raises(xlsx.SheetTooLarge):
        next(xlsx.iter_first_sheet(archive, max_rows=200_001, max_columns=500))  # before the header row


def test_files_at_the_limits_are_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    monkeypatch.setattr(reading, "MAX_COLUMNS", 3)
    sheet = HEADER + f'<row r="4">{cell("C4", "x")}</row>'
    header, rows = read_rows(io.BytesIO(tiny_xlsx(sheet, "A1:C4")), "dms.xlsx")
    assert header == ["手机号", "客户姓名"]
    assert list(rows) == [[], [], [None, None, "x"]]
    with pytest.raises(FileRejected):
        _read_all(tiny_xlsx(HEADER + f'<row r="5">{cell("A5", "x")}</row>'))
    with pytest.raises(FileRejected):
        _read_all(tiny_xlsx(HEADER + f'<row r="2">{cell("D2", "x")}</row>'))


def test_wide_csv_is_refused_by_the_same_column_cap() -> None:
    with pytest.raises(FileRejected) as exc_info:
        _read_all(("手机号,客户姓名\n" + "," * 600 + "\n").encode())
    assert "列" in str(exc_info.value)


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
@pytest.mark.parametrize("name", ["far row A20000000", "far column AAAAAA2", "dimension A1:XFD1048576"])
def test_page_and_api_refuse_the_file_with_a_chinese_message_and_change_nothing(
    name: str, agent: Any, client_for: Any, store_a: Any
) -> None:
    sheet, dimension = EVIL[name]
    data = tiny_xlsx(sheet, dimension)
    customers = Customer.objects.count()

    browser = Client()
    browser.force_login(agent)
    response = browser.post(
        reverse("import-list"),
        {"kind": "customers", "store": store_a.pk, "file": upload(data, "dms.xlsx")},
    )
    assert response.status_code == 302
    page_job = ImportJob.objects.latest("pk")
    api = client_for(agent).post(
        "/api/import/",
        {"kind": "customers", "file": upload(data, "dms.xlsx"), "confirm": "true"},
        format="multipart",
    )
    assert api.status_code == 201, api.content
    assert api.json()["status"] == ImportJob.Status.INVALID
    for job in (page_job, ImportJob.objects.get(pk=api.json()["id"])):
        assert job.status == ImportJob.Status.INVALID
        assert "上限" in job.message
        assert job.total_rows == 0
    assert Customer.objects.count() == customers
