"""The automatic sends (the 5-minute sweep, the unreachable trigger) and the exactly-once SMS: an
automatic call only ever makes the invitation, two sweeps at once send one SMS, and a link whose
worker died mid-send is failed (the agent sees it) rather than left "sending" or sent twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import time_machine
from django.db import connection

from callbacks import services as callback_services
from callbacks.models import Outcome, TaskStatus
from csat.exceptions import ApplicationError
from surveylinks import services
from surveylinks.models import LinkKind, SendState, SurveyLink, SurveyLinkEvent, Trigger
from surveylinks.sms import SendResult, SmsMessage
from tests.fixtures import T0, at

pytestmark = pytest.mark.django_db


class Recorder:
    """A provider that accepts every message and remembers it."""

    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, message: SmsMessage) -> SendResult:
        self.sent.append(message.out_id)
        return SendResult(ok=True, message_id=f"m-{message.out_id}")


class WorkerKilled(BaseException):
    """The worker process dies (OOM, deploy) while the provider call is in flight."""


class Dying:
    name = "dying"

    def send(self, message: SmsMessage) -> SendResult:
        raise WorkerKilled


@pytest.fixture
def recorder(monkeypatch: Any) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(services, "_provider", lambda: recorder)
    return recorder


# --- Automatic calls make the invitation only --------------------------------------------------


@pytest.mark.parametrize("trigger", [Trigger.DELAY, Trigger.UNREACHABLE])
def test_an_automatic_call_on_a_task_with_a_link_makes_no_reminder(
    store_a: Any, agent: Any, make_task: Any, clock: Any, trigger: str
) -> None:
    task = make_task(store_a)
    services.survey_link_invite(task=task, actor=agent)
    with pytest.raises(ApplicationError, match="已有调查链接"):
        services.survey_link_invite(task=task.pk, actor=None, trigger=trigger)
    assert list(SurveyLink.objects.filter(task=task).values_list("kind", flat=True)) == [LinkKind.INVITATION]
    # The agent's own click still sends the one reminder.
    assert services.survey_link_invite(task=task, actor=agent).kind == LinkKind.REMINDER


def test_a_task_invited_by_the_sweep_that_becomes_unreachable_gets_no_second_sms(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    start = at(2026, 3, 11, 10, 0)
    with time_machine.travel(start, tick=False):  # a call is never dated before its task existed
        task = make_task(store_a, due_in=dt.timedelta(0))
        services.survey_link_invite(task=task.pk, actor=None, trigger=Trigger.DELAY)
    for day in range(3):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            callback_services.call_attempt_log(task=task, actor=agent, outcome=Outcome.NO_ANSWER)
    task.refresh_from_db()
    assert task.status == TaskStatus.UNREACHABLE
    assert list(SurveyLink.objects.filter(task=task).values_list("kind", "trigger")) == [
        (LinkKind.INVITATION, Trigger.DELAY)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_one_invitation(
    store_a: Any, make_task: Any, settings: Any, monkeypatch: Any, recorder: Recorder
) -> None:
    """Sweep A created the invitation but has not committed; sweep B listed the task as due too and
    waits on the task lock. B must then send nothing, not a "reminder" the same minute."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INVITE_AFTER_HOURS": 48}
    with time_machine.travel(T0 - dt.timedelta(days=3), tick=False):
        task = make_task(store_a, due_in=dt.timedelta(hours=1))
    real_event_write = services.event_write
    created, release = threading.Event(), threading.Event()
    first = threading.Lock()

    def event_write_then_hold(link: SurveyLink, action: str, **kwargs: Any) -> None:
        real_event_write(link, action, **kwargs)
        if action == "created" and first.acquire(blocking=False):
            created.set()  # sweep A holds the task lock, its invitation not yet committed
            release.wait(10)

    monkeypatch.setattr(services, "event_write", event_write_then_hold)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            services.send_due_links(now=T0)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(T0, tick=False):
        a = threading.Thread(target=sweep)
        a.start()
        assert created.wait(10)
        b = threading.Thread(target=sweep)
        b.start()
        _wait_for_a_lock_wait()  # B listed the task and waits on its lock
        release.set()
        a.join(30)
        b.join(30)
    assert errors == []
    assert list(SurveyLink.objects.filter(task=task).values_list("kind", "trigger", "send_state")) == [
        (LinkKind.INVITATION, Trigger.DELAY, SendState.SENT)
    ]
    assert len(recorder.sent) == 1


def _wait_for_a_lock_wait() -> None:
    with connection.cursor() as cursor:
        for _ in range(100):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("the second sweep never waited on the task lock")


# --- A worker dies mid-send --------------------------------------------------------------------


def _die_while_sending(link: SurveyLink) -> None:
    with pytest.raises(WorkerKilled):
        services.survey_link_send(link_id=link.pk, provider=Dying(), now=T0)
    link.refresh_from_db()
    assert link.send_state == SendState.SENDING


def test_a_link_whose_worker_died_mid_send_is_failed_and_never_sent_again(
    store_a: Any, agent: Any, make_task: Any, clock: Any, recorder: Recorder
) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    _die_while_sending(link)
    # A send that is merely slow is left alone.
    services.send_due_links(now=T0 + dt.timedelta(minutes=5))
    link.refresh_from_db()
    assert link.send_state == SendState.SENDING
    # Later the sweep gives up on it: failed, for the agent to see; the SMS may have left, so it is
    # not sent again (the providers do not deduplicate a repeated out_id).
    services.send_due_links(now=T0 + dt.timedelta(minutes=11))
    link.refresh_from_db()
    assert link.send_state == SendState.FAILED and link.send_error
    assert link.send_attempts == 1
    event = SurveyLinkEvent.objects.filter(link=link).order_by("pk").last()
    assert event is not None and event.action == "send_failed"
    # Later sweeps and a redelivered send task change nothing and send nothing.
    services.send_due_links(now=T0 + dt.timedelta(hours=1))
    services.survey_link_send(link_id=link.pk, now=T0 + dt.timedelta(hours=2))
    link.refresh_from_db()
    assert link.send_state == SendState.FAILED and recorder.sent == []


