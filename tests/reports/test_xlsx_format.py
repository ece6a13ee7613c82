"""The report downloads offer the xlsx only: DRF's ``?format=`` naming anything else is a 404, the
answer it already gave ``?format=csv``.

Audit (hostile input): GET /api/reports/monthly/{id}/xlsx/?format=json returned the xlsx (the JSON
renderer, there for the errors, was chosen and never used) while ?format=csv was a 404.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from reports.views import XLSX
from tests.reports.builders import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(store: Any) -> MonthlyReport:
    return report_build(month=MONTH, store=store, trigger=Trigger.COMMAND)


@pytest.fixture
def gm(users: dict[str, Any]) -> APIClient:
    client = APIClient()
    client.force_authenticate(users["gm"])
    return client


def _urls(report: MonthlyReport) -> list[str]:
    return [f"/api/reports/monthly/{report.pk}/xlsx/", f"/api/reports/monthly/{report.month:%Y-%m}/xlsx"]


def test_the_download_is_the_xlsx_without_a_format_or_with_xlsx(gm: APIClient, report: MonthlyReport) -> None:
    for url in _urls(report):
        for query in ({}, {"format": "xlsx"}):
            response = gm.get(url, query)
            assert response.status_code == 200 and response["Content-Type"] == XLSX
            assert response.getvalue() == bytes(report.xlsx)


@pytest.mark.parametrize("wanted", ["json", "api", "csv", "xlsx2"])
def test_any_other_format_is_a_404(gm: APIClient, report: MonthlyReport, wanted: str) -> None:
    for url in _urls(report):
        response = gm.get(url, {"format": wanted})
        assert response.status_code == 404, (url, wanted)
        assert response["Content-Type"].startswith("application/json")


def test_errors_are_still_json(gm: APIClient, report: MonthlyReport) -> None:
    response = gm.get("/api/reports/monthly/2025-01/xlsx")  # none built
    assert response.status_code == 404 and "detail" in response.json()
