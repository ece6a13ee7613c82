"""/api/reports/monthly/ and GET /api/reports/monthly/{YYYY-MM}/xlsx."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from tests.factories import UserFactory
from tests.reports.builders import MONTH

pytestmark = pytest.mark.django_db

LIST = "/api/reports/monthly/"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def built(march: Any) -> dict[str, MonthlyReport]:
    return {
        "v1": report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND),
        "v2": report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND),
        "other": report_build(month=MONTH, store=march.other, trigger=Trigger.COMMAND),
        "group": report_build(month=MONTH, store=None, trigger=Trigger.COMMAND),
        "feb": report_build(month=MONTH.replace(month=2), store=march.store, trigger=Trigger.COMMAND),
    }


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_list_is_scoped_and_filterable(march: Any, built: dict[str, MonthlyReport]) -> None:
    manager = _api(march.users["sales_mgr"])
    assert _ids(manager.get(LIST)) == {built[k].pk for k in ("v1", "v2", "feb")}
    assert _ids(manager.get(LIST, {"month": "2026-03"})) == {built["v1"].pk, built["v2"].pk}
    row = manager.get(LIST, {"month": "2026-02"}).json()["results"][0]
    assert (
        row["month"] == "2026-02"
        and row["scope"] == "SZ01"
        and row["xlsx_url"].endswith(f"/{row['id']}/xlsx/")
    )
    assert "data" not in row
    hq = _api(march.users["hq"])
    assert _ids(hq.get(LIST)) == {r.pk for r in built.values()}
    assert _ids(hq.get(LIST, {"scope": "GROUP"})) == {built["group"].pk}
    assert _ids(hq.get(LIST, {"store": str(march.other.pk)})) == {built["other"].pk}
    assert manager.get(LIST, {"month": "March"}).status_code == 400


def test_detail_carries_the_data(march: Any, built: dict[str, MonthlyReport]) -> None:
    manager = _api(march.users["sales_mgr"])
    detail = manager.get(f"{LIST}{built['v1'].pk}/").json()
    assert detail["version"] == 1 and detail["data"]["surveys"]["counts"]["required"] == 10
    assert manager.get(f"{LIST}{built['other'].pk}/").status_code == 404
    # The manager's copy keeps only their department's tickets (issue #21 item 9); the GM's is the stored file.
    assert manager.get(f"{LIST}{built['v1'].pk}/xlsx/").status_code == 200
    gm = _api(march.users["gm"])
    assert gm.get(f"{LIST}{built['v1'].pk}/xlsx/").getvalue() == bytes(built["v1"].xlsx)
    assert gm.get(f"{LIST}{built['v1'].pk}/").json()["data"] == built["v1"].data


def test_month_xlsx_is_the_latest_version_of_the_users_store(
    march: Any, built: dict[str, MonthlyReport]
) -> None:
    manager = _api(march.users["sales_mgr"])
    response = manager.get("/api/reports/monthly/2026-03/xlsx")
    assert response.status_code == 200
    # The GM (every ticket) gets the stored v2; the manager a copy of v2 with their tickets only.
    assert _api(march.users["gm"]).get("/api/reports/monthly/2026-03/xlsx").getvalue() == bytes(
        built["v2"].xlsx
    )
    assert "SZ01-v2" in response["Content-Disposition"]
    assert manager.get("/api/reports/monthly/2026-03/xlsx", {"store": march.other.pk}).status_code == 404
    assert manager.get("/api/reports/monthly/2026-03/xlsx", {"scope": "GROUP"}).status_code == 404
    assert manager.get("/api/reports/monthly/2026-01/xlsx").status_code == 404  # none built


def test_head_office_downloads_the_group_and_any_store(march: Any, built: dict[str, MonthlyReport]) -> None:
    hq = _api(march.users["hq"])
    assert hq.get("/api/reports/monthly/2026-03/xlsx").getvalue() == bytes(built["group"].xlsx)
    assert hq.get("/api/reports/monthly/2026-03/xlsx", {"scope": "GROUP"}).getvalue() == bytes(
        built["group"].xlsx
    )
    other = hq.get("/api/reports/monthly/2026-03/xlsx", {"store": march.other.pk})
    assert other.getvalue() == bytes(built["other"].xlsx)


def test_token_auth_and_xlsx_accept_header(march: Any, built: dict[str, MonthlyReport]) -> None:
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": "sales_mgr", "password": "test-pass-2026"}).json()[
        "token"
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.get("/api/reports/monthly/2026-03/xlsx", HTTP_ACCEPT=xlsx)
    assert response.status_code == 200 and response["Content-Type"] == xlsx
    missing = client.get("/api/reports/monthly/2025-03/xlsx", HTTP_ACCEPT=xlsx)
    assert missing.status_code == 404


def test_build_through_the_api(march: Any) -> None:
    ccm = _api(march.users["ccm"])
    response = ccm.post(LIST, {"month": "2026-03"}, format="json")
    assert response.status_code == 201, response.content
    report = MonthlyReport.objects.get(pk=response.json()["id"])
    assert (report.trigger, report.built_by, report.scope) == ("api", march.users["ccm"], "SZ01")
    assert ccm.post(LIST, {"month": "2026/03"}, format="json").status_code == 400
    assert ccm.post(LIST, {"month": "2026-03", "scope": "GROUP"}, format="json").status_code == 404
    assert _api(march.users["agent"]).post(LIST, {"month": "2026-03"}, format="json").status_code == 403
    hq = _api(march.users["hq"]).post(LIST, {"month": "2026-03", "scope": "GROUP"}, format="json")
    assert hq.status_code == 201 and hq.json()["scope"] == "GROUP"


def test_without_a_profile_is_forbidden(march: Any) -> None:
    client = _api(UserFactory())
    assert client.get(LIST).status_code == 403
    assert client.get("/api/reports/monthly/2026-03/xlsx").status_code == 403
    assert APIClient().get(LIST).status_code in (401, 403)


def test_the_api_builds_no_month_not_yet_begun(march: Any) -> None:
    response = _api(march.users["ccm"]).post(LIST, {"month": "2026-05"}, format="json")  # now: 2026-04-02
    assert response.status_code == 400
    assert response.json()["month"] == ["本月之后的月份尚无数据，不能生成报表。"]
    assert not MonthlyReport.objects.exists()
