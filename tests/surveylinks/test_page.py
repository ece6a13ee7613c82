"""The customer's page (issue #24): no sign-in, only store / car model / masked plate, the mandatory
items, a 0–10 score and remarks; accepted once; expired, used, revoked and tampered links answered
politely with the store's phone; noindex, CSRF; rate limits per token and per address, never a 5xx;
the answer enters the phone survey's loop (same fields, same ticket, task done)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from callbacks import services as callback_services
from callbacks.models import Classification, Survey, TaskStatus
from callbacks.services import SurveyInput
from callbacks.survey_items import items_for
from complaints.models import Complaint, Kind
from surveylinks import services, tokens
from surveylinks.models import SurveyLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


@pytest.fixture
def link(store_a: Any, agent: Any, make_task: Any) -> SurveyLink:
    store_a.phone = "020-88886666"
    store_a.save()
    task = make_task(store_a)
    return services.survey_link_invite(task=task, actor=agent)


def _url(link: SurveyLink, name: str = "surveylinks:answer") -> str:
    return reverse(name, args=[tokens.token_for(link.nonce)])


def _answers(survey_type: str, score: int, remarks: str = "") -> dict[str, str]:
    data = {f"item_{item.key}": item.values[0] for item in items_for(survey_type) if item.mandatory}
    data.update({"score": str(score), "remarks": remarks})
    return data


def test_page_shows_only_store_model_and_masked_plate(link: SurveyLink) -> None:
    response = Client().get(_url(link))
    assert response.status_code == 200
    html = response.content.decode()
    vehicle, customer = link.task.vehicle, link.task.customer
    assert link.store.name in html and vehicle.model in html
    digits = vehicle.plate_display.split("·")[1]
    assert f"***{digits[-2:]}" in html and digits not in html
    assert customer.name not in html and customer.mobile not in html and customer.mobile[-4:] not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "csrfmiddlewaretoken" in html and "<script" not in html
    assert "Content-Security-Policy" in response
    # Every mandatory item of the sales survey is asked.
    for item in items_for("sales"):
        assert (f'name="item_{item.key}"' in html) == item.mandatory
    link.refresh_from_db()
    assert link.opened_at is not None


def test_page_weighs_under_100_kb(link: SurveyLink) -> None:
    html = Client().get(_url(link)).content
    css = (Path(django_settings.BASE_DIR) / "static" / "surveylinks" / "survey.css").read_bytes()
    assert b"survey.css" in html and b"bootstrap" not in html  # the only asset
    assert len(html) + len(css) < 100 * 1024


def test_low_score_with_remarks_makes_the_same_survey_and_ticket_as_a_phone_survey(
    link: SurveyLink, store_a: Any, agent: Any, make_task: Any
) -> None:
    """DOMAIN §4: score < 70 is a dissatisfied callback → a ticket, whatever the channel."""
    response = Client().post(_url(link), _answers("sales", 5, "交车时没有讲解保养。"))
    assert response.status_code == 302 and response["Location"] == _url(link, "surveylinks:thanks")
    survey = Survey.objects.get(callback=link.task)
    assert survey.channel == "sms" and survey.score == 50 and survey.score_used == 50
    assert survey.classification == Classification.DISSATISFIED and survey.remarks == "交车时没有讲解保养。"
    assert survey.complaint is not None and survey.complaint.kind == Kind.DISSATISFIED
    task = survey.callback
    assert task.status == TaskStatus.DONE and task.close_reason == "surveyed"
    assert not task.attempts.exists()  # nobody called
    link.refresh_from_db()
    assert link.survey == survey and link.answered_at is not None
    # The same answers by phone give the same computed fields.
    phone_task = make_task(store_a)
    phone = callback_services.survey_submit(
        actor=agent,
        data=SurveyInput(type="sales", score=50, items=dict(survey.items), remarks="交车时没有讲解保养。"),
        callback=phone_task,
    )
    for field in ("score_used", "classification", "suggested_grade", "grade"):
        assert getattr(phone, field) == getattr(survey, field), field
    assert phone.complaint.kind == survey.complaint.kind
    assert phone.complaint.department_id == survey.complaint.department_id
    # The thank-you page.
    thanks = Client().get(_url(link, "surveylinks:thanks"))
    assert thanks.status_code == 200 and "感谢您的评价" in thanks.content.decode()


def test_high_score_no_ticket(link: SurveyLink) -> None:
    Client().post(_url(link), _answers("sales", 10))
    survey = Survey.objects.get(callback=link.task)
    assert (
        survey.score_used == 100 and survey.classification == Classification.NONE and survey.complaint is None
    )


def test_replay_and_double_tap_make_one_survey(link: SurveyLink) -> None:
    client = Client()
    first = client.post(_url(link), _answers("sales", 3, "太差"))
    second = client.post(_url(link), _answers("sales", 9))
    again = Client().get(_url(link))
    assert first.status_code == second.status_code == again.status_code == 302
    assert Survey.objects.filter(customer=link.task.customer).count() == 1
    assert Complaint.objects.filter(customer=link.task.customer).count() == 1
    assert Survey.objects.get().score_used == 30


def test_missing_mandatory_item_is_a_clear_error_and_changes_nothing(link: SurveyLink) -> None:
    data = _answers("sales", 8)
    del data["item_delivery"]
    response = Client().post(_url(link), data)
    assert response.status_code == 400 and "请选择一项" in response.content.decode()
    assert not Survey.objects.exists()
    bad = Client().post(_url(link), {**_answers("sales", 8), "score": "11"})
    assert bad.status_code == 400 and not Survey.objects.exists()


def test_a_page_sent_back_lists_what_is_left_at_its_top_with_a_link_to_each(link: SurveyLink) -> None:
    """A customer on a phone who left out a question near the end is sent back to the top of a long
    page: the page says there, in order, what is still to be answered, each a link to its question."""
    mandatory = [item for item in items_for("sales") if item.mandatory]
    data = _answers("sales", 8)
    del data[f"item_{mandatory[-1].key}"], data["score"]
    html = Client().post(_url(link), data).content.decode()
    summary = html.split('data-testid="sent-back"')[1].split("</div>")[0]
    assert "还有 2 项需要填写或修改：" in summary
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary)
    assert [name for _anchor, name in links] == [
        mandatory[-1].label,
        "总体来说，您对本次服务的满意程度（0–10 分，10 分为非常满意）",
    ]
    for anchor, _name in links:  # each leads to its question, which says what is wrong
        group = html.split(f'id="{anchor}"')[1].split("</fieldset>")[0]
        assert f'<p class="sl-error" id="{anchor}_error">' in group
    assert 'data-testid="sent-back"' not in Client().get(_url(link)).content.decode()


def test_expired_link_is_refused_politely_with_the_store_phone(link: SurveyLink) -> None:
    with time_machine.travel(link.expires_at + dt.timedelta(minutes=1), tick=False):
        get = Client().get(_url(link))
        post = Client().post(_url(link), _answers("sales", 8))
    for response in (get, post):
        assert response.status_code == 410
        html = response.content.decode()
        assert "已过期" in html and "020-88886666" in html
    assert not Survey.objects.exists()


def test_revoked_link_is_refused(link: SurveyLink, ccm: Any) -> None:
    services.survey_link_revoke(link=link, actor=ccm)
    response = Client().post(_url(link), _answers("sales", 8))
    assert response.status_code == 410 and "已停用" in response.content.decode()
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),  # signature changed
        lambda t: "A" + t[1:] if t[0] != "A" else "B" + t[1:],  # nonce changed, old signature
        lambda t: t.split(":")[0],  # signature removed
        lambda t: "1",  # an id
        lambda t: "x" * 300,  # absurdly long
    ],
)
def test_tampered_token_is_a_polite_404(link: SurveyLink, mangle: Any) -> None:
    token = mangle(tokens.token_for(link.nonce))
    response = Client().post(reverse("surveylinks:answer", args=[token]), _answers("sales", 8))
    assert response.status_code == 404 and "链接无效" in response.content.decode()
    assert not Survey.objects.exists()


def test_answer_after_the_agent_reached_the_customer_is_refused(link: SurveyLink, agent: Any) -> None:
    callback_services.survey_submit(
        actor=agent,
        data=SurveyInput(
            type="sales",
            score=95,
            items={k[5:]: v for k, v in _answers("sales", 0).items() if k.startswith("item_")},
        ),
        callback=link.task,
    )
    response = Client().post(_url(link), _answers("sales", 2, "很差"))
    assert response.status_code == 409 and "回访专员已与您联系过" in response.content.decode()
    assert Survey.objects.filter(customer=link.task.customer).count() == 1


def test_second_survey_kept_when_the_setting_allows(link: SurveyLink, agent: Any, settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "ALLOW_SECOND_SURVEY": True}
    items = {k[5:]: v for k, v in _answers("sales", 0).items() if k.startswith("item_")}
    phone = callback_services.survey_submit(
        actor=agent, data=SurveyInput(type="sales", score=95, items=items), callback=link.task
    )
    response = Client().post(_url(link), _answers("sales", 6))
    assert response.status_code == 302
    second = Survey.objects.exclude(pk=phone.pk).get()
    assert second.callback is None and second.customer == link.task.customer and second.channel == "sms"
    assert second.score_used == 60 and second.classification == Classification.DISSATISFIED


def test_csrf_is_enforced_on_the_form(link: SurveyLink) -> None:
    response = Client(enforce_csrf_checks=True).post(_url(link), _answers("sales", 8))
    assert response.status_code == 403 and not Survey.objects.exists()


def test_burst_of_100_requests_on_one_token_is_refused_without_a_5xx(link: SurveyLink) -> None:
    client = Client()
    statuses = [client.get(_url(link)).status_code for _ in range(50)]
    statuses += [client.post(_url(link), {"score": "x"}).status_code for _ in range(50)]
    assert all(s < 500 for s in statuses)
    per_token = django_settings.SURVEYLINKS["RATE_PER_TOKEN"][0]
    assert statuses.count(429) == 100 - per_token
    assert statuses[per_token:] == [429] * (100 - per_token)
    assert not Survey.objects.exists()


def test_one_address_is_limited_over_many_tokens(settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "RATE_PER_ADDRESS": (5, 600)}
    client = Client(REMOTE_ADDR="10.1.2.3")
    statuses = [
        client.get(reverse("surveylinks:answer", args=[f"guess{i}:sig"])).status_code for i in range(8)
    ]
    assert statuses == [404] * 5 + [429] * 3
    assert Client(REMOTE_ADDR="10.9.9.9").get(reverse("surveylinks:answer", args=["g:s"])).status_code == 404


def test_every_invitation_and_answer_is_in_the_audit_history(link: SurveyLink) -> None:
    Client().post(_url(link), _answers("sales", 9))
    history = link.history.order_by("history_id")  # type: ignore[attr-defined]
    assert history.first().history_type == "+"
    assert history.last().answered_at is not None
    assert [e.action for e in link.events.order_by("id")] == ["created", "answered"]


def test_an_agent_cannot_record_a_link_channel_survey(store_a: Any, agent: Any, make_task: Any) -> None:
    from django.core.exceptions import ValidationError

    items = {k[5:]: v for k, v in _answers("sales", 0).items() if k.startswith("item_")}
    with pytest.raises(ValidationError):
        callback_services.survey_submit(
            actor=agent,
            data=SurveyInput(type="sales", channel="sms", score=90, items=items),
            callback=make_task(store_a),
        )
    assert not Survey.objects.exists()
