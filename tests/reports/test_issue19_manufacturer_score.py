"""Issue #19: the manufacturer's quarterly score per store (cs-survey-management §二.4: "公司质量目标中
要求顾客满意度90分，此满意度分数采用市场客服部调查的满意度，厂家考核分值(季度)作为我公司服务改进的参考").

Entered by customer care of the store (agents and their manager; everyone else 403, another store 404),
0–100 with one decimal (Decision: the source names no scale; ours is the 100-point one), one per store
and quarter with every value in the history; shown beside — never in — our satisfaction for each month
of its quarter on the dashboard, the xlsx Summary and the report API.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from callbacks.models import ManufacturerScore
from callbacks.services import manufacturer_score_set
from csat.exceptions import NotAllowedError
from csat.models import DepartmentKind, Role
from reports.models import Trigger
from reports.selectors import satisfaction
from reports.services import report_build
from tests.factories import StaffFactory
from tests.reports.builders import MONTH, NOW, dept

pytestmark = pytest.mark.django_db

URL = "/reports/manufacturer-scores/"


def _post(client: Any, user: Any, **fields: Any) -> Any:
    client.force_login(user)
    return client.post(URL, {"year": "2026", "quarter": "1", "note": "", **fields})


def _summary_row(content: bytes) -> tuple[str, Any]:
    ws = openpyxl.load_workbook(io.BytesIO(content))["汇总"]
    (row,) = [r for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("厂家考核分值")]
    return row[0], row[1]


# ---- who may enter it ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["agent", "ccm"])
def test_rule_customer_care_of_the_store_enters_the_score(
    name: str, client: Any, store: Any, users: dict[str, Any]
) -> None:
    """cs-survey-management: 市场客服部 keeps the survey figures; the score is theirs to enter."""
    client.force_login(users[name])
    assert client.get(URL).status_code == 200
    response = _post(client, users[name], store=store.pk, score="92.5", note="厂家一季度考核")
    assert response.status_code == 302
    row = ManufacturerScore.objects.get()
    assert (row.store, row.year, row.quarter, row.score) == (store, 2026, 1, Decimal("92.5"))
    assert (row.entered_by, row.note) == (users[name], "厂家一季度考核")


@pytest.mark.parametrize("name", ["gm", "sales_mgr", "consultant", "hq", "other_mgr"])
def test_rule_everyone_else_is_refused_with_403(
    name: str, client: Any, store: Any, users: dict[str, Any]
) -> None:
    client.force_login(users[name])
    assert client.get(URL).status_code == 403
    assert _post(client, users[name], store=store.pk, score="92.5").status_code == 403
    assert not ManufacturerScore.objects.exists()


def test_another_stores_score_is_not_reachable(client: Any, store: Any, other_store: Any) -> None:
    other_agent = StaffFactory(
        username="gz_agent",
        role=Role.AGENT,
        store=other_store,
        department=dept(other_store, DepartmentKind.CUSTOMER_CARE),
    )
    assert _post(client, other_agent, store=store.pk, score="90").status_code == 404
    with pytest.raises(NotAllowedError):
        manufacturer_score_set(user=other_agent, store=store, year=2026, quarter=1, score="90")
    assert not ManufacturerScore.objects.exists()


def test_the_dashboard_links_the_entry_page_for_customer_care_only(
    client: Any, users: dict[str, Any]
) -> None:
    client.force_login(users["agent"])
    assert URL.encode() in client.get("/reports/?month=2026-03").content
    client.force_login(users["gm"])
    assert URL.encode() not in client.get("/reports/?month=2026-03").content


# ---- what is accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"score": "100.5"}, "score", "厂家考核分值应为 0–100 之间的数字。"),
        ({"score": "-1"}, "score", "厂家考核分值应为 0–100 之间的数字。"),
        ({"score": "九十"}, "score", "厂家考核分值应为 0–100 之间的数字。"),
        ({"score": "92.55"}, "score", "厂家考核分值最多保留一位小数。"),
        ({"score": "90", "year": "1999"}, "year", "年份应在 2000–2100 之间。"),
        ({"score": "90", "note": "长" * 501}, "note", "备注不能超过 500 字。"),
    ],
)
def test_rule_invalid_entries_are_refused_in_chinese_and_nothing_is_saved(
    fields: dict[str, str], field: str, message: str, client: Any, store: Any, users: dict[str, Any]
) -> None:
    response = _post(client, users["agent"], store=store.pk, **fields)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not ManufacturerScore.objects.exists()


def test_a_quarter_not_yet_begun_is_refused(client: Any, store: Any, users: dict[str, Any]) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        response = _post(client, users["agent"], store=store.pk, score="90", year="2026", quarter="3")
        assert response.status_code == 400
        assert response.context["form"].errors["quarter"] == ["该季度尚未开始，不能录入厂家考核分值。"]
        with pytest.raises(ValidationError) as caught:
            manufacturer_score_set(user=users["agent"], store=store, year=2099, quarter=1, score="90")
        assert caught.value.message_dict == {"quarter": ["该季度尚未开始，不能录入厂家考核分值。"]}
        assert not ManufacturerScore.objects.exists()
        # The quarter under way may be entered (a provisional score), and so may the past ones.
        assert (
            _post(client, users["agent"], store=store.pk, score="90", year="2026", quarter="2").status_code
            == 302
        )
        assert (
            _post(client, users["agent"], store=store.pk, score="91", year="2025", quarter="4").status_code
            == 302
        )


def test_a_quarter_outside_1_to_4_is_refused(client: Any, store: Any, users: dict[str, Any]) -> None:
    response = _post(client, users["agent"], store=store.pk, score="90", quarter="5")
    assert response.status_code == 400 and response.context["form"].errors["quarter"]
    with pytest.raises(ValidationError) as caught:
        manufacturer_score_set(user=users["agent"], store=store, year=2026, quarter=5, score="90")
    assert caught.value.message_dict == {"quarter": ["季度应为 1–4。"]}
    assert not ManufacturerScore.objects.exists()


def test_the_range_and_one_score_per_quarter_are_database_constraints(
    store: Any, users: dict[str, Any]
) -> None:
    fields = {"store": store, "year": 2026, "quarter": 1, "entered_by": users["agent"]}
    with pytest.raises(IntegrityError), transaction.atomic():
        ManufacturerScore.objects.create(score=Decimal("100.1"), **fields)
    ManufacturerScore.objects.create(score=Decimal("90"), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ManufacturerScore.objects.create(score=Decimal("91"), **fields)


def test_entering_the_quarter_again_corrects_it_and_the_history_keeps_both(
    client: Any, store: Any, users: dict[str, Any]
) -> None:
    assert _post(client, users["agent"], store=store.pk, score="88").status_code == 302
    assert _post(client, users["ccm"], store=store.pk, score="89.5", note="厂家更正").status_code == 302
    row = ManufacturerScore.objects.get()
    assert (row.score, row.entered_by, row.note) == (Decimal("89.5"), users["ccm"], "厂家更正")
    versions = row.history.order_by("history_date")  # type: ignore[attr-defined]
    history = list(versions.values_list("score", "history_user_id"))
    assert history == [(Decimal("88.0"), users["agent"].pk), (Decimal("89.5"), users["ccm"].pk)]
    # The record's history page, as for other entered data.
    client.force_login(users["ccm"])
    page = client.get(f"/audit/history/manufacturer_score/{row.pk}/")
    assert page.status_code == 200 and "89.5" in page.content.decode()
    assert f"/audit/history/manufacturer_score/{row.pk}/" in client.get(URL).content.decode()


# ---- where it shows ------------------------------------------------------------------------------


@pytest.fixture
def scores(store: Any, other_store: Any, users: dict[str, Any]) -> None:
    """Q1 2026: 92.5 in the store, 85.0 in the other; Q4 2025 and Q2 2026 must not show for March."""
    other_agent = StaffFactory(
        username="gz_agent",
        role=Role.AGENT,
        store=other_store,
        department=dept(other_store, DepartmentKind.CUSTOMER_CARE),
    )
    manufacturer_score_set(user=users["agent"], store=store, year=2026, quarter=1, score="92.5")
    manufacturer_score_set(user=other_agent, store=other_store, year=2026, quarter=1, score="85")
    manufacturer_score_set(user=users["agent"], store=store, year=2025, quarter=4, score="70")
    manufacturer_score_set(user=users["agent"], store=store, year=2026, quarter=2, score="99")


def test_rule_the_dashboard_shows_the_quarters_score_beside_our_satisfaction(
    march: Any, scores: None, client: Any, users: dict[str, Any]
) -> None:
    client.force_login(users["gm"])
    for month, shown in (("2026-03", "92.5"), ("2026-01", "92.5"), ("2025-12", "70.0")):
        page = client.get(f"/reports/?month={month}").content.decode()
        assert f'data-testid="manufacturer-score-value">{shown}<' in page, month
    client.force_login(users["hq"])
    page = client.get("/reports/?month=2026-03&scope=GROUP").content.decode()
    assert 'data-testid="manufacturer-score-value">88.8<' in page  # (92.5 + 85) / 2, rounded
    assert "2 家门店平均" in page


def test_a_score_entered_later_shows_on_the_next_view(
    client: Any, store: Any, users: dict[str, Any], time_machine: Any
) -> None:
    """The dashboard's cached figures of the quarter are dropped when a score is entered."""
    client.force_login(users["agent"])
    before = client.get("/reports/?month=2026-03").content.decode()
    assert 'data-testid="manufacturer-score-value">未录入<' in before
    assert _post(client, users["agent"], store=store.pk, score="93").status_code == 302
    # (the rendered figures are kept per computation time: let the frozen clock move on a second)
    time_machine.move_to(NOW + dt.timedelta(seconds=1), tick=False)
    after = client.get("/reports/?month=2026-03").content.decode()
    assert 'data-testid="manufacturer-score-value">93.0<' in after


