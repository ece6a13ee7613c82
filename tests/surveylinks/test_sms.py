"""SMS adapters against a local fake provider: the request each provider documents (signature,
signature name of the store, template parameters), one retry on a provider error, never two sends."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client

from surveylinks import services
from surveylinks.models import SendState, SurveyLinkEvent
from surveylinks.sms import AliyunSms, SmsMessage, TencentSms
from tests.fixtures import T0
from tests.surveylinks.conftest import FakeProvider

pytestmark = pytest.mark.django_db

MESSAGE = SmsMessage(
    mobile="13800138000",
    sign_name="广州骏达汽车",
    template_code="SMS_123",
    params={"store": "广州骏达汽车", "model": "CX-5", "url": "https://x.test/s/abc:def/"},
    out_id="surveylink-7",
)


def _aliyun(fake: FakeProvider) -> AliyunSms:
    return AliyunSms(endpoint=fake.url, access_key_id="AKID", access_key_secret="SECRET")


def _tencent(fake: FakeProvider) -> TencentSms:
    return TencentSms(endpoint=fake.url, secret_id="SID", secret_key="SKEY", sdk_app_id="1400000000")


def _form(request: dict[str, Any]) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request["body"].decode(), keep_blank_values=True))


def _aliyun_expected_signature(params: dict[str, str], secret: str) -> str:
    """Recomputed here from Alibaba Cloud's RPC signature rules, independently of the adapter."""

    def enc(v: str) -> str:
        return urllib.parse.quote(v, safe="").replace("%7E", "~")

    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = "POST&%2F&" + enc(query)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def test_aliyun_request_is_signed_and_carries_the_store_signature_and_params(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.default = (200, {"Code": "OK", "BizId": "900^1", "RequestId": "r1"})
    result = _aliyun(fake_provider).send(MESSAGE)
    assert result.ok and result.message_id == "900^1"
    (request,) = fake_provider.requests
    form = _form(request)
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25"
    assert form["PhoneNumbers"] == "13800138000"
    assert form["SignName"] == "广州骏达汽车"
    assert form["TemplateCode"] == "SMS_123"
    assert json.loads(form["TemplateParam"]) == MESSAGE.params
    assert form["OutId"] == "surveylink-7"
    assert form["AccessKeyId"] == "AKID" and form["SignatureMethod"] == "HMAC-SHA1"
    assert form["Signature"] == _aliyun_expected_signature(form, "SECRET")


def test_tencent_request_is_tc3_signed_with_ordered_template_params(fake_provider: FakeProvider) -> None:
    fake_provider.default = (
        200,
        {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "2019:1"}], "RequestId": "r"}},
    )
    result = _tencent(fake_provider).send(MESSAGE)
    assert result.ok and result.message_id == "2019:1"
    (request,) = fake_provider.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = json.loads(request["body"])
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert body["SignName"] == "广州骏达汽车" and body["TemplateId"] == "SMS_123"
    assert body["TemplateParamSet"] == ["广州骏达汽车", "CX-5", "https://x.test/s/abc:def/"]
    assert body["SmsSdkAppId"] == "1400000000" and body["SessionContext"] == "surveylink-7"
    # Recompute the TC3-HMAC-SHA256 signature from the request as received.
    ts = int(headers["x-tc-timestamp"])
    date = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")
    host = headers["host"]
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{headers['content-type']}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(request["body"]).hexdigest(),
        ]
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = hmac.new(b"TC3SKEY", date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"sms", hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential=SID/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )


def test_tencent_error_response_is_retryable_when_internal(fake_provider: FakeProvider) -> None:
    fake_provider.default = (200, {"Response": {"Error": {"Code": "InternalError.Timeout", "Message": "x"}}})
    result = _tencent(fake_provider).send(MESSAGE)
    assert not result.ok and result.retryable


