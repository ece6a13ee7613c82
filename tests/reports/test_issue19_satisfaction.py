"""Issue #19, report scope (DOMAIN §9 "Report scope"; cs-survey-management §五.4 百分制 target 90;
five-dimension-satisfaction source): the monthly satisfaction held against 90 is the mean of the
100-point surveys (sales and after-sales) only; the five-dimension survey is shown beside it on its
own scale, never averaged in — and the dashboard, the xlsx and the API say the same.

Every expected figure is recomputed here from the fixture month's rows, not from the code under test.
"""

from __future__ import annotations

import io
from statistics import mean
from typing import Any

import openpyxl
import pytest
from rest_framework.test import APIClient

from callbacks import selectors as callback_selectors
from reports.models import Trigger
from reports.selectors import satisfaction, satisfaction_breakdowns, satisfaction_trend
from reports.services import report_build
from tests.reports.builders import MONTH, at

pytestmark = pytest.mark.django_db

DIMENSIONS = ("skill", "attitude", "timeliness", "parts", "overall")


def _expected(march: Any) -> tuple[float, int, float, int]:
    hundred = [
        s.score_used for s in march.surveys if s.type in ("sales", "after_sales") and s.score_used is not None
    ]
    five = [s for s in march.surveys if s.type == "five_dimension" and s.score_used is not None]
    per_dimension = [mean(s.ratings[d] for s in five) * 10 for d in DIMENSIONS]
    return mean(hundred), len(hundred), mean(per_dimension), len(five)


def test_rule_report_satisfaction_excludes_five_dimension_surveys(march: Any) -> None:
    """DOMAIN §9: the satisfaction against 90 is the 100-point surveys' mean; five-dimension beside it."""
    current, rated, five, five_rated = _expected(march)
    every_score = [s.score_used for s in march.surveys if s.score_used is not None]
    assert mean(every_score) != pytest.approx(current)  # the fixture would catch averaging them in
    sat = satisfaction(month=MONTH, store_ids=[march.store.pk])
    assert sat["current"] == pytest.approx(current) and sat["rated"] == rated
    assert sat["short"] is (current < 90)
    assert sat["five_dimension"]["current"] == pytest.approx(five)
    assert sat["five_dimension"]["rated"] == five_rated
    # The 12-month trend's March point is the same figure.
    trend = {r["month"]: r for r in satisfaction_trend(month=MONTH, store_ids=[march.store.pk])}
    assert trend["2026-03"]["average"] == pytest.approx(current)
    assert trend["2026-03"]["rated"] == rated


def test_breakdowns_other_than_type_leave_five_dimension_out(march: Any) -> None:
    current, rated, five, five_rated = _expected(march)
    groups = satisfaction_breakdowns(month=MONTH, store_ids=[march.store.pk])
    (store_row,) = groups["store"]
    assert store_row["average"] == pytest.approx(current) and store_row["rated"] == rated
    by_type = {r["key"]: r for r in groups["type"]}
    assert by_type["five_dimension"]["rated"] == five_rated  # its own row beside the others


def test_api_xlsx_and_dashboard_agree(march: Any) -> None:
    current, _rated, five, _n = _expected(march)
    report = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    client = APIClient()
    client.force_authenticate(march.users["ccm"])
    data = client.get(f"/api/reports/monthly/{report.pk}/").json()["data"]
    sat = data["surveys"]["satisfaction"]
    assert sat["current"] == pytest.approx(current)
    assert sat["five_dimension"]["current"] == pytest.approx(five)
    assert data["dimensions"]["overall"] == pytest.approx(five)

    summary = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx)))["汇总"]
    rows = {r[0].value: r[1].value for r in summary.iter_rows(min_row=10)}
    assert rows["顾客满意度"] == pytest.approx(current)
    assert rows["五维度综合满意度（单列，不计入顾客满意度）"] == pytest.approx(five)

    figures = callback_selectors.callback_dashboard(user=march.users["ccm"], now=at(3, 31, 23, 59))
    assert figures["average"] == pytest.approx(current)
    assert figures["five_dimension_average"] == pytest.approx(five)


def test_product_quality_items_have_their_own_figures(march: Any) -> None:
    """The training deck's product-quality satisfaction (性能、功能、操作) as sales survey items."""
    from callbacks.survey_items import items_for
    from reports.selectors import item_stats
    from tests.reports.builders import SALES_OK, make_survey

    keys = ("product_performance", "product_function", "product_operation")
    sales_items = {i.key: i for i in items_for("sales")}
    assert all(k in sales_items and not sales_items[k].mandatory for k in keys)
    answers = [("satisfied", "satisfied", "average"), ("dissatisfied", "satisfied", "satisfied")]
    for performance, function, operation in answers:
        make_survey(
            march.store,
            type="sales",
            at=at(3, 21),
            agent=march.users["agent"],
            score=90,
            items={
                **SALES_OK,
                "product_performance": performance,
                "product_function": function,
                "product_operation": operation,
            },
        )
    rows = {r["key"]: r for r in item_stats(month=MONTH, store_ids=[march.store.pk])["product_quality"]}
    assert list(rows) == list(keys)
    assert (rows["product_performance"]["satisfied"], rows["product_performance"]["dissatisfied"]) == (1, 1)
    assert rows["product_function"]["satisfied_share"] == pytest.approx(1.0)
    assert rows["product_operation"]["average"] == 1 and rows["product_operation"]["answered"] == 2
