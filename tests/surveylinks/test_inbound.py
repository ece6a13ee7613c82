"""The SMS reply webhook (issue #24 "回复 TD 退订"): Alibaba Cloud's upstream push and Tencent Cloud's
reply callback, each in its own format, opt the number out; a bad or missing shared secret is 403 and
records nothing; the webhook is the only CSRF-exempt view."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver, reverse

from surveylinks import services
from surveylinks.models import SendState, SmsOptOut

pytestmark = pytest.mark.django_db

SECRET = "s3cret-of-the-webhook"

ALIYUN_PUSH = [
    {
        "phone_number": "13912345678",
        "send_time": "2026-03-11 10:00:00",
        "content": "TD",
        "sign_name": "广州天河店",
        "dest_code": "1234",
        "sequence_id": 1234567890,
    },
    {
        "phone_number": "8613800001111",
        "send_time": "2026-03-11 10:00:05",
        "content": "谢谢，车很好",
        "sign_name": "广州天河店",
        "dest_code": "1234",
        "sequence_id": 1234567891,
    },
]
TENCENT_REPLY = {
    "extend": "",
    "mobile": "13987654321",
    "nationcode": "86",
    "sign": "广州天河店",
    "text": "退订",
    "time": 1773194400,
}


@pytest.fixture(autouse=True)
def _webhook(settings: Any) -> None:
    cache.clear()
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INBOUND_SECRET": SECRET, "INBOUND_AUTH": "token"}


def _post(provider: str, payload: Any, *, token: str = SECRET, **headers: Any) -> Any:
    url = reverse("surveylinks:sms-inbound", args=[provider])
    query = f"?token={token}" if token else ""
    return Client(enforce_csrf_checks=True).post(
        url + query, json.dumps(payload, ensure_ascii=False), content_type="application/json", **headers
    )


def test_aliyun_push_opts_out_the_td_reply_only_and_answers_in_aliyun_format() -> None:
    response = _post("aliyun", ALIYUN_PUSH)
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "接收成功"}
    assert list(SmsOptOut.objects.values_list("mobile", flat=True)) == ["13912345678"]
    assert SmsOptOut.objects.get().source == "aliyun 上行回复"


def test_tencent_reply_opts_out_and_answers_in_tencent_format() -> None:
    response = _post("tencent", TENCENT_REPLY)
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}
    assert SmsOptOut.objects.filter(mobile="13987654321").exists()


def test_a_reply_from_abroad_is_not_a_customers_number() -> None:
    _post("tencent", {**TENCENT_REPLY, "nationcode": "852", "mobile": "91234567"})
    assert not SmsOptOut.objects.exists()


@pytest.mark.parametrize("word", ["td", " TD ", "ＴＤ", "退订", "T", "N"])
def test_opt_out_words(word: str) -> None:
    _post("tencent", {**TENCENT_REPLY, "text": word})
    assert SmsOptOut.objects.filter(mobile="13987654321").exists()


@pytest.mark.parametrize("provider,payload", [("aliyun", ALIYUN_PUSH), ("tencent", TENCENT_REPLY)])
@pytest.mark.parametrize("token", ["", "wrong", SECRET + "x"])
def test_a_bad_secret_is_403_and_records_nothing(provider: str, payload: Any, token: str) -> None:
    response = _post(provider, payload, token=token)
    assert response.status_code == 403 and not SmsOptOut.objects.exists()


def test_no_secret_configured_refuses_everything(settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INBOUND_SECRET": ""}
    assert _post("tencent", TENCENT_REPLY, token="").status_code == 403
    assert not SmsOptOut.objects.exists()


def test_hmac_mode_checks_the_body_signature(settings: Any) -> None:
    settings.SURVEYLINKS = {**settings.SURVEYLINKS, "INBOUND_AUTH": "hmac"}
    body = json.dumps(TENCENT_REPLY, ensure_ascii=False).encode()
    good = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    url = reverse("surveylinks:sms-inbound", args=["tencent"])
    client = Client(enforce_csrf_checks=True)
    # The URL token is not enough in hmac mode; a signature over another body fails too.
    assert client.post(f"{url}?token={SECRET}", body, content_type="application/json").status_code == 403
    tampered = body.replace(b"13987654321", b"13900000000")
    assert (
        client.post(url, tampered, content_type="application/json", HTTP_X_CSAT_SIGNATURE=good).status_code
        == 403
    )
    assert not SmsOptOut.objects.exists()
    assert (
        client.post(url, body, content_type="application/json", HTTP_X_CSAT_SIGNATURE=good).status_code == 200
    )
    assert SmsOptOut.objects.filter(mobile="13987654321").exists()


@pytest.mark.parametrize("body", [b"not json", b'{"foo": 1}', b"[1, 2]", b'"TD"'])
def test_a_body_not_in_the_providers_format_is_400(body: bytes) -> None:
    url = reverse("surveylinks:sms-inbound", args=["aliyun"]) + f"?token={SECRET}"
    response = Client().post(url, body, content_type="application/json")
    assert response.status_code == 400 and not SmsOptOut.objects.exists()


def test_unknown_provider_is_404_and_get_is_405() -> None:
    assert _post("huawei", TENCENT_REPLY).status_code == 404
    assert Client().get(reverse("surveylinks:sms-inbound", args=["tencent"])).status_code == 405


def test_an_opted_out_number_gets_no_queued_sms(clock: Any, store_a: Any, agent: Any, make_task: Any) -> None:
    # At T0 (10:00 in Shanghai): an invitation made in the evening would wait for the morning and
    # stay queued whatever the opt-out, so the test would depend on the hour it runs at.
    task = make_task(store_a)
    link = services.survey_link_invite(task=task, actor=agent)
    assert link.send_state == SendState.QUEUED
    _post("tencent", {**TENCENT_REPLY, "mobile": task.customer.mobile, "text": "TD"})
    sent = services.survey_link_send(link_id=link.pk)
    assert sent.send_state == SendState.SKIPPED


def test_the_webhook_is_the_only_csrf_exempt_view() -> None:
    exempt = []

    def walk(patterns: Any, prefix: str = "") -> None:
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif getattr(p.callback, "csrf_exempt", False):
                exempt.append(f"{p.callback.__module__}.{p.callback.__name__}")

    walk(get_resolver().url_patterns)
    mine = [name for name in exempt if name.startswith("surveylinks.")]
    assert mine == ["surveylinks.views.sms_inbound"]
