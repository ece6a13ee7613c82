"""The dashboard, the build button and downloads: permissions, figures, click-through, query count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from reports.models import MonthlyReport, Trigger
from reports.services import report_build
from tests.factories import UserFactory
from tests.reports.builders import MONTH, at, make_complaint, make_survey

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: Any, **params: str) -> Any:
    return _client(user).get("/reports/", {"month": "2026-03", **params})


def _testid(html: str, name: str) -> str:
    match = re.search(rf'<[^>]*data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def test_department_manager_sees_their_store(march: Any) -> None:
    response = _page(march.users["sales_mgr"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="month"' in html and 'value="2026-03"' in html
    assert (_testid(html, "required"), _testid(html, "reached"), _testid(html, "surveyed")) == (
        "10",
        "8",
        "6",
    )
    # Kind ``complaint`` only (TS-1); TS-2 and TS-3 (dissatisfied, grievance) beside it (DOMAIN §9).
    assert _testid(html, "complaints-total") == "1"
    assert 'data-testid="dissatisfied-grievances" data-count="2"' in html
    assert "集团（全部门店）" not in html  # no group switch for a store's staff
    assert html.count("<svg") >= 4 and "cdn" not in html.lower()
    # Red when short of target: the month's satisfaction is below 90.
    assert re.search(r'class="text-danger fw-bold" data-testid="satisfaction"', html)


def test_other_stores_and_the_group_are_404_for_a_store(march: Any) -> None:
    user = march.users["sales_mgr"]
    assert _page(user, scope=str(march.other.pk)).status_code == 404
    assert _page(user, scope="GROUP").status_code == 404


def test_head_office_sees_the_group_and_every_store(march: Any) -> None:
    hq = march.users["hq"]
    group = _page(hq)
    assert group.status_code == 200
    html = group.content.decode()
    assert "集团（全部门店）" in html and _testid(html, "complaints-total") == "2"
    other = _page(hq, scope=str(march.other.pk)).content.decode()
    assert _testid(other, "complaints-total") == "1"


def test_without_a_profile_is_forbidden(march: Any) -> None:
    assert _client(UserFactory()).get("/reports/").status_code == 403


def test_a_malformed_month_shows_an_error(march: Any) -> None:
    response = _page(march.users["ccm"], month="2026-3x")
    assert response.status_code == 200 and "月份格式应为 YYYY-MM" in response.content.decode()


def test_click_through_from_figures_to_records(march: Any) -> None:
    user = march.users["ccm"]
    html = _page(user).content.decode()
    c = march.complaints
    service = c["c1"].department_id
    assert f'drill=department:{service}#complaint-list"' in html
    assert f'href="/complaints/{c["c1"].pk}/"' in html
    assert f'href="/callbacks/surveys/{march.surveys[1].pk}/"' in html  # a dissatisfied callback
    drilled = _page(user, drill=f"department:{service}").content.decode()
    assert re.findall(r'data-complaint="(\d+)"', drilled) == [str(c["c1"].pk)]
    open_past = _page(user, drill="open").content.decode()
    assert re.findall(r'data-complaint="(\d+)"', open_past) == [str(c["c4"].pk), str(c["c1"].pk)]
    kind = _page(user, drill="kind:grievance").content.decode()
    assert re.findall(r'data-complaint="(\d+)"', kind) == [str(c["c3"].pk)]


def test_build_button_and_downloads(march: Any) -> None:
    user = march.users["sales_mgr"]
    client = _client(user)
    response = client.post("/reports/build/", {"month": "2026-03", "scope": str(march.store.pk)})
    assert response.status_code == 302 and "month=2026-03" in response["Location"]
    report = MonthlyReport.objects.get()
    assert (report.trigger, report.built_by, report.scope, report.version) == ("button", user, "SZ01", 1)
    page = client.get(response["Location"]).content.decode()
    assert f'data-report="{report.pk}"' in page and f"/reports/{report.pk}/xlsx" in page
    download = client.get(f"/reports/{report.pk}/xlsx")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    # A department manager gets a copy with only their department's tickets (issue #21 item 9);
    # customer care gets the stored file itself.
    assert download.getvalue() != bytes(report.xlsx)
    assert "csat-report-2026-03-SZ01-v1.xlsx" in download["Content-Disposition"]
    stored = _client(march.users["ccm"]).get(f"/reports/{report.pk}/xlsx")
    assert stored.getvalue() == bytes(report.xlsx)


def test_download_permissions(march: Any) -> None:
    mine = report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    theirs = report_build(month=MONTH, store=march.other, trigger=Trigger.COMMAND)
    group = report_build(month=MONTH, store=None, trigger=Trigger.COMMAND)
    manager = _client(march.users["sales_mgr"])
    assert manager.get(f"/reports/{mine.pk}/xlsx").status_code == 200
    assert manager.get(f"/reports/{theirs.pk}/xlsx").status_code == 404
    assert manager.get(f"/reports/{group.pk}/xlsx").status_code == 404
    hq = _client(march.users["hq"])
    for report in (mine, theirs, group):
        assert hq.get(f"/reports/{report.pk}/xlsx").status_code == 200
    agent = _client(march.users["agent"])
    assert agent.get(f"/reports/{mine.pk}/xlsx").status_code == 200  # everyone with a profile reads
    assert agent.post("/reports/build/", {"month": "2026-03"}).status_code == 403
    assert (
        manager.post("/reports/build/", {"month": "2026-03", "scope": str(march.other.pk)}).status_code == 404
    )


def test_head_office_builds_the_group_report(march: Any) -> None:
    _client(march.users["hq"]).post("/reports/build/", {"month": "2026-03", "scope": "GROUP"})
    assert MonthlyReport.objects.get().scope == "GROUP"


def _queries(user: Any) -> int:
    client = _client(user)
    cache.clear()  # the figures of a cold cache: computed, or read from the newest stored version
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/reports/", {"month": "2026-03"}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("fresh_seconds", [0, 300], ids=["live figures", "cached figures"])
def test_dashboard_query_count_does_not_grow_with_rows(march: Any, settings: Any, fresh_seconds: int) -> None:
    settings.CSAT = {**settings.CSAT, "REPORT_DASHBOARD_FRESH_SECONDS": fresh_seconds}
    user = march.users["ccm"]
    report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    before = _queries(user)
    for i in range(6):
        make_survey(
            march.store, type="sales", at=at(3, 21, 9, i), agent=march.users["agent"], score=78, remarks="慢"
        )
        make_survey(
            march.store,
            type="after_sales",
            at=at(3, 22, 9, i),
            agent=march.users["agent2"],
            not_rated_reason="没空",
            model=f"M{i}",
        )
        make_complaint(
            march.store,
            f"TX-{i}",
            received=at(3, 23, 9, i),
            received_by=user,
            grade="C",
            department=march.complaints["c1"].department,
        )
    report_build(month=MONTH, store=march.store, trigger=Trigger.COMMAND)
    assert Complaint.objects.count() == 11
    assert _queries(user) == before


def test_defaults_to_the_current_month_and_own_store(march: Any) -> None:
    response = _client(march.users["gm"]).get("/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "深圳福田店 · 2026-04" in html and 'value="2026-04"' in html


def test_feedback_lists_show_the_first_records_with_the_full_count(march: Any, monkeypatch: Any) -> None:
    import functools

    from django.urls import reverse

    from reports import selectors

    monkeypatch.setattr(selectors, "feedback_lists", functools.partial(selectors.feedback_lists, shown=1))
    for day in (2, 3):
        make_survey(march.store, type="sales", at=at(3, day), agent=march.users["agent"], score=60)
    html = _page(march.users["gm"]).content.decode()
    section = html[html.index('data-list="dissatisfied"') :].split("</details>")[0]
    count = int(re.search(r'badge[^>]*">(\d+)<', section).group(1))  # type: ignore[union-attr]
    assert count >= 2
    survey_link = 'href="' + reverse("callbacks:survey", args=[0]).removesuffix("0/")
    assert section.count(survey_link) == 1  # one record shown of the list's count
    assert 'data-more="dissatisfied"' in section


def test_generate_then_download_from_the_flash_and_from_the_top(march: Any) -> None:
    """Issue #22 "Monthly report file and page": download and generate at the top, and the flash
    after generating links to the file it built."""
    client = _client(march.users["ccm"])
    before = client.get("/reports/", {"month": "2026-03"}).content.decode()
    assert 'data-testid="download-latest"' not in before  # nothing built yet
    response = client.post("/reports/build/", {"month": "2026-03", "scope": str(march.store.pk)}, follow=True)
    report = MonthlyReport.objects.get()
    html = response.content.decode()
    flash = html[html.index('role="alert"') :].split("</div>", 1)[0]
    assert "已生成 2026-03" in flash and f'href="/reports/{report.pk}/xlsx"' in flash
    top = html[: html.index('id="surveys"')]
    assert f'href="/reports/{report.pk}/xlsx" data-testid="download-latest"' in top
    assert top.index('data-testid="download-latest"') < top.index('data-testid="build-report"')
    # Another month's page offers no file of March.
    other = client.get("/reports/", {"month": "2026-02"}).content.decode()
    assert 'data-testid="download-latest"' not in other


@pytest.mark.parametrize(("minimum", "expect_note"), [(10**6, True), (1, False)])
def test_rates_on_tiny_samples_say_so(march: Any, settings: Any, minimum: int, expect_note: bool) -> None:
    """Issue #22: a rate or an average from fewer answers than REPORT_MIN_SAMPLE says "样本不足"."""
    settings.CSAT = {**settings.CSAT, "REPORT_MIN_SAMPLE": minimum, "REPORT_DASHBOARD_FRESH_SECONDS": 0}
    cache.clear()
    html = _page(march.users["ccm"]).content.decode()
    satisfaction_card = html[html.index('data-testid="satisfaction"') :].split("</div>", 1)[0]
    assert ("样本不足" in satisfaction_card) is expect_note
    assert ('data-testid="small-sample"' in html) is expect_note


