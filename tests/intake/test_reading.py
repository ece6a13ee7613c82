"""intake.reading: what an uploaded file turns into, and which files are refused outright."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from intake import reading
from intake.planning import build_plan
from intake.reading import FileRejected, read_rows
from tests.intake.support import csv_bytes, grid, header_of, visit_row, xlsx_bytes


def read(data: bytes, name: str = "dms.csv") -> tuple[list[str], list[list[Any]]]:
    header, rows = read_rows(io.BytesIO(data), name)
    return header, list(rows)


# --- csv encodings ------------------------------------------------------------------------------


def test_utf8_csv() -> None:
    header, rows = read("手机号,客户姓名\n13800138000,张伟\n".encode())
    assert header == ["手机号", "客户姓名"]
    assert rows == [["13800138000", "张伟"]]


def test_utf8_csv_with_bom_keeps_the_first_header_clean() -> None:
    header, rows = read("手机号,客户姓名\r\n13800138000,张伟\r\n".encode("utf-8-sig"))
    assert header[0] == "手机号"  # not "\ufeff手机号"
    assert rows == [["13800138000", "张伟"]]


def test_gb18030_csv_as_chinese_excel_saves_it() -> None:
    data = "手机号,客户姓名,备注\r\n13800138000,欧阳娜娜,喜欢微信联系\r\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really exercises the fallback
    header, rows = read(data)
    assert header == ["手机号", "客户姓名", "备注"]
    assert rows == [["13800138000", "欧阳娜娜", "喜欢微信联系"]]


@pytest.mark.django_db
def test_gb18030_service_visit_file_validates_like_utf8(store_a: Any, staff_a: Any) -> None:
    cells = grid("service_visits", [visit_row(1), visit_row(2)])
    plans = []
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        header, rows = read_rows(io.BytesIO(csv_bytes(cells, encoding)), "dms.csv")
        plans.append(build_plan(kind="service_visits", store=store_a, header=header, rows=rows))
    for plan in plans:
        assert plan.errors == []
        assert plan.counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert (
        plans[0].customers["13900000001"].values["name"] == plans[2].customers["13900000001"].values["name"]
    )


def test_semicolon_and_tab_separated_csv() -> None:
    for sep in (";", "\t"):
        header, rows = read(f"手机号{sep}客户姓名\n13800138000{sep}张伟\n".encode())
        assert header == ["手机号", "客户姓名"], sep
        assert rows == [["13800138000", "张伟"]], sep


# --- columns in any order, English headers ------------------------------------------------------


@pytest.mark.django_db
def test_columns_in_any_order_and_english_headers(store_a: Any, staff_a: Any) -> None:
    row = visit_row(7)
    keys = list(reversed(list(row)))  # every column, last one first
    english = {"mobile": "mobile", "name": "name", "vin": "VIN", "repair_order_no": "Repair Order No"}
    header = [english.get(k, h) for k, h in zip(keys, header_of("service_visits", keys), strict=True)]
    cells = [header, [row[k] for k in keys]]
    header_read, rows = read_rows(io.BytesIO(csv_bytes(cells)), "dms.csv")
    plan = build_plan(kind="service_visits", store=store_a, header=header_read, rows=rows)
    assert plan.errors == []
    op = plan.customers[row["mobile"]]
    assert op.values["name"] == "客户7"
    assert plan.records["RO00000007"].values["vin"] == row["vin"]


# --- xlsx ---------------------------------------------------------------------------------------


def test_xlsx_written_by_openpyxl() -> None:
    import datetime as dt

    data = xlsx_bytes([["手机号", "进厂时间", "里程"], [13800138000, dt.datetime(2026, 3, 2, 9, 10), 23500]])
    header, rows = read(data, "dms.xlsx")
    assert header == ["手机号", "进厂时间", "里程"]
    assert rows == [[13800138000, dt.datetime(2026, 3, 2, 9, 10), 23500]]


def test_type_comes_from_content_not_from_the_name() -> None:
    data = xlsx_bytes([["手机号"], ["13800138000"]])
    header, rows = read(data, "renamed.csv")
    assert header == ["手机号"]
    assert rows == [["13800138000"]]


def test_formula_cell_is_never_evaluated() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["里程", "备注"])
    sheet.append(["=1+1", '=HYPERLINK("http://example.com","x")'])
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read(buffer.getvalue(), "dms.xlsx")
    assert header == ["里程", "备注"]
    # openpyxl stores no cached value; only cached values are read, so nothing computes "2".
    assert rows[0][0] != 2
    assert rows[0][0] in (None, "=1+1")
    assert rows[0][1] in (None, '=HYPERLINK("http://example.com","x")')


def test_formula_text_in_csv_stays_text() -> None:
    header, rows = read("里程\n=1+1\n".encode())
    assert rows == [["=1+1"]]


# --- files refused as a whole -------------------------------------------------------------------


def test_legacy_xls_is_rejected_with_a_clear_message() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(FileRejected) as exc_info:
        read(ole, "dms.xls")
    assert ".xls" in str(exc_info.value)
    assert ".xlsx" in str(exc_info.value)


def test_binary_file_with_nul_bytes_at_the_start_is_rejected() -> None:
    with pytest.raises(FileRejected) as exc_info:
        read(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "dms.csv")
    assert "不支持" in str(exc_info.value)


def test_utf16_csv_is_rejected_not_misread() -> None:
    with pytest.raises(FileRejected):
        read("手机号,客户姓名\n13800138000,张伟\n".encode("utf-16"), "dms.csv")


def test_csv_with_nul_bytes_later_in_the_file_is_rejected() -> None:
    # A NUL inside a text cell would be stored (or crash PostgreSQL): the file is refused.
    data = "手机号,客户姓名\n13800138000,张\x00伟\n".encode()
    with pytest.raises(FileRejected):
        read(data, "dms.csv")


def test_oversize_file_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_UPLOAD_BYTES", 1024)
    data = ("手机号\n" + "13800138000\n" * 200).encode()
    assert len(data) > 1024
    with pytest.raises(FileRejected) as exc_info:
        read(data)
    assert "上限" in str(exc_info.value)
    header, rows = read(data[:1000])  # just below the cap: fine
    assert header == ["手机号"]


def test_real_size_cap_is_30_mb() -> None:
    assert reading.MAX_UPLOAD_BYTES == 30 * 1024 * 1024


def test_zip_bomb_is_rejected_by_unpacked_size(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx_bytes([["手机号"], *[["13800138000"] for _ in range(2000)]])
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(FileRejected) as exc_info:
        read(data, "dms.xlsx")
    assert "过大" in str(exc_info.value)


def test_corrupt_xlsx_is_rejected() -> None:
    with pytest.raises(FileRejected):
        read(b"PK\x03\x04" + b"not really a zip" * 10, "dms.xlsx")


def _with_sheet_xml(data: bytes, transform: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = transform(content)
            target.writestr(info, content)
    return out.getvalue()


def test_xml_entities_in_a_sheet_are_refused_not_expanded() -> None:
    """defusedxml is installed, so openpyxl refuses DTD entities (billion laughs, XXE)."""
    data = xlsx_bytes([["备注"], ["x"]])

    def add_entity(xml: bytes) -> bytes:
        xml = xml.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY lol "lolololol">]><worksheet', 1)
        return xml.replace(b"<v>", b"<v>&lol;", 1)

    evil = _with_sheet_xml(data, add_entity)
    with pytest.raises(FileRejected):
        read(evil, "dms.xlsx")


def test_huge_csv_field_is_a_rejected_file_not_a_crash() -> None:
    data = ("手机号,备注\n13800138000," + "长" * 200_000 + "\n").encode()
    with pytest.raises(FileRejected):
        read(data)


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", "\ufeff".encode()])
def test_empty_file_is_rejected(data: bytes) -> None:
    with pytest.raises(FileRejected) as exc_info:
        read(data)
    assert "空" in str(exc_info.value)


def test_empty_xlsx_is_rejected() -> None:
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(FileRejected) as exc_info:
        read(buffer.getvalue(), "dms.xlsx")
    assert "空" in str(exc_info.value)


def test_header_only_file_has_no_rows() -> None:
    header, rows = read("手机号,客户姓名\n".encode())
    assert header == ["手机号", "客户姓名"]
    assert rows == []


def test_malformed_sheet_xml_deep_in_the_file_is_a_rejected_file() -> None:
    """Rows are parsed lazily: a broken row 500 must still be a FileRejected, not a crash."""
    data = xlsx_bytes([["手机号"], *[[f"1380013{n:04d}"] for n in range(1000)]])

    def break_row_500(xml: bytes) -> bytes:
        return xml.replace(b'<row r="500"', b'<row r="500"><c r="A500"><v>1</broken></c', 1)

    with pytest.raises(FileRejected):
        read(_with_sheet_xml(data, break_row_500), "dms.xlsx")


# --- the streaming xlsx reader (intake/xlsx.py) agrees with openpyxl -----------------------


def _openpyxl_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return [_trim(list(row)) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] is None:
        row.pop()
    return row


def test_xlsx_values_are_the_ones_openpyxl_reads() -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["手机号", "里程", "质量返修", "进厂时间", "购车日期", "备注"])
    sheet.append(
        [13800138000, 23500.5, True, dt.datetime(2026, 3, 2, 9, 10, 30), dt.date(2026, 1, 1), "中文\n换行"]
    )
    sheet.append(["=1+1", None, False, "2026-03-02 09:10", None, " 空格 "])
    sheet["A6"] = "第 6 行，4、5 行空着"
    sheet["F6"] = -3
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read(buffer.getvalue(), "dms.xlsx")
    ours = [header, *[_trim(r) for r in rows]]
    theirs = _openpyxl_rows(buffer.getvalue())
    assert ours == theirs
    assert ours[3] == [] and ours[4] == []  # missing rows keep Excel's numbering
    assert ours[1][3] == dt.datetime(2026, 3, 2, 9, 10, 30)
    assert isinstance(ours[1][0], int)


def test_write_only_xlsx_without_dimension_and_with_inline_strings() -> None:
    import datetime as dt

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导出")
    sheet.append(["工单号", "进厂时间", "里程"])
    for n in range(300):
        sheet.append([f"RO{n:05d}", dt.datetime(2026, 3, 2, 9, 0) + dt.timedelta(minutes=n), 1000 + n])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert b"<dimension" not in archive.read("xl/worksheets/sheet1.xml")
    header, rows = read(buffer.getvalue(), "dms.xlsx")
    assert header == ["工单号", "进厂时间", "里程"]
    assert len(rows) == 300
    assert rows[299] == ["RO00299", dt.datetime(2026, 3, 2, 13, 59), 1299]


def test_1904_date_system() -> None:
    import datetime as dt

    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["进厂时间"])
    sheet.append([dt.datetime(2026, 3, 2, 9, 10)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue(), "dms.xlsx")[1] == [[dt.datetime(2026, 3, 2, 9, 10)]]


def _with_part(data: bytes, part: str, transform: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, transform(content) if info.filename == part else content)
    return out.getvalue()


def excel_like_xlsx(sst: list[str], sheet_rows: str, *, prefix: str = "") -> bytes:
    """A workbook laid out the way Excel saves one: shared strings, a date style, prefixed names optional."""
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/data.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><{p}workbook{ns} xmlns:r="{rel}"><{p}sheets>'
        f'<{p}sheet name="维修进厂" sheetId="7" r:id="rId3"/></{p}sheets></{p}workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/styles" Target="/xl/styles.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/worksheet" Target="worksheets/data.xml"/></Relationships>',
        "xl/styles.xml": f'<?xml version="1.0"?><{p}styleSheet{ns}><{p}numFmts count="1">'
        f'<{p}numFmt numFmtId="176" formatCode="yyyy/m/d\\ h:mm;@"/></{p}numFmts>'
        f'<{p}cellStyleXfs count="1"><{p}xf numFmtId="14"/></{p}cellStyleXfs>'
        f'<{p}cellXfs count="3"><{p}xf numFmtId="0"/><{p}xf numFmtId="176"/><{p}xf numFmtId="49"/></{p}cellXfs></{p}styleSheet>',
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><{p}sst{ns} count="{len(sst)}">'
        + "".join(s if s.startswith("<") else f"<{p}si><{p}t>{s}</{p}t></{p}si>" for s in sst)
        + f"</{p}sst>",
        "xl/worksheets/data.xml": f'<?xml version="1.0"?><{p}worksheet{ns}><{p}sheetData>{sheet_rows}</{p}sheetData></{p}worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml.encode())
    return out.getvalue()


def excel_rows(p: str = "") -> str:
    """Rows 1, 2 and 4 (row 3 left out, as Excel does for an empty row); ``p`` a name prefix like "x:"."""
    return (
        f'<{p}row r="1"><{p}c r="A1" t="s"><{p}v>0</{p}v></{p}c><{p}c r="B1" t="s"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C1" t="s"><{p}v>2</{p}v></{p}c><{p}c r="D1" t="s"><{p}v>3</{p}v></{p}c></{p}row>'
        f'<{p}row r="2"><{p}c r="A2" t="s" s="2"><{p}v>4</{p}v></{p}c>'
        f'<{p}c r="B2" s="1"><{p}v>46083.381944444445</{p}v></{p}c>'
        f'<{p}c r="C2"><{p}v>23500</{p}v></{p}c><{p}c r="D2" t="s"><{p}v>5</{p}v></{p}c></{p}row>'
        f'<{p}row r="4"><{p}c r="B4" t="b"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C4"><{p}f>C2*2</{p}f><{p}v>47000</{p}v></{p}c>'
        f'<{p}c r="D4" t="str"><{p}f>A2&amp;""</{p}f><{p}v>13800138000</{p}v></{p}c></{p}row>'
    )


EXCEL_SST = [
    "手机号",
    "进厂时间",
    "里程",
    "客户姓名",
    "13800138000",
    '<si><r><t>欧阳</t></r><r><rPr><b/></rPr><t>娜娜</t></r><rPh sb="0" eb="2"><t>ouyang</t></rPh></si>',
]


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # openpyxl, on the comparison
@pytest.mark.parametrize("prefix", ["", "x"])
def test_excel_saved_workbook_with_shared_strings(prefix: str) -> None:
    import datetime as dt

    data = excel_like_xlsx(EXCEL_SST, excel_rows(f"{prefix}:" if prefix else ""), prefix=prefix)
    header, rows = read(data, "dms.xlsx")
    assert header == ["手机号", "进厂时间", "里程", "客户姓名"]
    assert rows == [
        ["13800138000", dt.datetime(2026, 3, 2, 9, 10), 23500, "欧阳娜娜"],
        [],  # row 3 is not in the file
        [None, True, 47000, "13800138000"],  # formulas: their cached values only
    ]
    if not prefix:
        assert [header, *[_trim(r) for r in rows]] == _openpyxl_rows(data)


def test_xml_entities_in_shared_strings_are_refused() -> None:
    decl = '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    data = excel_like_xlsx(["手机号", "&b;"], rows)

    def bomb(xml: bytes) -> bytes:
        return xml.replace(b"<sst", decl.encode() + b"<sst", 1)

    with pytest.raises(FileRejected):
        read(_with_part(data, "xl/sharedStrings.xml", bomb), "dms.xlsx")


def test_external_entity_is_refused() -> None:
    data = xlsx_bytes([["备注"], ["x"]])

    def xxe(xml: bytes) -> bytes:
        xml = xml.replace(
            b"<worksheet", b'<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><worksheet', 1
        )
        return xml.replace(b"<v>", b"<v>&e;", 1)

    with pytest.raises(FileRejected):
        read(_with_sheet_xml(data, xxe), "dms.xlsx")


def test_row_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reading.MAX_ROWS == 200_000
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    assert len(read(("手机号\n" + "13800138000\n" * 5).encode())[1]) == 5
    with pytest.raises(FileRejected) as exc_info:
        read(("手机号\n" + "13800138000\n" * 6).encode())
    assert "行上限" in str(exc_info.value)
