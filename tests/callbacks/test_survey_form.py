"""The survey form as the agent fills it (issue #22): the preview of the 100-point score and what it
sets off, the error summary that links to each control with the cursor on the first error, and the
low-score reasons that show only for a dimension rated ≤ 6 (static/js/survey.js, served locally)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from callbacks.models import Survey, SurveyType
from csat.models import DepartmentKind
from tests.callbacks.test_services_surveys import SALES_ITEMS

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview(client: Client, task: Any, data: dict[str, Any]) -> str:
    response = client.post(f"/callbacks/{task.pk}/grade-preview/", data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    return re.sub(r"\s+", " ", html.split('data-testid="outcome-preview">')[1].split("</div>")[0]).strip()


def test_preview_says_the_score_counted_and_the_ticket_it_will_create(
    store_a: Any, agent: Any, make_task: Any, dept: Any
) -> None:
    """DOMAIN §4: below 70 → a dissatisfied-callback ticket to the responsible department (after-sales:
    the business department); the five ratings count as their 100-point mean."""
    business = dept(DepartmentKind.BUSINESS)
    dept(DepartmentKind.CUSTOMER_CARE)
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    client = signed_in(agent)
    ratings = {
        "rating_skill": 4,
        "rating_attitude": 5,
        "rating_timeliness": 5,
        "rating_parts": 5,
        "rating_overall": 5,
    }
    assert preview(client, task, ratings) == f"计入满意度 48 → 将生成回访不满意工单，派往 {business.name}"
    happy = dict.fromkeys(ratings, 9)
    assert preview(client, task, happy) == "计入满意度 90 → 不生成工单"
    assert preview(client, task, {"rating_skill": 4}) == "尚未评分 → 不生成工单"
    external = preview(client, task, {**happy, "complained_externally": "on"})
    # Issue #19 (DOMAIN §9 "The GM's gate"): a complaint to the manufacturer, media or government is major.
    assert external == "计入满意度 90 → 将生成重大投诉工单，由客户部登记派单，并立即通知总经理"


def test_preview_of_a_sales_survey_follows_the_department_the_agent_chose(
    store_a: Any, agent: Any, make_task: Any, dept: Any
) -> None:
    dept(DepartmentKind.SALES)
    finance = dept(DepartmentKind.FINANCE)
    task = make_task(store_a)
    client = signed_in(agent)
    text = preview(client, task, {"score": "60", "ticket_department": finance.pk})
    assert text == f"计入满意度 60 → 将生成回访不满意工单，派往 {finance.name}"
    assert preview(client, task, {"level": "good"}).startswith("计入满意度 85 →")


def test_error_summary_links_each_error_and_the_cursor_starts_on_the_first(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    data = {"channel": "phone", **{f"item_{k}": v for k, v in SALES_ITEMS.items()}, "score": "60"}
    data |= {"level": "good"}  # a score and a level: the service says to give one
    del data["item_delivery"]
    response = signed_in(agent).post(f"/callbacks/{task.pk}/survey/", data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('data-testid="survey-errors"')[1].split("</div>")[0]
    links = re.findall(r'<a class="alert-link" href="#([^"]+)">', summary)
    assert links[0] in ("id_score", "id_level") and links[-1] == "id_item_delivery_0"  # top to bottom
    for target in links:
        assert f'id="{target}"' in html  # every link lands on a control
    # The cursor is on the first error, and only there.
    autofocus = re.findall(r"<[^>]*autofocus[^>]*>", html)
    assert len(autofocus) == 1 and f'id="{links[0]}"' in autofocus[0]
    assert not Survey.objects.exists()


def test_a_five_dimension_error_focuses_the_reasons(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    data = {"channel": "phone", "rating_skill": 9, "rating_attitude": 9, "rating_timeliness": 5}
    data |= {"rating_parts": 9, "rating_overall": 9}
    html = signed_in(agent).post(f"/callbacks/{task.pk}/survey/", data).content.decode()
    summary = html.split('data-testid="survey-errors"')[1].split("</div>")[0]
    assert "低分原因" in summary and 'href="#id_reason_codes_' in summary
    autofocus = re.findall(r"<[^>]*autofocus[^>]*>", html)
    assert len(autofocus) == 1 and 'name="reason_codes"' in autofocus[0]


def test_the_call_page_focuses_the_first_outcome_only(store_a: Any, agent: Any, make_task: Any) -> None:
    """One autofocus per page (HTML): it sat on each of the six call outcomes."""
    task = make_task(store_a)
    html = signed_in(agent).get(f"/callbacks/{task.pk}/").content.decode()
    autofocus = re.findall(r"<[^>]*autofocus[^>]*>", html)
    assert len(autofocus) == 1 and 'id="id_outcome_0"' in autofocus[0]


def test_low_score_reasons_are_enhanced_by_a_local_script(store_a: Any, agent: Any, make_task: Any) -> None:
    """Progressive enhancement: the server renders every reason (works without script); the page loads
    survey.js from our own static files, which hides a dimension's reasons unless it is rated ≤ 6."""
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    html = signed_in(agent).get(f"/callbacks/{task.pk}/").content.decode()
    assert html.count("data-rating-row") == 5 and html.count("data-low-reasons") == 5
    assert re.search(r'<script src="/static/js/survey\.js" defer>', html)
    script = (Path(settings.BASE_DIR) / "static/js/survey.js").read_text()
    assert "var LOW = 6;" in script and "reasons.hidden" in script


def test_reason_codes_keep_the_source_codes_in_a_4s_stores_words(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    """five-dimension-satisfaction.zh.txt lists 服务及时性 reasons from field service ("工地距离远",
    "工程师忙未及时到场"): the codes stay the source's, the labels read as a dealership's."""
    from callbacks.models import ReasonCode
    from csat.domain.scoring import REASON_CODES

    site, busy = ReasonCode.objects.get(code="site_far"), ReasonCode.objects.get(code="engineer_busy")
    assert (site.label, busy.label) == ("救援或上门服务距离远", "技师忙未及时处理")
    assert REASON_CODES["timeliness"]["site_far"][0] == site.label
    assert ReasonCode.objects.filter(
        code="arrived_late", label="到场时间不及时"
    ).exists()  # the rest as the deck
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    html = signed_in(agent).get(f"/callbacks/{task.pk}/").content.decode()
    assert "工地" not in html and "工程师" not in html and "技师忙未及时处理" in html


def test_reason_codes_and_dimensions_in_english(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    html = signed_in(agent).get(f"/callbacks/{task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "arrived late" in html and "到场时间不及时" not in html
    rows = html.split('data-testid="survey-form"')[1].split("</form>")[0]
    labels = re.findall(r'<label[^>]*for="id_(?:rating_\w+|reason_codes_\d+_\d+)"[^>]*>([^<]*)</label>', rows)
    assert labels and not [text for text in labels if re.search(r"[\u4e00-\u9fff]", text)], labels
