"""The staff side of survey links: the agent's click sends a link, the advisor's QR/WeChat page."""

from __future__ import annotations

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
