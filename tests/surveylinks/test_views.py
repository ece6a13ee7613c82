"""The staff side of survey links: the agent's click sends a link, the advisor's QR/WeChat page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from surveylinks.models import LinkChannel, LinkKind, SurveyLink

pytestmark = pytest.mark.django_db


def test_agent_click_sends_an_sms_link(
    web: Any, agent: Any, store_a: Any, make_task: Any, clock: Any
) -> None:
    task = make_task(store_a)
    response = web(agent).post(reverse("surveylinks:invite", args=[task.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("callbacks:call", args=[task.pk])
    link = SurveyLink.objects.get(task=task)
    assert link.kind == LinkKind.INVITATION and link.channel == LinkChannel.SMS and link.created_by == agent


def test_wechat_link_opens_the_qr_page(web: Any, agent: Any, store_a: Any, make_task: Any) -> None:
    task = make_task(store_a)
    response = web(agent).post(
        reverse("surveylinks:invite", args=[task.pk]), {"channel": "wechat"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'src="data:image/svg+xml' in html
    link = SurveyLink.objects.get(task=task)
    assert link.nonce in html and "回复 TD 退订" in html


def test_other_roles_and_stores_cannot_send(
    web: Any, sales_mgr: Any, other_agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    assert web(sales_mgr).post(reverse("surveylinks:invite", args=[task.pk])).status_code == 403
    assert web(other_agent).post(reverse("surveylinks:invite", args=[task.pk])).status_code == 404
    assert not SurveyLink.objects.exists()


def test_a_refused_invitation_says_why_and_changes_nothing(
    web: Any, agent: Any, store_a: Any, make_task: Any
) -> None:
    task = make_task(store_a)
    task.customer.do_not_contact, task.customer.do_not_contact_reason = True, "客户要求"
    task.customer.save()
    response = web(agent).post(reverse("surveylinks:invite", args=[task.pk]), follow=True)
    assert "勿扰" in response.content.decode() and not SurveyLink.objects.exists()


def test_queue_and_call_page_show_invited_opened_answered(
    web: Any, agent: Any, store_a: Any, make_task: Any
) -> None:
    from django.test import Client

    from surveylinks import services, tokens

    task = make_task(store_a)
    client = web(agent)
    assert "已发送调查链接" not in client.get(reverse("callbacks:index")).content.decode()
    link = services.survey_link_invite(task=task, actor=agent)
    assert "已发送调查链接" in client.get(reverse("callbacks:index")).content.decode()
    call = client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    assert 'data-testid="survey-links"' in call and "已发送调查链接" in call and "发送提醒短信" in call
    Client().get(reverse("surveylinks:answer", args=[tokens.token_for(link.nonce)]))
    assert "客户已打开链接" in client.get(reverse("callbacks:index")).content.decode()
    link.refresh_from_db()
    link.answered_at = link.opened_at
    link.save(update_fields=["answered_at"])
    assert "客户已自助作答" in client.get(reverse("callbacks:call", args=[task.pk])).content.decode()


def test_agent_click_with_the_broker_down_says_queued_and_the_sweep_sends_one_sms(
    web: Any,
    agent: Any,
    store_a: Any,
    make_task: Any,
    clock: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Redis refused: the click said 系统出错 (500) though the link was saved; the agent clicked again
    and a reminder was saved too, so the sweep sent the customer two SMS. Now the click succeeds,
    the link waits in the database, and the 5-minute sweep sends it once."""
    from kombu.exceptions import OperationalError

    from surveylinks import services
    from surveylinks.models import SendState
    from surveylinks.tasks import send_survey_link
    from tests.fixtures import T0
    from tests.surveylinks.test_sweeps import Recorder

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_survey_link, "delay", refused)
    task = make_task(store_a)
    client = web(agent)
    with django_capture_on_commit_callbacks(execute=True):  # the after-commit queueing, as in a request
        response = client.post(reverse("surveylinks:invite", args=[task.pk]), follow=True)
    assert response.status_code == 200
    assert "调查链接已生成，短信将发送给客户。" in response.content.decode()
    link = SurveyLink.objects.get(task=task)
    assert link.send_state == SendState.QUEUED
    recorder = Recorder()
    monkeypatch.setattr(services, "_provider", lambda: recorder)
    services.send_due_links(now=T0 + dt.timedelta(minutes=5))
    services.send_due_links(now=T0 + dt.timedelta(minutes=10))
    assert recorder.sent == [f"surveylink-{link.pk}"]
    assert list(SurveyLink.objects.filter(task=task).values_list("kind", "send_state")) == [
        (LinkKind.INVITATION, SendState.SENT)
    ]


def _retrying_link(agent: Any, task: Any) -> SurveyLink:
    from surveylinks import services
    from tests.surveylinks.test_sweeps import Gateway

    link = services.survey_link_invite(task=task, actor=agent)
    return services.survey_link_send(link_id=link.pk, provider=Gateway())


def test_call_page_says_a_link_is_retried_and_when(
    web: Any, agent: Any, store_a: Any, make_task: Any, clock: Any
) -> None:
    task = make_task(store_a)
    _retrying_link(agent, task)
    page = web(agent).get(reverse("callbacks:call", args=[task.pk])).content.decode()
    retry = page.split('data-testid="send-retry"')[1].split("</span>")[0]
    assert "短信平台暂时无法连接，将于 03-11 10:05 第 1 次自动重试" in retry and "Connection refused" in retry
    assert "待发送" in page and 'data-testid="send-error"' not in page


def test_call_page_in_english_says_a_link_is_retried_and_when(
    agent: Any, store_a: Any, make_task: Any, clock: Any
) -> None:
    from tests.i18n.test_english_pages import data_values, english_client, leftovers, punctuation_leftovers

    task = make_task(store_a)
    link = _retrying_link(agent, task)
    client = english_client(agent)
    page = client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    retry = page.split('data-testid="send-retry"')[1].split("</span>")[0]
    assert "SMS provider out of reach; automatic retry 1 at 03-11 10:05:" in retry
    # Given up: the failure says after how many retries.
    SurveyLink.objects.filter(pk=link.pk).update(send_state="failed", send_retries=8)
    page = client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    error = page.split('data-testid="send-error"')[1].split("</span>")[0]
    assert "not sent after 8 automatic retries:" in error
    data = data_values()
    links = page.split('data-testid="survey-links"')[1].split("</ul>")[0]
    assert leftovers(links, data) == [] and punctuation_leftovers(links, data) == []
