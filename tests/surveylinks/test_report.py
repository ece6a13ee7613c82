"""Reports (issue #24, DOMAIN §4 validity, §7): reach and completion by channel (phone vs the link),
the links' open and answer rates, and the 50 % / 60 % validity over all channels — in the monthly
report's data (dashboard and API) and its xlsx, recomputed here independently from the rows."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from callbacks import services as callback_services
from callbacks.models import LINK_CHANNELS, CallbackTask, Outcome, Survey
from callbacks.services import SurveyInput
from reports.models import Trigger
from reports.selectors import report_data
from reports.services import report_build
from surveylinks import services, tokens
from surveylinks.models import SurveyLink
from tests.callbacks.test_services_surveys import SALES_ITEMS

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def month_of_tasks(store_a: Any, agent: Any, make_task: Any, clock: Any) -> None:
    phone_done = make_task(store_a)
    callback_services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=phone_done
    )
    refused = make_task(store_a)
    callback_services.call_attempt_log(task=refused, actor=agent, outcome=Outcome.REFUSED)
    answered = services.survey_link_invite(task=make_task(store_a), actor=agent)
    opened = services.survey_link_invite(task=make_task(store_a), actor=agent)
    make_task(store_a)  # never reached
    for link in (answered, opened):
        services.survey_link_send(link_id=link.pk)
    services.survey_link_open(link=opened)
    services.survey_link_answer(
        token=tokens.token_for(answered.nonce), data=SurveyInput(type="sales", score=80, items=SALES_ITEMS)
    )


def _expected(store: Any) -> dict[str, Any]:
    """Counted in Python from the rows, without the report's queries."""
    tasks = [t for t in CallbackTask.objects.filter(store=store) if t.due_at.astimezone().month == 3]
    surveys = {s.callback_id: s for s in Survey.objects.filter(callback__in=tasks)}
    reached = [t for t in tasks if t.reached_at is not None]
    rated = [t for t in tasks if t.pk in surveys and surveys[t.pk].score_used is not None]
    link_rated = [t for t in rated if surveys[t.pk].channel in LINK_CHANNELS]
    links = list(SurveyLink.objects.filter(store=store))
    sent = [lk for lk in links if lk.send_state in ("sent", "not_sent")]
    return {
        "required": len(tasks),
        "reached": len(reached),
        "surveyed": len(rated),
        "reach_rate": len(reached) / len(tasks),
        "survey_rate": len(rated) / len(reached),
        "link_surveyed": len(link_rated),
        "phone_surveyed": len(rated) - len(link_rated),
        "open_rate": sum(1 for lk in sent if lk.opened_at) / len(sent),
        "answer_rate": sum(1 for lk in sent if lk.answered_at) / len(sent),
    }


def test_channel_figures_and_validity_over_all_channels(store_a: Any, month_of_tasks: None) -> None:
    expected = _expected(store_a)
    assert (expected["required"], expected["reached"], expected["surveyed"]) == (5, 3, 2)
    data = report_data(month=MARCH, store=store_a)
    counts, channels = data["surveys"]["counts"], data["surveys"]["channels"]
    assert (counts["required"], counts["reached"], counts["surveyed"]) == (5, 3, 2)
    assert counts["reach_rate"] == pytest.approx(expected["reach_rate"])  # 60 % ≥ 50 %
    assert counts["survey_rate"] == pytest.approx(expected["survey_rate"])  # 66.7 % ≥ 60 %
    assert counts["valid"] is True
    assert channels["phone"] == {"reached": 2, "surveyed": expected["phone_surveyed"]}
    assert channels["link"] == {"reached": 1, "surveyed": expected["link_surveyed"]}
    assert channels["links"]["invited"] == 2 and channels["links"]["sent"] == 2
    assert channels["links"]["open_rate"] == pytest.approx(expected["open_rate"])  # 2 of 2
    assert channels["links"]["answer_rate"] == pytest.approx(expected["answer_rate"])  # 1 of 2


def test_link_answers_make_an_invalid_month_valid(
    store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    """Validity (cs-survey-management §四: reached ≥ 50 % of required) counts the link's answers."""
    tasks = [make_task(store_a) for _ in range(4)]
    callback_services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=95, items=SALES_ITEMS), callback=tasks[0]
    )
    assert report_data(month=MARCH, store=store_a)["surveys"]["counts"]["reach_ok"] is False  # 1 of 4
    link = services.survey_link_invite(task=tasks[1], actor=agent)
    services.survey_link_answer(
        token=tokens.token_for(link.nonce), data=SurveyInput(type="sales", score=90, items=SALES_ITEMS)
    )
    counts = report_data(month=MARCH, store=store_a)["surveys"]["counts"]
    assert counts["reached"] == 2 and counts["reach_ok"] is True and counts["valid"] is True


def test_xlsx_api_and_dashboard_carry_the_channel_figures(
    store_a: Any, month_of_tasks: None, ccm: Any, web: Any
) -> None:
    report = report_build(month=MARCH, store=store_a, trigger=Trigger.COMMAND)
    summary = openpyxl.load_workbook(io.BytesIO(bytes(report.xlsx))).worksheets[0]
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert values["自助链接完成调查数"] == 1 and values["电话完成调查数"] == 1
    assert values["调查链接打开率"] == pytest.approx(1.0) and values["调查链接作答率"] == pytest.approx(0.5)
    api = APIClient()
    api.force_authenticate(ccm)
    detail = api.get(f"/api/reports/monthly/{report.pk}/").json()
    assert detail["data"]["surveys"]["channels"]["link"]["surveyed"] == 1
    page = web(ccm).get(reverse("reports:index") + "?month=2026-03").content.decode()
    assert 'data-testid="channel-figures"' in page and "作答率 50" in page