def test_a_link_the_customer_opened_while_its_send_was_cut_off_is_sent(
    store_a: Any, agent: Any, make_task: Any, clock: Any, recorder: Recorder
) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    _die_while_sending(link)
    services.survey_link_open(link=link, now=T0 + dt.timedelta(minutes=1))
    assert services.reclaim_stale_sending(now=T0 + dt.timedelta(minutes=12)) == [link.pk]
    link.refresh_from_db()
    assert link.send_state == SendState.SENT and recorder.sent == []


def test_stale_sends_are_reclaimed_in_the_quiet_hours_too(
    store_a: Any, agent: Any, make_task: Any, clock: Any, recorder: Recorder
) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    _die_while_sending(link)
    services.send_due_links(now=at(2026, 3, 11, 22, 0))
    link.refresh_from_db()
    assert link.send_state == SendState.FAILED and recorder.sent == []


# --- The SMS provider out of reach for a while ---------------------------------------------------


class Gateway:
    """An SMS gateway that refuses connections while ``down`` (what the adapters report then: the
    request never reached it) and accepts every message otherwise."""

    name = "aliyun"

    def __init__(self) -> None:
        self.down = True
        self.calls = 0
        self.sent: list[str] = []

    def send(self, message: SmsMessage) -> SendResult:
        self.calls += 1
        if self.down:
            return SendResult(
                ok=False,
                retryable=True,
                never_reached=True,
                error="0  <urlopen error [Errno 111] Connection refused>",
            )
        self.sent.append(message.out_id)
        return SendResult(ok=True, message_id=f"m-{message.out_id}")


@pytest.fixture
def gateway(monkeypatch: Any) -> Gateway:
    gateway = Gateway()
    monkeypatch.setattr(services, "_provider", lambda: gateway)
    return gateway


def test_links_due_in_a_short_gateway_outage_are_sent_once_when_it_is_back(
    store_a: Any, make_task: Any, settings: Any, gateway: Gateway
) -> None:
    """The gateway refuses connections from 10:00 to 10:10: the automatic invitations of 10:00 failed
    for good (and the trigger never makes a second one). Now they wait in the queue (5, then 15
    minutes) and each customer gets one SMS at 10:20."""
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INVITE_AFTER_HOURS": 48}
    with time_machine.travel(T0 - dt.timedelta(days=3), tick=False):
        tasks = [make_task(store_a, due_in=dt.timedelta(hours=1)) for _ in range(3)]
    for minutes in range(0, 65, 5):  # beat's sweep every 5 minutes
        now = T0 + dt.timedelta(minutes=minutes)
        gateway.down = now < T0 + dt.timedelta(minutes=10)
        with time_machine.travel(now, tick=False):
            services.send_due_links(now=now)
        if minutes == 5:
            assert set(SurveyLink.objects.values_list("send_state", "send_retries")) == {
                (SendState.QUEUED, 2)
            }
            # One link per sweep asks the gateway (twice, at once); the others wait without a call:
            # a gateway whose connect times out would hold the sweep 10 s per link.
            assert gateway.calls == 2 * 2
    links = SurveyLink.objects.filter(task__in=tasks)
    assert [(link.kind, link.send_state) for link in links] == [(LinkKind.INVITATION, SendState.SENT)] * 3
    assert sorted(gateway.sent) == sorted(f"surveylink-{link.pk}" for link in links)  # one SMS each
    assert {link.sent_at for link in links} == {T0 + dt.timedelta(minutes=20)}
    assert {link.send_error for link in links} == {""}


@pytest.mark.parametrize(("expiry_days", "retries"), [(7, 8), (1, 7)])
def test_a_gateway_that_stays_out_of_reach_fails_the_link_after_about_a_day(
    store_a: Any,
    agent: Any,
    make_task: Any,
    clock: Any,
    settings: Any,
    gateway: Gateway,
    web: Any,
    expiry_days: int,
    retries: int,
) -> None:
    """Retries back off (5, 15, 30, 60, 120, 240, 480, 480 minutes); one due in the quiet hours waits
    for 08:00; the last one (or the last before the link expires) fails the link, and the agent reads
    why on the call page."""
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "EXPIRY_DAYS": expiry_days}
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    now, due_times = T0, []
    for _ in range(20):
        services.send_due_links(now=now)
        link.refresh_from_db()
        if link.send_state != SendState.QUEUED:
            break
        due_times.append(link.send_after)
        now = link.send_after
    expected = [
        at(2026, 3, 11, 10, 5),
        at(2026, 3, 11, 10, 20),
        at(2026, 3, 11, 10, 50),
        at(2026, 3, 11, 11, 50),
        at(2026, 3, 11, 13, 50),
        at(2026, 3, 11, 17, 50),
        at(2026, 3, 12, 8, 0),  # 01:50 is in the quiet hours
        at(2026, 3, 12, 16, 0),
    ]
    assert due_times == expected[:retries]
    assert link.send_state == SendState.FAILED and link.send_retries == retries
    assert gateway.calls == 2 * (retries + 1) and gateway.sent == []
    assert "Connection refused" in link.send_error
    page = web(agent).get(f"/callbacks/{link.task_id}/").content.decode()
    error = page.split('data-testid="send-error"')[1].split("</span>")[0]
    assert f"自动重试 {retries} 次后仍未发出" in error and "Connection refused" in error
