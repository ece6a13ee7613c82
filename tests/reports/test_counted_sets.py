"""Each figure of the report counts the same set wherever it is shown: the 汇总 sheet, the other
sheets, the dashboard page."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client

from complaints.models import Complaint
from csat.models import DepartmentKind, Notification
from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import (
    MONTH,
    at,
    dashboard_drilled,
    dashboard_page,
    dashboard_total,
    dept,
    make_complaint,
    make_survey,
)

pytestmark = pytest.mark.django_db


def _rows(ws: Any, header_row: int = 1) -> list[dict[str, Any]]:
    headers = [c.value for c in ws[header_row]]
    return [
        dict(zip(headers, (c.value for c in row), strict=False))
        for row in ws.iter_rows(min_row=header_row + 1)
    ]


def _workbook(march: Any) -> Any:
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    return openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))


def test_unrated_surveys_are_counted_alike_in_summary_reasons_and_records(march: Any) -> None:
    """DOMAIN §1: a survey without a rating is left out of the base and the report lists why. A
    five-dimension survey not rated was in the 未评分 records and reasons but not in the 汇总 count
    nor in the dashboard's (which counted 100-point surveys only)."""
    make_survey(
        march.store,
        type="five_dimension",
        at=at(3, 16),
        agent=march.users["agent"],
        not_rated_reason="客户在开车",
    )
    unrated = [s for s in march.surveys if s.score_used is None]
    expected = len(unrated) + 1
    wb = _workbook(march)
    summary = {r["指标"]: r["本月"] for r in _rows(wb["汇总"], 9)}
    records = [r for r in _rows(wb["客户反馈"]) if r["类别"] == "未评分"]
    reasons = sum(r["人数"] for r in _rows(wb["未评分原因"]))
    assert summary["未评分调查数（不计入满意度）"] == len(records) == reasons == expected

    client = Client()
    client.force_login(march.users["ccm"])
    html = dashboard_page(client)
    hundred = re.search(r"(\d+) 份评分；(\d+) 份未评分，不计入", html)
    five = re.search(r"(\d+) 份评分；(\d+) 份未评分<", html)
    badge = re.search(r'data-list="not_rated">\s*<summary><strong>[^<]+</strong> <span[^>]*>(\d+)<', html)
    assert hundred and five and badge, html
    # Each survey type's unrated labelled by its own line; together the 未评分 list's count.
    assert int(five.group(2)) == 1
    assert int(hundred.group(2)) + int(five.group(2)) == int(badge.group(1)) == expected


def test_dissatisfied_callbacks_and_grievances_are_not_counted_as_complaints(
    march: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """DOMAIN §9: only kind ``complaint`` is a complaint. March in SZ01 has TS-1 (major complaint,
    service), TS-2 (dissatisfied callback, sales) and TS-3 (grievance, not dispatched); a general
    complaint to sales is added. 投诉 and general/major count the two complaints wherever they are
    shown; TS-2 and TS-3 are counted under their own label, so every ticket is still in the report."""
    sales = dept(march.store, DepartmentKind.SALES)
    make_complaint(
        march.store,
        "TS-6",
        received=at(3, 21),
        received_by=march.users["ccm"],
        department=sales,
        category="sales",
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = report_build(month=MONTH, store=march.store, trigger=Trigger.BUTTON, user=march.users["ccm"])
    wb = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))
    summary = {r["指标"]: r["本月"] for r in _rows(wb["汇总"], 9)}
    assert summary["投诉总数"] == 2
    assert summary["回访不满意、抱怨工单数（不计入投诉）"] == 2
    analysis = _rows(wb["投诉分析"])
    assert {r["项目"]: r["件数"] for r in analysis if r["分类"] == "按级别"} == {"一般投诉": 1, "重大投诉": 1}
    assert {r["项目"]: r["件数"] for r in analysis if r["分类"] == "按类型"} == {
        "投诉": 2,
        "回访不满意": 1,
        "抱怨": 1,
    }
    departments = {r["责任部门"]: r for r in _rows(wb["按部门投诉"])}
    assert {
        name: (r["件数"], r["投诉数"], r["重大投诉"], r["一般投诉"], r["回访不满意 / 抱怨"])
        for name, r in departments.items()
    } == {"服务部": (1, 1, 1, 0, 0), "销售部": (2, 1, 0, 1, 1), "未派单": (1, 0, 0, 0, 1)}
    assert len(_rows(wb["投诉清单"])) >= 4  # every ticket still listed, with its kind

    client = Client()
    client.force_login(march.users["ccm"])
    html = dashboard_page(client)
    assert dashboard_total(html) == 2
    assert 'data-testid="dissatisfied-grievances" data-count="2"' in html
    row = re.search(
        rf"drill=department:{sales.pk}#complaint-list\">(\d+)</a></td>((?:<td[^>]*>\d+</td>)+)", html
    )
    assert row and (row.group(1), re.findall(r">(\d+)<", row.group(2))) == ("2", ["1", "0", "1", "1"])
    general = dashboard_page(client, drill="severity:general")
    # The tickets behind 一般投诉 are the general complaint, not the dissatisfied/grievance tickets.
    assert dashboard_drilled(general) == set(
        Complaint.objects.filter(number="TS-6").values_list("pk", flat=True)
    )

    (note,) = Notification.objects.filter(recipient=march.users["gm"])
    assert "投诉 2 件，回访不满意、抱怨 2 件" in str(note.body)
