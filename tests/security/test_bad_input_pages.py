"""Hostile input on the pages and the API (audit of 2026-12-05): each refused request says what was
wrong in the user's language (Chinese first, English with ``Accept-Language: en``) and changes
nothing — never Django's bare English "Bad Request (400)", an empty 400 or an English-only message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import AssessmentAdjustment, AssessmentDispute, Complaint
from csat.models import CalendarYear
from tests.security.world import World, world_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


def _web(world: World, who: str, language: str = "zh-hans") -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(world.users[who])
    return client


def _api(world: World, who: str, language: str = "zh-hans") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(world.users[who])
    return client


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the app's own 400 page -----------------------------------------------------------------------


def test_too_many_ids_in_the_bulk_form_is_the_app_400_page_in_both_languages(world: World) -> None:
    complaint = Complaint.objects.get(pk=world.own.records["complaint"])
    before = (complaint.department_id, complaint.assignee_id)
    data = {"action": "assign", "user": str(world.users["agent"].pk), "ids": [str(i) for i in range(1, 1200)]}
    response = _web(world, "ccm").post("/complaints/list/bulk/", data)
    assert response.status_code == 400
    html = _text(response)
    assert 'data-testid="error-400"' in html and "Bad Request" not in html
    assert "提交的项目过多（一次最多 1000 项），本次操作没有生效。" in html
    english = _text(_web(world, "ccm", "en").post("/complaints/list/bulk/", data))
    assert "Too many items were submitted (at most 1000 at a time); nothing was done." in english
    complaint.refresh_from_db()
    assert (complaint.department_id, complaint.assignee_id) == before


def test_a_refused_page_parameter_names_itself_on_the_400_page(world: World) -> None:
    response = _web(world, "assessor").post("/calendar/", {"delete": "²"})
    assert response.status_code == 400
    assert "参数 delete：应为 1 到 9223372036854775807 之间的整数。" in _text(response)
    english = _text(_web(world, "assessor", "en").post("/calendar/", {"delete": "²"}))
    assert "Parameter delete: Must be a whole number" in english


# --- pages that handle the bad value themselves ---------------------------------------------------


@pytest.mark.parametrize("month", ["2026/11", "abc", "9999-12"])
def test_assessment_page_shows_a_malformed_month_as_a_field_error(world: World, month: str) -> None:
    response = _web(world, "gm").get("/complaints/assessment/", {"month": month})
    assert response.status_code == 400
    html = _text(response)
    assert 'data-testid="month-error"' in html and 'aria-invalid="true"' in html
    assert "月份格式应为 YYYY-MM" in html and "下面显示的是本月的考核。" in html
    assert f"{timezone.localdate():%Y-%m}" in html  # this month's table instead
    english = _text(_web(world, "gm", "en").get("/complaints/assessment/", {"month": month}))
    assert "Showing this month&#x27;s assessment below." in english


def test_assessment_adjustment_under_a_malformed_month_saves_nothing(world: World) -> None:
    department = world.own.records["department"]
    response = _web(world, "assessor").post(
        "/complaints/assessment/?month=abc", {"department": department, "points": "1", "reason": "核实"}
    )
    assert response.status_code == 400
    assert "月份无效，考核调整没有保存。" in _text(response)
    assert not AssessmentAdjustment.objects.exists()


@pytest.mark.parametrize("path", ["/audit/", "/audit/settings/"])
@pytest.mark.parametrize("page", ["0", "-1", "abc", "²", "99999999999999999999"])
def test_audit_log_reads_a_bad_page_number_as_the_first_page(world: World, path: str, page: str) -> None:
    response = _web(world, "gm").get(path, {"page": page})
    assert response.status_code == 200
    assert "第 1 页" in _text(response)


def test_audit_log_clamps_a_page_beyond_the_last_allowed(world: World) -> None:
    response = _web(world, "gm").get("/audit/", {"page": "2000000"})
    assert response.status_code == 200
    assert "第 1000000 页" in _text(response)


def test_calendar_unconfirm_with_a_bad_year_says_so_and_changes_nothing(world: World) -> None:
    years = list(CalendarYear.objects.values_list("year", "confirmed_at"))
    for year in ("abc", "²", "1999", "3000"):
        response = _web(world, "assessor").post("/calendar/", {"action": "unconfirm", "year": year})
        assert response.status_code == 400, year
        assert "年份无效：应为 2000 到 2999 之间的整数。" in _text(response)
    english = _web(world, "assessor", "en").post("/calendar/", {"action": "unconfirm", "year": "abc"})
    assert "Invalid year: Must be a whole number from 2000 to 2999." in _text(english)
    assert list(CalendarYear.objects.values_list("year", "confirmed_at")) == years


@pytest.mark.parametrize("reason", ["   ", "理" * 2001])
def test_dispute_with_a_blank_or_too_long_reason_is_shown_on_the_page(world: World, reason: str) -> None:
    month = f"{timezone.localdate():%Y-%m}"
    data = {
        "department": world.own.records["department"],
        "month": month,
        "event": "complaint:1",
        "reason": reason,
    }
    before = AssessmentDispute.objects.count()
    response = _web(world, "sales_mgr").post("/complaints/assessment/disputes/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/complaints/assessment/?month={month}"
    html = _text(response)
    assert "申诉未提交：申诉理由：" in html
    assert ("该字段是必填项。" if reason.isspace() else "2000") in html
    english = _text(
        _web(world, "sales_mgr", "en").post("/complaints/assessment/disputes/", data, follow=True)
    )
    assert "Dispute not submitted: " in english
    assert AssessmentDispute.objects.count() == before


def test_dispute_with_a_malformed_month_is_shown_on_the_page(world: World) -> None:
    data = {"department": world.own.records["department"], "month": "2026/1", "event": "x", "reason": "不实"}
    response = _web(world, "sales_mgr").post("/complaints/assessment/disputes/", data, follow=True)
    assert response.redirect_chain[-1][0] == "/complaints/assessment/"
    assert "申诉未提交：月份格式应为 YYYY-MM。" in _text(response)


def test_dispute_decision_without_accept_is_shown_on_the_page(world: World) -> None:
    dispute = AssessmentDispute.objects.get(pk=world.own.records["dispute"])
    url = f"/complaints/assessment/disputes/{dispute.pk}/decide/"
    response = _web(world, "assessor").post(url, {"comment": "属实"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(f"/complaints/assessment/?month={dispute.month:%Y-%m}")
    assert "申诉未处理：处理申诉：该字段是必填项。" in _text(response)
    english = _text(_web(world, "assessor", "en").post(url, {"comment": "属实"}, follow=True))
    assert "Dispute not decided: " in english
    dispute.refresh_from_db()
    assert (dispute.status, dispute.adjustment) == ("open", None)


# --- the API's messages ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["complaints", "customers", "callbacks", "surveys", "vehicles"])
def test_api_invalid_cursor_is_translated(world: World, name: str) -> None:
    who = "agent" if name == "callbacks" else "gm"
    response = _api(world, who).get(f"/api/{name}/?cursor=abc")
    assert response.status_code == 404
    assert response.json() == {"detail": "分页游标无效，请从列表的第一页重新开始。"}
    english = _api(world, who, "en").get(f"/api/{name}/?cursor=abc").json()
    assert english == {"detail": "Invalid page cursor; please start again from the first page of the list."}


def test_api_unknown_token_is_a_translated_404(world: World) -> None:
    response = _api(world, "gm").delete("/api/auth/tokens/zzz/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
    assert _api(world, "gm", "en").delete("/api/auth/tokens/zzz/").json() == {"detail": "Not found."}


@pytest.mark.parametrize("raw", ["abc", "0", "²", "99999999999999999999"])
def test_api_page_size_names_the_real_maximum(world: World, raw: str) -> None:
    response = _api(world, "gm").get(f"/api/complaints/?page_size={raw}")
    assert response.status_code == 400
    assert response.json() == {"page_size": ["应为 1 到 200 之间的整数。"]}
    english = _api(world, "gm", "en").get(f"/api/complaints/?page_size={raw}").json()
    assert english == {"page_size": ["Must be a whole number from 1 to 200."]}


def test_api_page_size_above_the_maximum_is_still_the_maximum(world: World) -> None:
    response = _api(world, "gm").get("/api/complaints/?page_size=500")
    assert response.status_code == 200