def test_a_breakdown_row_below_the_minimum_is_marked_and_one_above_is_not(march: Any, settings: Any) -> None:
    from reports.selectors import report_data

    settings.CSAT = {**settings.CSAT, "REPORT_DASHBOARD_FRESH_SECONDS": 0}
    data = report_data(month=MONTH, store=march.store)
    rows = [row for rows in data["surveys"]["breakdowns"].values() for row in rows]
    small = [r for r in rows if 0 < r["rated"] < 5]
    large = [r for r in rows if r["rated"] >= 5]
    assert small and large  # the fixture month has both
    html = _page(march.users["ccm"]).content.decode()
    section = html[html.index('id="breakdowns"') : html.index('id="dimensions"')]
    marked = section.count('data-testid="small-sample"')
    assert marked == len(small)


def test_a_month_not_yet_begun_is_not_built(march: Any) -> None:
    """The build button with a future month made an empty "version 1" people could take for the
    month's report; now it says why not, in the user's language, and builds nothing."""
    client = _client(march.users["ccm"])
    response = client.post("/reports/build/", {"month": "2026-05", "scope": str(march.store.pk)}, follow=True)
    assert "本月之后的月份尚无数据，不能生成报表。" in response.content.decode()
    client.cookies["django_language"] = "en"
    english = client.post("/reports/build/", {"month": "2099-12"}, follow=True).content.decode()
    assert "has no figures yet" in english
    assert not MonthlyReport.objects.exists()
    # This month (now: 2026-04-02) is built, with its figures so far.
    assert client.post("/reports/build/", {"month": "2026-04"}).status_code == 302
    assert MonthlyReport.objects.count() == 1