def test_rule_the_score_never_changes_our_satisfaction(march: Any, store: Any, users: dict[str, Any]) -> None:
    before = satisfaction(month=MONTH, store_ids=[store.pk])
    manufacturer_score_set(user=users["agent"], store=store, year=2026, quarter=1, score="10")
    assert satisfaction(month=MONTH, store_ids=[store.pk]) == before


def test_the_xlsx_summary_has_the_score_of_the_reports_quarter(march: Any, scores: None, store: Any) -> None:
    report = report_build(month=MONTH, store=store, trigger=Trigger.COMMAND)
    label, value = _summary_row(report.xlsx)
    assert "2026 年第 1 季度" in label and value == pytest.approx(92.5)
    group = report_build(month=MONTH, store=None, trigger=Trigger.COMMAND)
    label, value = _summary_row(group.xlsx)
    assert "2 家门店平均" in label and value == pytest.approx(88.8)
    april = report_build(month=MONTH.replace(month=4), store=store, trigger=Trigger.COMMAND)
    assert _summary_row(april.xlsx)[1] == pytest.approx(99.0)


def test_the_report_api_has_the_score_beside_its_existing_fields(
    march: Any, scores: None, store: Any, users: dict[str, Any], api: Any
) -> None:
    report = report_build(month=MONTH, store=store, trigger=Trigger.COMMAND)
    body = api(users["gm"]).get(f"/api/reports/monthly/{report.pk}/").json()
    for name in ("id", "month", "store", "scope", "version", "data", "xlsx_url"):
        assert name in body  # the contract's names are kept
    assert body["manufacturer_score"]["year"] == 2026 and body["manufacturer_score"]["quarter"] == 1
    assert body["manufacturer_score"]["score"] == pytest.approx(92.5)
    assert body["data"]["manufacturer"]["score"] == pytest.approx(92.5)
    # A version of a quarter with no score says so (null), not a neighbour's quarter.
    ManufacturerScore.objects.filter(year=2026, quarter=2).delete()
    april = report_build(month=MONTH.replace(month=4), store=store, trigger=Trigger.COMMAND)
    body = api(users["gm"]).get(f"/api/reports/monthly/{april.pk}/").json()
    assert body["manufacturer_score"]["quarter"] == 2 and body["manufacturer_score"]["score"] is None
