"""Invitations (issue #24): one invitation and one reminder per task, do-not-contact and the
“回复 TD 退订” opt-out respected, no SMS in the quiet hours 21:00–08:00 Asia/Shanghai, links created
by the agent, when a task becomes unreachable, and after the delay; the token is signed, not an id."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction

from callbacks import services as callback_services
from callbacks.models import Outcome, TaskStatus
from csat.exceptions import ApplicationError, NotAllowedError
from surveylinks import quiet, services, tokens
from surveylinks.models import LinkChannel, LinkKind, SendState, SmsOptOut, SurveyLink, Trigger
from tests.fixtures import at

pytestmark = pytest.mark.django_db


def test_invitation_then_one_reminder_then_refused(
    store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    task = make_task(store_a)
    first = services.survey_link_invite(task=task, actor=agent)
    second = services.survey_link_invite(task=task, actor=agent)
    assert (first.kind, second.kind) == (LinkKind.INVITATION, LinkKind.REMINDER)
    with pytest.raises(ApplicationError, match="一次邀请和一次提醒"):
        services.survey_link_invite(task=task, actor=agent)
    assert SurveyLink.objects.filter(task=task).count() == 2


def test_link_expires_after_the_setting(
    store_a: Any, agent: Any, make_task: Any, clock: Any, settings: Any
) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "EXPIRY_DAYS": 3}
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    assert link.expires_at == at(2026, 3, 14, 10, 0)


def test_one_link_per_task_and_kind_is_a_database_constraint(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyLink.objects.create(
            store=store_a,
            task=link.task,
            kind=LinkKind.INVITATION,
            channel=LinkChannel.SMS,
            trigger=Trigger.AGENT,
            nonce=tokens.new_nonce(),
            expires_at=link.expires_at,
        )


def test_only_customer_care_invites(store_a: Any, sales_mgr: Any, other_agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    with pytest.raises(NotAllowedError):
        services.survey_link_invite(task=task, actor=sales_mgr)
    with pytest.raises(NotAllowedError):
        services.survey_link_invite(task=task, actor=other_agent)
    assert not SurveyLink.objects.exists()


def test_do_not_contact_customer_gets_no_link(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    task.customer.do_not_contact, task.customer.do_not_contact_reason = True, "客户要求"
    task.customer.save()
    with pytest.raises(ApplicationError, match="勿扰"):
        services.survey_link_invite(task=task, actor=agent)
    assert not SurveyLink.objects.exists()


def test_reply_td_opts_out_and_no_sms_follows(store_a: Any, agent: Any, make_task: Any, clock: Any) -> None:
    """回复 TD 退订: a reply “TD” records the opt-out; no SMS link is created or sent afterwards."""
    task = make_task(store_a)
    queued = services.survey_link_invite(task=task, actor=agent)
    assert not services.sms_opt_out_record(mobile=task.customer.mobile, text="好的")
    assert services.sms_opt_out_record(mobile=f"+86 {task.customer.mobile}", text=" td ")
    assert SmsOptOut.objects.filter(mobile=task.customer.mobile).exists()
    # The link queued before the reply is skipped at send time.
    assert services.survey_link_send(link_id=queued.pk).send_state == SendState.SKIPPED
    with pytest.raises(ApplicationError, match="退订"):
        services.survey_link_invite(task=task, actor=agent)
    # The advisor may still show the QR code at handover (nothing is sent).
    wechat = services.survey_link_invite(task=task, actor=agent, channel=LinkChannel.WECHAT)
    assert wechat.send_state == SendState.NOT_SENT


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 3, 11, 20, 59), at(2026, 3, 11, 20, 59)),
        (at(2026, 3, 11, 21, 0), at(2026, 3, 12, 8, 0)),
        (at(2026, 3, 11, 23, 30), at(2026, 3, 12, 8, 0)),
        (at(2026, 3, 12, 0, 10), at(2026, 3, 12, 8, 0)),
        (at(2026, 3, 12, 7, 59), at(2026, 3, 12, 8, 0)),
        (at(2026, 3, 12, 8, 0), at(2026, 3, 12, 8, 0)),
    ],
)
def test_quiet_hours_no_sms_from_21_to_8_shanghai(now: dt.datetime, expected: dt.datetime) -> None:
    assert quiet.next_send_time(now) == expected
    # The same moment expressed in UTC gives the same answer.
    assert quiet.next_send_time(now.astimezone(dt.UTC)) == expected


def test_link_made_at_night_is_sent_at_eight(store_a: Any, agent: Any, make_task: Any, settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INVITE_AFTER_HOURS": 0}
    task = make_task(store_a)
    with time_machine.travel(at(2026, 3, 11, 22, 15), tick=False):
        link = services.survey_link_invite(task=task, actor=agent)
    assert link.send_state == SendState.QUEUED and link.send_after == at(2026, 3, 12, 8, 0)
    with time_machine.travel(at(2026, 3, 12, 7, 55), tick=False):
        assert services.send_due_links() == 0
        # Even a direct send waits for the quiet hours to end.
        assert services.survey_link_send(link_id=link.pk).send_state == SendState.QUEUED
    with time_machine.travel(at(2026, 3, 12, 8, 5), tick=False):
        assert services.send_due_links() == 1
        assert services.send_due_links() == 0  # run twice: sent once
    link.refresh_from_db()
    assert link.send_state == SendState.SENT and link.sent_at == at(2026, 3, 12, 8, 5)


def test_unreachable_task_gets_an_sms_link(store_a: Any, agent: Any, make_task: Any) -> None:
    start = at(2026, 3, 11, 10, 0)
    with time_machine.travel(start, tick=False):  # a call is never dated before its task existed
        task = make_task(store_a, due_in=dt.timedelta(0))
    for day in range(3):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            callback_services.call_attempt_log(task=task, actor=agent, outcome=Outcome.NO_ANSWER)
    task.refresh_from_db()
    assert task.status == TaskStatus.UNREACHABLE
    link = SurveyLink.objects.get(task=task)
    assert (
        link.trigger == Trigger.UNREACHABLE and link.kind == LinkKind.INVITATION and link.created_by is None
    )


def test_wrong_number_gets_no_link(store_a: Any, agent: Any, make_task: Any, clock: Any) -> None:
    task = make_task(store_a)
    callback_services.call_attempt_log(task=task, actor=agent, outcome=Outcome.WRONG_NUMBER)
    assert not SurveyLink.objects.filter(task=task).exists()


def test_open_task_gets_a_link_after_the_delay(store_a: Any, make_task: Any, settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INVITE_AFTER_HOURS": 48}
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False):
        task = make_task(store_a, due_in=dt.timedelta(hours=1))
    with time_machine.travel(at(2026, 3, 11, 9, 0), tick=False):  # 47 hours
        services.send_due_links()
        assert not SurveyLink.objects.exists()
    with time_machine.travel(at(2026, 3, 11, 10, 5), tick=False):
        services.send_due_links()
        services.send_due_links()
    link = SurveyLink.objects.get(task=task)
    assert link.trigger == Trigger.DELAY and link.send_state == SendState.SENT


def test_token_is_signed_and_not_an_id(store_a: Any, agent: Any, make_task: Any) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    token = tokens.token_for(link.nonce)
    assert tokens.nonce_from(token) == link.nonce
    assert str(link.pk) != token.split(":")[0] and len(link.nonce) >= 24
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert tokens.nonce_from(tampered) is None
    assert tokens.nonce_from(f"{link.pk}:{token.split(':')[1]}") is None
    assert services.share_text(link).startswith(
        f"【{store_a.name}】"
    ) and "回复 TD 退订" in services.share_text(link)


def test_revoke_by_manager_only(store_a: Any, agent: Any, ccm: Any, make_task: Any) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    with pytest.raises(NotAllowedError):
        services.survey_link_revoke(link=link, actor=agent)
    revoked = services.survey_link_revoke(link=link, actor=ccm, reason="客户投诉骚扰")
    assert revoked.revoked_at is not None and revoked.send_state == SendState.SKIPPED
    assert revoked.events.filter(action="revoked", actor=ccm).exists()
