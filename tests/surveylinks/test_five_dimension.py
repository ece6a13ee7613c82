"""Five-dimension surveys by link (issue #24): the customer rates the five dimensions 1–10 (DOMAIN §2,
five-dimension-satisfaction.zh.txt "10分制"), a dimension rated ≤ 6 needs its low-score reasons (DOMAIN
§2 Decision) from the same reason codes as the agent's form, and the answer is scored, classified and
ticketed exactly like the agent's phone entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from callbacks import services as callback_services
from callbacks.forms import SurveyForm, codes_by_dimension
from callbacks.models import Classification, ReasonCode, Survey, SurveyType, TaskStatus
from callbacks.services import SurveyInput
from csat.domain import scoring
from surveylinks import services, tokens
from surveylinks.models import SurveyLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


@pytest.fixture
def link(store_a: Any, agent: Any, make_task: Any) -> SurveyLink:
    task = make_task(store_a, type=SurveyType.FIVE_DIMENSION)
    return services.survey_link_invite(task=task, actor=agent)


def _url(link: SurveyLink) -> str:
    return reverse("surveylinks:answer", args=[tokens.token_for(link.nonce)])


def _code(dim: str, n: int = 0) -> str:
    return codes_by_dimension()[dim][n].code


def _post(ratings: dict[str, int], reasons: dict[str, list[str]] | None = None, remarks: str = "") -> dict:
    data: dict[str, Any] = {f"rating_{d}": str(r) for d, r in ratings.items()}
    for dim, codes in (reasons or {}).items():
        data[f"reasons_{dim}"] = codes
    data["remarks"] = remarks
    return data


ALL_NINE = dict.fromkeys(scoring.DIMENSIONS, 9)


def test_a_five_dimension_task_can_be_invited_by_link(link: SurveyLink) -> None:
    assert link.task.type == SurveyType.FIVE_DIMENSION and link.pk


def test_page_asks_the_five_dimensions_1_to_10_with_the_agent_forms_reason_codes(link: SurveyLink) -> None:
    html = Client().get(_url(link)).content.decode()
    for dim in scoring.DIMENSIONS:
        values = re.findall(rf'name="rating_{dim}" value="(\d+)"', html)
        assert sorted(map(int, values)) == list(range(1, 11)), dim  # DOMAIN §2: 1–10, no 0
    # The same codes the agent's form offers, each under its own dimension.
    agent_form = SurveyForm(survey_type=SurveyType.FIVE_DIMENSION)
    agent_codes = {
        value for _group, options in agent_form.fields["reason_codes"].choices for value, _l in options
    }
    page_codes = set(re.findall(r'name="reasons_\w+" value="([\w-]+)"', html))
    assert page_codes == agent_codes and len(page_codes) == ReasonCode.objects.filter(active=True).count()
    for dim in scoring.DIMENSIONS:
        shown = set(re.findall(rf'name="reasons_{dim}" value="([\w-]+)"', html))
        assert shown == {c.code for c in codes_by_dimension()[dim]}
    assert 'name="score"' not in html and "<script" not in html


def test_a_low_dimension_without_a_reason_is_refused_and_changes_nothing(link: SurveyLink) -> None:
    response = Client().post(_url(link), _post({**ALL_NINE, "timeliness": 6}))
    assert response.status_code == 400
    assert "“服务及时性”打了 6 分及以下，请至少选择一个原因" in response.content.decode()
    assert not Survey.objects.exists()
    link.refresh_from_db()
    assert link.answered_at is None


def test_a_low_dimension_sent_back_is_listed_at_the_top_by_its_reasons(link: SurveyLink) -> None:
    html = Client().post(_url(link), _post({**ALL_NINE, "timeliness": 6})).content.decode()
    summary = html.split('data-testid="sent-back"')[1].split("</div>")[0]
    assert "还有 1 项需要填写或修改：" in summary
    ((anchor, name),) = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert name.startswith("服务及时性：")
    assert f'<fieldset id="{anchor}" class="sl-why" aria-invalid="true"' in html


def test_a_rating_of_0_is_not_offered_nor_accepted(link: SurveyLink) -> None:
    response = Client().post(_url(link), _post({**ALL_NINE, "skill": 0}))
    assert response.status_code == 400 and not Survey.objects.exists()


def test_low_ratings_with_reasons_make_the_same_survey_and_ticket_as_the_agents_entry(
    link: SurveyLink, store_a: Any, agent: Any, make_task: Any
) -> None:
    ratings = {"skill": 4, "attitude": 5, "timeliness": 6, "parts": 7, "overall": 5}
    reasons = {
        "skill": [_code("skill")],
        "attitude": [_code("attitude"), _code("attitude", 1)],
        "timeliness": [_code("timeliness")],
        "overall": [_code("overall")],
    }
    response = Client().post(_url(link), _post(ratings, reasons, remarks="配件等了很久"))
    assert response.status_code == 302
    survey = Survey.objects.get(callback=link.task)
    assert survey.channel == "sms" and survey.ratings == ratings
    assert {c.code for c in survey.reason_codes.all()} == {c for cs in reasons.values() for c in cs}
    assert survey.score_used == 54  # (40+50+60+70+50)/5, DOMAIN §2
    assert survey.classification == Classification.DISSATISFIED and survey.complaint is not None
    assert survey.callback.status == TaskStatus.DONE
    # The agent's phone entry of the same answers computes the same fields and the same ticket.
    phone = callback_services.survey_submit(
        actor=agent,
        data=SurveyInput(
            type=SurveyType.FIVE_DIMENSION,
            ratings=ratings,
            reason_codes=[c for cs in reasons.values() for c in cs],
            remarks="配件等了很久",
        ),
        callback=make_task(store_a, type=SurveyType.FIVE_DIMENSION),
    )
    for field in ("score_used", "classification", "suggested_grade", "grade"):
        assert getattr(phone, field) == getattr(survey, field), field
    assert phone.complaint.kind == survey.complaint.kind
    assert phone.complaint.department_id == survey.complaint.department_id


def test_reasons_ticked_beside_a_high_rating_are_dropped(link: SurveyLink) -> None:
    response = Client().post(_url(link), _post(ALL_NINE, {"parts": [_code("parts")]}))
    assert response.status_code == 302
    survey = Survey.objects.get(callback=link.task)
    assert survey.score_used == 90 and not survey.reason_codes.exists() and survey.complaint is None


def test_a_reason_of_another_dimension_is_refused(link: SurveyLink) -> None:
    response = Client().post(_url(link), _post({**ALL_NINE, "skill": 3}, {"skill": [_code("parts")]}))
    assert response.status_code == 400 and not Survey.objects.exists()


def test_the_five_dimension_page_weighs_under_100_kb_with_everything_it_loads(link: SurveyLink) -> None:
    """Issue #24: the page's budget is < 100 kB (HTML + the CSS/JS/images it loads) — the heaviest
    page: 50 rating buttons and every reason code. Bytes, not time (the time is bench/survey_link_bench.py)."""
    from django.conf import settings as django_settings
    from django.contrib.staticfiles import finders

    html = Client().get(_url(link)).content.decode()
    assets = re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"', html)
    assert assets, "the page loads its stylesheet"
    total = len(html.encode())
    for url in assets:
        name = url.split("?", 1)[0].removeprefix("/" + django_settings.STATIC_URL.strip("/") + "/")
        found = finders.find(name)
        assert found, url
        total += len(Path(found).read_bytes())
    assert not any(a.endswith(".js") for a in assets)  # no script at all
    assert total < 100 * 1024, total


def test_a_group_sent_back_names_its_error_as_its_description(link: SurveyLink) -> None:
    """A screen reader says the error with the group (WCAG 3.3.1): the rating's reasons, refused for
    a low rating without one, are described by the error the page shows above them."""
    html = Client().post(_url(link), _post({**ALL_NINE, "timeliness": 6})).content.decode()
    groups = re.findall(
        r'<fieldset id="[\w-]+" class="sl-why" aria-invalid="true" aria-describedby="([\w-]+)">', html
    )
    assert groups == ["id_reasons_timeliness_error"]
    error = re.search(rf'<p class="sl-error" id="{groups[0]}">([^<]*)</p>', html)
    assert error and "“服务及时性”打了 6 分及以下，请至少选择一个原因" in error.group(1)
