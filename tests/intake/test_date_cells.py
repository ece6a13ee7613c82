"""A date column (购车日期) says what a date column expects: a day that does not exist (2026-02-30)
or a bare number (45000, Excel's day count in a cell not formatted as a date) was answered "时间格式
应为 2026-11-03 14:30", the time columns' format.

Excel's day counts: a cell formatted as a date is read as that day (the workbook's own calendar,
1900 or 1904, decides); a plain number is refused, saying so, since which calendar it counts from
is not in the cell (45000 is 2023-03-15 from 1900, 2027-03-16 from 1904).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from intake.columns import CellError, parse_date, parse_datetime
from intake.planning import build_plan
from intake.reading import read_rows
from tests.intake.support import customer_row, grid

pytestmark = pytest.mark.django_db

NUMBER = "这是一个数字，不是日期：请把单元格设为日期格式，或填写如 2026-03-15"


def message_of(parse: Any, value: Any) -> str:
    with pytest.raises(CellError) as exc_info:
        parse(value)
    return str(exc_info.value)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2026-02-30", "日期不存在：2026-02-30"),
        ("2026/2/29", "日期不存在：2026-02-29"),
        ("2025-13-01 10:00", "日期不存在：2025-13-01"),
        ("15.03.2026", "日期格式应为 2026-03-15"),
        ("三月十五", "日期格式应为 2026-03-15"),
        (45000, NUMBER),
        (45000.5, NUMBER),
        (20230315, NUMBER),
    ],
)
def test_a_date_column_says_what_a_date_should_be(cell: Any, message: str) -> None:
    assert message_of(parse_date, cell) == message


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2026-02-30 10:00", "日期不存在：2026-02-30"),
        ("10:00 2026-03-01", "时间格式应为 2026-11-03 14:30"),
        (45000, NUMBER),
    ],
)
def test_a_time_column_says_the_same_of_a_missing_day_or_a_number(cell: Any, message: str) -> None:
    assert message_of(parse_datetime, cell) == message


def test_what_a_date_column_takes(clock: Any) -> None:
    assert parse_date("2026-03-01") == dt.date(2026, 3, 1)
    assert parse_date("2026/3/1") == dt.date(2026, 3, 1)
    assert parse_date("2026-03-01 00:00:00") == dt.date(2026, 3, 1)  # a DMS that writes a time
    assert parse_date(dt.datetime(2023, 3, 15)) == dt.date(2023, 3, 15)  # an Excel date cell
    assert parse_date(dt.date(2023, 3, 15)) == dt.date(2023, 3, 15)
    assert parse_date("") is None and parse_date(None) is None


def _xlsx_plan(store: Any, purchase: Any, number_format: str | None) -> Any:
    cells = grid("customers", [customer_row(1, purchase_date=purchase)])
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in cells:
        sheet.append(row)
    column = cells[0].index("购车日期") + 1
    if number_format:
        sheet.cell(row=2, column=column).number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    header, rows = read_rows(io.BytesIO(buffer.getvalue()), "dms.xlsx")
    return build_plan(kind="customers", store=store, header=header, rows=rows)


@pytest.mark.parametrize("number_format", ["yyyy-mm-dd", "yyyy/m/d", "m/d/yy"])
def test_a_day_count_in_a_date_formatted_cell_is_that_day(
    clock: Any, store_a: Any, number_format: str
) -> None:
    plan = _xlsx_plan(store_a, 45000, number_format)
    assert plan.errors == []
    [(_row, values)] = plan.parsed
    assert values["purchase_date"] == dt.date(2023, 3, 15)


def test_a_day_count_in_a_plain_cell_is_refused_saying_so(clock: Any, store_a: Any) -> None:
    plan = _xlsx_plan(store_a, 45000, None)
    assert [(e["row"], e["column"], e["message"], e["value"]) for e in plan.errors] == [
        (2, "购车日期", NUMBER, "45000")
    ]


def test_the_messages_in_english(clock: Any, settings: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        assert message_of(parse_date, "2026-02-30") == "No such day: 2026-02-30"
        assert message_of(parse_date, "15.03.2026") == "Dates are written like 2026-03-15"
        assert message_of(parse_date, 45000) == (
            "This is a number, not a date: format the cell as a date, or write it like 2026-03-15"
        )
