"""The xlsx reopened with openpyxl: sheets, values, formats, frozen headers, filters, red-below-target
rules and native charts."""

from __future__ import annotations

import io
import re
from statistics import mean
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from openpyxl.chart import BarChart, LineChart

from complaints.models import DeadlineKind
from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import MONTH, make_survey

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
SHEETS = [
    "汇总",
    "满意度趋势",
    "满意度分析",
    "五维度",
    "低分原因",
    "调查项目",
    "维修技术",
    "客户反馈",
    "未评分原因",
    "投诉分析",
    "按部门投诉",
    "处理时限",
    "实物补偿",
    "投诉率",
    "投诉清单",
    "预防措施",
    "部门考核",
    "考核明细",
]


def _open(report: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))


def _rows(ws: Any, header_row: int = 1) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[header_row]]
    return [
        dict(zip(headers, (c.value for c in row), strict=False))
        for row in ws.iter_rows(min_row=header_row + 1)
    ]


def _rules(ws: Any) -> dict[str, list[str]]:
    return {str(cf.sqref): [f for rule in cf.rules for f in rule.formula] for cf in ws.conditional_formatting}


@pytest.fixture
def workbook(march: Any) -> Any:
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    return _open(report)


def test_sheets_summary_first_with_frozen_filtered_headers(workbook: Any) -> None:
    assert workbook.sheetnames == SHEETS
    summary = workbook["汇总"]
    assert summary["A1"].value == "2026-03 月度客户满意度与投诉分析报告"
    assert summary["B2"].value == "深圳福田店" and summary["B3"].value == "v1"
    assert summary.freeze_panes == "A10" and summary.auto_filter.ref.startswith("A9:D")
    for name in SHEETS[1:]:
        ws = workbook[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref.startswith("A1:"), name
        assert ws["A1"].font.bold, name


def test_summary_values_formats_and_red_below_target(workbook: Any, march: Any) -> None:
    ws = workbook["汇总"]
    rows = {r["指标"]: (r, i) for i, r in enumerate(_rows(ws, 9), start=10)}
    assert rows["应回访数"][0]["本月"] == 10
    assert rows["回访成功数"][0]["本月"] == 8
    assert rows["完成满意度调查数"][0]["本月"] == 6
    rated = [s.score_used for s in march.surveys if s.score_used is not None and s.type != "five_dimension"]
    sat, row = rows["顾客满意度"]
    assert (
        sat["本月"] == pytest.approx(mean(rated)) and sat["上月"] == pytest.approx(85) and sat["目标"] == 90
    )
    assert ws[f"B{row}"].number_format == "0.0"
    reach, reach_row = rows["回访成功率"]
    assert reach["本月"] == pytest.approx(0.8) and ws[f"B{reach_row}"].number_format == "0.0%"
    assert rows["投诉总数"][0]["本月"] == 1  # TS-1; TS-2 and TS-3 are not complaints (DOMAIN §9)
    assert rows["回访不满意、抱怨工单数（不计入投诉）"][0]["本月"] == 2
    assert rows["批准补偿金额（元）"][0]["本月"] == 500
    rules = _rules(ws)
    assert rules[f"B{row}"] == [f"AND(ISNUMBER(B{row}),B{row}<90)"]
    rate_row = rows["售后投诉率（‰ 进厂台次）"][1]
    assert rules[f"B{rate_row}"] == [
        f"AND(ISNUMBER(B{rate_row}),B{rate_row}>1.0)"
    ]  # a rate is short when above


def test_trend_line_chart_vs_target(workbook: Any) -> None:
    ws = workbook["满意度趋势"]
    rows = _rows(ws)
    assert [r["月份"] for r in rows][0] == "2025-04" and rows[-1]["月份"] == "2026-03"
    assert rows[-3]["满意度"] == 70 and rows[-2]["满意度"] == pytest.approx(85)
    assert all(r["目标"] == 90 for r in rows)
    assert len(ws._charts) == 1 and isinstance(ws._charts[0], LineChart)
    assert len(ws._charts[0].series) == 2  # satisfaction and target
    assert _rules(ws) == {"B2:B13": ["AND(ISNUMBER(B2),B2<90)"]}


def test_dimension_bars_and_what_it_takes(workbook: Any) -> None:
    ws = workbook["五维度"]
    rows = {r["维度"]: r for r in _rows(ws) if r["维度"] in ("服务及时性", "服务态度")}
    t = rows["服务及时性"]
    assert round(t["满意度"], 1) == 79.2 and t["评价人数"] == 38
    assert (t["6分"], t["7分"], t["8分"], t["9分"]) == (1, 2, 34, 1)
    assert t["差额分数"] == 41 and t["需提升人数（满意→非常满意）"] is None
    assert t["非常满意"] == pytest.approx(1 / 38)
    assert ws["M2"].number_format == "0.0%"
    assert isinstance(ws._charts[0], BarChart)
    assert "R2:R6" in _rules(ws)


def test_sections_hold_the_figures(workbook: Any) -> None:
    breakdown = _rows(workbook["满意度分析"])
    assert {r["分类"] for r in breakdown} >= {
        "按调查类型",
        "按部门",
        "按车型",
        "按回访专员",
        "按销售顾问/服务顾问",
    }
    assert "F2:F" in next(iter(_rules(workbook["满意度分析"])))
    assert [(r["原因"], r["次数"]) for r in _rows(workbook["低分原因"])] == [
        ("发货、等待时间长", 8),
        ("到场时间不及时", 1),
    ]
    technique = {r["项目"]: r for r in _rows(workbook["维修技术"])}
    assert technique["维修技术——机电"]["技术问题"] == 2
    feedback = _rows(workbook["客户反馈"])
    assert sorted({r["类别"] for r in feedback}) == sorted({"回访不满意", "抱怨", "意见", "未评分"})
    assert [r["有风险"] for r in feedback if r["分数"] == 75] == ["是"]
    departments = workbook["按部门投诉"]
    assert {r["责任部门"]: r["件数"] for r in _rows(departments)} == {"服务部": 1, "销售部": 1, "未派单": 1}
    assert isinstance(departments._charts[0], BarChart)
    steps = {r["环节"]: r for r in _rows(workbook["处理时限"])}
    assert steps["派单（30 分钟）"]["超时"] == 1
    complaints = {r["编号"]: r for r in _rows(workbook["投诉清单"])}
    assert set(complaints) == {"TS-1", "TS-2", "TS-3", "TS-4"}  # TS-4: February's, reopened in March
    assert complaints["TS-4"]["超过 3 个工作日未解决"] == "是" and complaints["TS-4"]["本月重开"] == 1
    assert complaints["TS-1"]["补偿金额（元）"] == 500
    assert workbook["投诉清单"]["L2"].number_format == "#,##0.00"
    assessment = {r["部门"]: r["合计"] for r in _rows(workbook["部门考核"])}
    # Issue #18 (DOMAIN §9): TS-2 (dissatisfied callback, sales) costs no −1, so sales keeps its +1.
    assert assessment["服务部"] == -7 and assessment["销售部"] == 1


def test_text_is_never_a_formula(march: Any) -> None:
    make_survey(
        march.store,
        type="sales",
        at=march.surveys[0].surveyed_at,
        agent=march.users["agent"],
        score=50,
        remarks='=HYPERLINK("http://x","y")\x07',
    )
    ws = _open(report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND))["客户反馈"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "\x07" not in cells[0].value


def test_english_headers_when_the_language_is_english(march: Any) -> None:
    with translation.override("en"):
        report = report_build(month=MONTH, store=None, trigger=Trigger.BUTTON, user=march.users["hq"])
    wb = _open(report)
    assert wb.sheetnames[0] == "Summary"
    assert len(set(wb.sheetnames)) == len(SHEETS)
    assert all(len(name) <= 31 and not CJK.search(name) for name in wb.sheetnames), wb.sheetnames
    summary = wb["Summary"]
    assert not CJK.search(summary["A9"].value) and not CJK.search(summary["B2"].value)
    headers = [c.value for ws in wb for c in ws[1] if isinstance(c.value, str)]
    assert not [h for h in headers if CJK.search(h)]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(workbook: Any) -> None:
    """Issue #22 "The xlsx prints": landscape, fit to one page wide, print titles and print areas,
    ticket numbers not cut off."""
    for name in SHEETS:
        ws = workbook[name]
        assert ws.page_setup.orientation == "landscape", name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_area, name
    complaints = workbook["投诉清单"]
    assert complaints.print_title_rows == "$1:$1"
    area = complaints.print_area[0] if isinstance(complaints.print_area, list) else complaints.print_area
    assert area.endswith(f"${complaints.max_row}"), area
    numbers = [c.value for c in complaints["A"][1:] if c.value]
    assert numbers and complaints.column_dimensions["A"].width >= max(len(n) for n in numbers)


def test_every_deadline_step_row_turns_red_when_missed(workbook: Any) -> None:
    """The 处理时限 rule covers each step's row: a fixed D2:D6 left the 6th step (the day 5–7
    follow-up, row 7) never red."""
    ws = workbook["处理时限"]
    steps = _rows(ws)
    assert len(steps) == len(DeadlineKind.values) == 6
    last = len(steps) + 1
    assert ws.cell(last, 1).value == DeadlineKind(DeadlineKind.values[-1]).label
    assert _rules(ws) == {f"D2:D{last}": ["AND(ISNUMBER(D2),D2>0)"]}


def test_english_ticket_number_columns_are_not_repair_orders(march: Any) -> None:
    """The feedback and assessment-detail columns hold complaint ticket numbers (TS-1 …), not the
    service visit's repair order number that the bare msgid "工单号" means in English."""
    with translation.override("en"):
        report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    wb = _open(report)
    for name in ("Customer feedback", "Assessment details"):
        headers = [c.value for c in wb[name][1]]
        assert "Ticket no." in headers and "Repair order no." not in headers, (name, headers)
    events = _rows(wb["Assessment details"])
    assert "TS-1" in {r["Ticket no."] for r in events}
    # Chinese keeps its header.
    zh = _open(report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"]))
    assert "工单号" in [c.value for c in zh["客户反馈"][1]] and "工单号" in [
        c.value for c in zh["考核明细"][1]
    ]
