"""Staff revoke a survey link (issue #24 "the admin can revoke a link"): the customer-care manager or
an admin, from the call page or the queue, with a reason kept in the link's events and the audit
history; the customer then sees the polite "该调查链接已停用" page with the store's phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from surveylinks import services, tokens
from surveylinks.models import SendState, SurveyLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


@pytest.fixture
def task(store_a: Any, agent: Any, make_task: Any) -> Any:
    store_a.phone = "020-88886666"
    store_a.save()
    task = make_task(store_a)
    services.survey_link_invite(task=task, actor=agent)  # the invitation
    services.survey_link_invite(task=task, actor=agent)  # and the reminder: two live tokens
    return task


def _revoke(client: Client, task: Any, **data: str) -> Any:
    return client.post(reverse("surveylinks:revoke", args=[task.pk]), data)


def test_manager_revokes_from_the_call_page_and_the_customer_sees_the_polite_page(
    web: Any, ccm: Any, task: Any
) -> None:
    client = web(ccm)
    call = client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    assert 'data-testid="revoke-form"' in call
    response = _revoke(client, task, reason="客户来电表示不想再收到短信")
    assert response.status_code == 302 and response["Location"] == reverse("callbacks:call", args=[task.pk])
    links = list(SurveyLink.objects.filter(task=task))
    assert len(links) == 2 and all(link.revoked_at and link.revoked_by == ccm for link in links)
    assert all(link.send_state == SendState.SKIPPED for link in links)  # the queued SMS never leaves
    for link in links:
        # The link's events and its audit history both keep who and why.
        event = link.events.get(action="revoked")
        assert event.actor == ccm and event.note == "客户来电表示不想再收到短信"
        row = link.history.order_by("-history_id").first()  # type: ignore[attr-defined]
        assert row.revoked_at is not None and row.history_user == ccm
        assert row.history_change_reason == "客户来电表示不想再收到短信"
        page = Client().get(reverse("surveylinks:answer", args=[tokens.token_for(link.nonce)]))
        html = page.content.decode()
        assert page.status_code == 410 and "该调查链接已停用" in html and "020-88886666" in html
    # Nothing left to revoke: the form is gone from the page.
    assert (
        'data-testid="revoke-form"'
        not in client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    )


def test_manager_revokes_from_the_queue_and_returns_to_it(web: Any, ccm: Any, task: Any) -> None:
    client = web(ccm)
    queue = client.get(reverse("callbacks:index")).content.decode()
    assert f'data-testid="revoke-{task.pk}"' in queue
    response = _revoke(client, task, reason="号码错误", back="queue")
    assert response.status_code == 302 and response["Location"] == reverse("callbacks:index")
    assert not SurveyLink.objects.filter(task=task, revoked_at__isnull=True).exists()
    queue = client.get(reverse("callbacks:index")).content.decode()
    assert f'data-testid="revoke-{task.pk}"' not in queue and "链接已作废" in queue


def test_agents_do_not_see_or_use_the_button(web: Any, agent: Any, task: Any) -> None:
    client = web(agent)
    assert (
        'data-testid="revoke-form"'
        not in client.get(reverse("callbacks:call", args=[task.pk])).content.decode()
    )
    assert f'data-testid="revoke-{task.pk}"' not in client.get(reverse("callbacks:index")).content.decode()
    assert _revoke(client, task, reason="x").status_code == 403
    assert not SurveyLink.objects.filter(revoked_at__isnull=False).exists()


def test_another_stores_manager_gets_404(web: Any, other_agent: Any, other_store: Any, task: Any) -> None:
    from csat.models import Role
    from tests.factories import StaffFactory

    other_ccm = StaffFactory(
        role=Role.CUSTOMER_CARE_MANAGER, store=other_store, department=other_agent.profile.department
    )
    assert _revoke(web(other_ccm), task, reason="x").status_code == 404
    assert not SurveyLink.objects.filter(revoked_at__isnull=False).exists()


def test_superuser_may_revoke(web: Any, superuser: Any, task: Any) -> None:
    assert _revoke(web(superuser), task, reason="管理员停用").status_code == 302
    assert SurveyLink.objects.filter(task=task, revoked_by=superuser).count() == 2


def test_a_reason_is_required(web: Any, ccm: Any, task: Any) -> None:
    response = _revoke(web(ccm), task, reason="  ")
    assert response.status_code == 302
    assert not SurveyLink.objects.filter(revoked_at__isnull=False).exists()
    follow = web(ccm).get(response["Location"])
    assert follow.status_code == 200


def test_an_answered_link_cannot_be_revoked(
    web: Any, ccm: Any, store_a: Any, agent: Any, make_task: Any
) -> None:
    from callbacks.survey_items import items_for

    task = make_task(store_a)
    link = services.survey_link_invite(task=task, actor=agent)
    answers = {f"item_{i.key}": i.values[0] for i in items_for("sales") if i.mandatory}
    Client().post(
        reverse("surveylinks:answer", args=[tokens.token_for(link.nonce)]), {**answers, "score": "9"}
    )
    link.refresh_from_db()
    assert link.answered_at is not None
    assert _revoke(web(ccm), task, reason="晚了").status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_audit_log_shows_the_revocation_and_reason_but_never_the_token(ccm: Any, task: Any) -> None:
    from audit.selectors import audit_log

    services.survey_link_revoke_task(task=task, actor=ccm, reason="客户要求停止")
    entries = [
        e
        for e in audit_log(viewer=ccm, model_key="survey_link")
        if e.object_id in {link.pk for link in SurveyLink.objects.filter(task=task)}
    ]
    revoked = [e for e in entries if any(c.name == "revoked_at" for c in e.changes)]
    assert len(revoked) == 2 and all(e.reason == "客户要求停止" for e in revoked)
    shown = " ".join(f"{c.old} {c.new}" for e in entries for c in e.changes)
    for link in SurveyLink.objects.filter(task=task):
        assert link.nonce not in shown
