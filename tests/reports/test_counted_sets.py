"""Each figure of the report counts the same set wherever it is shown: the 汇总 sheet, the other
sheets, the dashboard page."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client

from reports.models import Trigger
from reports.services import report_build
from tests.reports.builders import MONTH, at, dashboard_page, make_survey

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