def test_send_retries_once_on_a_provider_error_and_never_sends_twice(
    fake_provider: FakeProvider, store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    fake_provider.responses = [(500, {"Code": "isp.SYSTEM_ERROR"})]
    fake_provider.default = (200, {"Code": "OK", "BizId": "b-1"})
    task = make_task(store_a)
    link = services.survey_link_invite(task=task, actor=agent)
    provider = _aliyun(fake_provider)
    sent = services.survey_link_send(link_id=link.pk, provider=provider)
    assert sent.send_state == SendState.SENT and sent.send_attempts == 2
    assert sent.provider_message_id == "b-1" and sent.provider == "aliyun"
    assert len(fake_provider.requests) == 2
    # Both tries carry the same OutId (the provider can tell them apart from two messages).
    assert {_form(r)["OutId"] for r in fake_provider.requests} == {f"surveylink-{link.pk}"}
    assert _form(fake_provider.requests[0])["SignName"] == store_a.name
    params = json.loads(_form(fake_provider.requests[0])["TemplateParam"])
    assert params["store"] == store_a.name and f"/s/{link.nonce}:" in params["url"]
    # The task runs again (a redelivery): the stored state says sent, nothing leaves.
    services.survey_link_send(link_id=link.pk, provider=provider)
    assert len(fake_provider.requests) == 2
    assert SurveyLinkEvent.objects.filter(link=link, action="sent").count() == 1


def test_two_provider_errors_fail_the_send_after_one_retry(
    fake_provider: FakeProvider, store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    fake_provider.default = (503, {"Code": "isp.SYSTEM_ERROR"})
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    failed = services.survey_link_send(link_id=link.pk, provider=_aliyun(fake_provider))
    assert failed.send_state == SendState.FAILED and failed.send_attempts == 2
    assert len(fake_provider.requests) == 2 and "503" in failed.send_error


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_timeout_is_not_retried_and_says_so(
    fake_provider: FakeProvider,
    store_a: Any,
    agent: Any,
    make_task: Any,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    """No answer in time: the provider may have sent it, so a second try could be the customer's
    second SMS (Alibaba: SendSms is not idempotent). One request; the link fails saying why."""
    from surveylinks import sms

    monkeypatch.setattr(sms, "TIMEOUT_SECONDS", 0.3)
    fake_provider.delay = 1.0
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    client = _aliyun(fake_provider) if provider == "aliyun" else _tencent(fake_provider)
    failed = services.survey_link_send(link_id=link.pk, provider=client)
    assert failed.send_state == SendState.FAILED and failed.send_attempts == 1
    assert len(fake_provider.requests) == 1
    assert "timeout" in failed.send_error
    # Nor later: the request went out, so it is no "never reached" for the sweep to try again.
    assert failed.send_retries == 0
    services.send_due_links(now=T0 + dt.timedelta(hours=1))
    assert len(fake_provider.requests) == 1


def _dead_port() -> int:
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _port_that_never_accepts() -> Iterator[int]:
    """A listener whose accept queue is full: a new connection's SYN is dropped, so connecting
    times out (a provider behind a black-holed route) and no byte of the request leaves."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = int(server.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_a_provider_out_of_reach_is_tried_again_and_then_later(
    store_a: Any, agent: Any, make_task: Any, clock: Any, fake_provider: FakeProvider
) -> None:
    """Refused before any byte reached the provider (nothing listens): safe to try once more at
    once, and, still refused, the link goes back to the queue for 5 minutes later (it failed for
    good, and the sweep never sent it when the provider was back)."""
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    dead = AliyunSms(access_key_id="k", access_key_secret="s", endpoint=f"http://127.0.0.1:{_dead_port()}/")
    queued = services.survey_link_send(link_id=link.pk, provider=dead)
    assert queued.send_state == SendState.QUEUED and queued.send_attempts == 2
    assert queued.send_retries == 1 and queued.send_after == T0 + dt.timedelta(minutes=5)
    assert "Connection refused" in queued.send_error
    assert SurveyLinkEvent.objects.filter(link=link, action="send_retry").count() == 1
    # A redelivered send task before the retry is due sends nothing.
    fake_provider.default = (200, {"Code": "OK", "BizId": "b-1"})
    back = _aliyun(fake_provider)
    services.survey_link_send(link_id=link.pk, provider=back, now=T0 + dt.timedelta(minutes=4))
    assert fake_provider.requests == []
    sent = services.survey_link_send(link_id=link.pk, provider=back, now=T0 + dt.timedelta(minutes=5))
    assert sent.send_state == SendState.SENT and sent.send_error == "" and len(fake_provider.requests) == 1


def test_a_connect_timeout_reached_nobody_and_is_tried_later(
    store_a: Any, agent: Any, make_task: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that was never made (connect timeout) sent no request: unlike a timeout while
    waiting for the answer, the link is queued again rather than failed."""
    from surveylinks import sms

    monkeypatch.setattr(sms, "TIMEOUT_SECONDS", 0.3)
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    with _port_that_never_accepts() as port:
        silent = AliyunSms(access_key_id="k", access_key_secret="s", endpoint=f"http://127.0.0.1:{port}/")
        queued = services.survey_link_send(link_id=link.pk, provider=silent)
    assert queued.send_state == SendState.QUEUED and queued.send_retries == 1
    assert queued.send_error.startswith("0 ")  # never reached, whatever the OS said


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_an_unreadable_answer_is_not_sent_again(
    fake_provider: FakeProvider, store_a: Any, agent: Any, make_task: Any, clock: Any, provider: str
) -> None:
    """The provider answered (a proxy's HTML page instead of JSON): it may have sent the SMS, so the
    answer is no "never reached" — no second request now, none later; the link fails saying so."""
    fake_provider.raw = b"<html>502 Bad Gateway</html>"
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    client = _aliyun(fake_provider) if provider == "aliyun" else _tencent(fake_provider)
    failed = services.survey_link_send(link_id=link.pk, provider=client)
    assert failed.send_state == SendState.FAILED and "unreadable answer" in failed.send_error
    services.send_due_links(now=T0 + dt.timedelta(hours=1))
    assert len(fake_provider.requests) == 1


def test_a_permanent_refusal_is_not_retried(
    fake_provider: FakeProvider, store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    fake_provider.default = (400, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad"})
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    failed = services.survey_link_send(link_id=link.pk, provider=_aliyun(fake_provider))
    assert failed.send_state == SendState.FAILED and len(fake_provider.requests) == 1
    # The agent reads why on the call page (it said "发送失败" alone), so they can fix the number.
    client = Client()
    client.force_login(agent)
    page = client.get(f"/callbacks/{link.task_id}/").content.decode()
    assert "发送失败" in page
    assert "isv.MOBILE_NUMBER_ILLEGAL" in page.split('data-testid="send-error"')[1].split("</span>")[0]


def test_a_link_being_sent_elsewhere_is_not_sent_again(
    fake_provider: FakeProvider, store_a: Any, agent: Any, make_task: Any, clock: Any
) -> None:
    link = services.survey_link_invite(task=make_task(store_a), actor=agent)
    link.send_state = SendState.SENDING  # another worker holds it
    link.save(update_fields=["send_state"])
    services.survey_link_send(link_id=link.pk, provider=_aliyun(fake_provider))
    assert fake_provider.requests == []
