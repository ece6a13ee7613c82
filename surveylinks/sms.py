"""SMS providers behind one interface: Alibaba Cloud SMS (RPC, HMAC-SHA1) and Tencent Cloud SMS
(API 3.0, TC3-HMAC-SHA256). Each adapter builds the provider's documented request, signs it and
reports success, a retryable provider error or a permanent refusal. Only the outside world is faked
in the tests: a local HTTP server that checks the signature and the template parameters.

Upstream replies (the customer answers “TD” to “回复 TD 退订”) come back to our webhook in each
provider's own format: Alibaba Cloud pushes a JSON list of ``phone_number``/``content`` objects and
wants ``{"code": 0, ...}``; Tencent Cloud posts one ``mobile``/``nationcode``/``text`` object and
wants ``{"result": 0, "errmsg": "OK"}``. Neither signs the push, so the webhook checks a shared
secret of ours (:func:`inbound_authentic`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class SmsMessage:
    mobile: str  # 11-digit mainland number
    sign_name: str  # the store's registered SMS signature (签名)
    template_code: str
    params: dict[str, str]
    out_id: str  # our id of this message: the provider echoes it; the same id on a retry


@dataclass(frozen=True)
class SendResult:
    ok: bool
    retryable: bool = False  # worth one more try at once (the provider is out of reach, or busy)
    message_id: str = ""
    error: str = ""
    # The request never reached the provider (connection refused, DNS, connect timeout): nothing can
    # have been sent, so the link may be tried again later. Never set once the request went out.
    never_reached: bool = False


class SmsProvider(Protocol):
    name: str

    def send(self, message: SmsMessage) -> SendResult: ...


@dataclass(frozen=True)
class InboundSms:
    """One reply a customer sent to our SMS number."""

    mobile: str
    text: str
    sign_name: str = ""


class InboundFormatError(ValueError):
    """The webhook's body is not the provider's reply format."""


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InboundFormatError("not JSON") from exc


def inbound_authentic(*, body: bytes, secret: str, mode: str, token: str = "", signature: str = "") -> bool:
    """The shared-secret check of the reply webhook; an empty secret refuses everything.

    ``mode`` "token": the provider's console holds our callback URL with ``?token=<secret>`` (the
    providers call a plain URL). ``mode`` "hmac": a gateway in front signs the raw body,
    ``X-Csat-Signature: sha256=<hex HMAC-SHA256(secret, body)>``. Constant-time comparisons.
    """
    if not secret:
        return False
    if mode == "token":
        return bool(token) and hmac.compare_digest(token.encode(), secret.encode())
    if mode == "hmac":
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        given = signature.strip().removeprefix("sha256=").lower()
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
    return False


# _post's statuses besides the provider's HTTP status.
# The request never reached the provider (refused, DNS, connect timeout): safe to try again.
UNREACHED = 0
# The provider did not answer in time, or the connection broke after the request went out: it may
# have sent the SMS, so it is never asked again (a second SMS to the customer).
TIMED_OUT = -1
# The request could not be made at all (a malformed endpoint or header): trying again changes nothing.
UNSENDABLE = -2


def _payload(raw: bytes) -> dict[str, Any]:
    """The provider's JSON answer; an answer that is not a JSON object is an error to show."""
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"error": f"unreadable answer: {raw[:100]!r}"}
    return data if isinstance(data, dict) else {"error": f"unexpected answer: {data!r}"[:200]}


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, _payload(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _payload(exc.read())
    except urllib.error.URLError as exc:
        # urllib wraps only what fails while connecting and writing the request (DNS, refused,
        # connect or TLS-handshake timeout): the provider never got a whole request, so it sent
        # nothing. A timeout or a broken connection while waiting for the answer is not wrapped
        # (below): the request went out.
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return UNREACHED, {"error": f"connect timeout: {reason}"[:200]}
        return UNREACHED, {"error": str(exc)[:200]}
    except TimeoutError as exc:
        # No answer in time: the provider may have sent the SMS already. Not retried (a second
        # SMS to the customer); the link fails with the reason and the agent decides.
        return TIMED_OUT, {"error": f"timeout: {exc}"[:200]}
    except OSError as exc:
        # The connection broke after the request went out (reset while reading): as a timeout.
        return TIMED_OUT, {"error": f"connection lost: {exc}"[:200]}
    except ValueError as exc:  # http.client refused to build the request (InvalidURL, a bad header)
        return UNSENDABLE, {"error": str(exc)[:200]}


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986, space as %20, ``~`` kept."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """Alibaba Cloud SMS ``SendSms`` (dysmsapi, version 2017-05-25), RPC style over POST form."""

    name = "aliyun"
    REPLY_OK: dict[str, Any] = {"code": 0, "msg": "接收成功"}

    @staticmethod
    def parse_replies(body: bytes) -> list[InboundSms]:
        """The upstream-SMS push (SmsUp, HTTP batch): ``[{"phone_number", "content", "sign_name",
        "send_time", "dest_code", "sequence_id"}, …]``; a single object is taken as a list of one."""
        data = _json(body)
        rows = [data] if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise InboundFormatError("expected a list")
        replies = []
        for row in rows:
            if not isinstance(row, dict) or "phone_number" not in row or "content" not in row:
                raise InboundFormatError("expected phone_number and content")
            replies.append(
                InboundSms(
                    mobile=str(row["phone_number"]),
                    text=str(row["content"]),
                    sign_name=str(row.get("sign_name") or ""),
                )
            )
        return replies

    def __init__(self, *, endpoint: str, access_key_id: str, access_key_secret: str) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret

    def build(self, message: SmsMessage, *, now: dt.datetime | None = None) -> dict[str, str]:
        now = now or dt.datetime.now(dt.UTC)
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": message.out_id,
            "PhoneNumbers": message.mobile,
            "RegionId": "cn-hangzhou",
            "SignName": message.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": message.template_code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.access_key_secret)
        return params

    def send(self, message: SmsMessage) -> SendResult:
        body = urllib.parse.urlencode(self.build(message), quote_via=urllib.parse.quote).encode()
        status, payload = _post(
            self.endpoint, body, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        code = str(payload.get("Code", ""))
        if status == 200 and code == "OK":
            return SendResult(ok=True, message_id=str(payload.get("BizId", "")))
        # Throttling and server-side errors may pass on a retry; a bad template or number will not.
        retryable = status == UNREACHED or status >= 500 or code in {"isp.SYSTEM_ERROR", "Throttling"}
        said = payload.get("Message") or payload.get("error", "")
        return SendResult(
            ok=False,
            retryable=retryable,
            never_reached=status == UNREACHED,
            error=f"{status} {code} {said}"[:300],
        )


def tc3_signature(*, secret_key: str, service: str, date: str, string_to_sign: str) -> str:
    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSms:
    """Tencent Cloud SMS ``SendSms`` (API 3.0, version 2021-01-11), JSON over POST, TC3 signature."""

    name = "tencent"
    service = "sms"
    REPLY_OK: dict[str, Any] = {"result": 0, "errmsg": "OK"}

    @staticmethod
    def parse_replies(body: bytes) -> list[InboundSms]:
        """The SMS reply callback: ``{"mobile", "nationcode", "text", "sign", "time", "extend"}``.
        A reply from outside mainland China (nationcode ≠ 86) cannot be one of our customers' numbers."""
        data = _json(body)
        rows = data if isinstance(data, list) else [data]
        replies = []
        for row in rows:
            if not isinstance(row, dict) or "mobile" not in row or "text" not in row:
                raise InboundFormatError("expected mobile and text")
            if str(row.get("nationcode") or "86").lstrip("+") != "86":
                continue
            replies.append(
                InboundSms(
                    mobile=str(row["mobile"]), text=str(row["text"]), sign_name=str(row.get("sign") or "")
                )
            )
        return replies

    def __init__(
        self, *, endpoint: str, secret_id: str, secret_key: str, sdk_app_id: str, region: str = "ap-guangzhou"
    ) -> None:
        self.endpoint = endpoint
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.region = region

    def build(self, message: SmsMessage, *, now: dt.datetime | None = None) -> tuple[bytes, dict[str, str]]:
        now = now or dt.datetime.now(dt.UTC)
        timestamp = int(now.timestamp())
        date = now.astimezone(dt.UTC).strftime("%Y-%m-%d")
        host = urllib.parse.urlsplit(self.endpoint).netloc
        body = json.dumps(
            {
                "PhoneNumberSet": [f"+86{message.mobile}"],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": message.sign_name,
                "TemplateId": message.template_code,
                # Tencent takes the template's parameters in order ({1}, {2}, …).
                "TemplateParamSet": list(message.params.values()),
                "SessionContext": message.out_id,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        content_type = "application/json; charset=utf-8"
        canonical_request = "\n".join(
            [
                "POST",
                "/",
                "",
                f"content-type:{content_type}\nhost:{host}\n",
                "content-type;host",
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{self.service}/tc3_request"
        string_to_sign = "\n".join(
            ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        signature = tc3_signature(
            secret_key=self.secret_key, service=self.service, date=date, string_to_sign=string_to_sign
        )
        headers = {
            "Authorization": (
                f"TC3-HMAC-SHA256 Credential={self.secret_id}/{scope}, "
                f"SignedHeaders=content-type;host, Signature={signature}"
            ),
            "Content-Type": content_type,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        return body, headers

    def send(self, message: SmsMessage) -> SendResult:
        body, headers = self.build(message)
        status, payload = _post(self.endpoint, body, headers)
        response = payload.get("Response", {}) if isinstance(payload, dict) else {}
        error = response.get("Error")
        if status == 200 and not error:
            statuses = response.get("SendStatusSet") or [{}]
            first = statuses[0]
            if str(first.get("Code", "")).lower() == "ok":
                return SendResult(ok=True, message_id=str(first.get("SerialNo", "")))
            said = first.get("Message") or payload.get("error", "")
            return SendResult(ok=False, error=f"{first.get('Code', '')} {said}"[:300])
        code = str((error or {}).get("Code", ""))
        retryable = (
            status == UNREACHED or status >= 500 or code.startswith(("InternalError", "RequestLimitExceeded"))
        )
        said = (error or {}).get("Message") or payload.get("error", "")
        return SendResult(
            ok=False,
            retryable=retryable,
            never_reached=status == UNREACHED,
            error=f"{status} {code} {said}"[:300],
        )


class NullSms:
    """No provider configured (development, demo): the message is recorded as sent, nothing leaves."""

    name = "none"

    def send(self, message: SmsMessage) -> SendResult:
        return SendResult(ok=True, message_id=f"local-{message.out_id}")


INBOUND: dict[str, Any] = {"aliyun": AliyunSms, "tencent": TencentSms}


def provider_from_settings(config: dict[str, Any]) -> SmsProvider:
    kind = config.get("PROVIDER", "none")
    if kind == "aliyun":
        return AliyunSms(
            endpoint=config.get("ENDPOINT") or "https://dysmsapi.aliyuncs.com/",
            access_key_id=config["ACCESS_KEY_ID"],
            access_key_secret=config["ACCESS_KEY_SECRET"],
        )
    if kind == "tencent":
        return TencentSms(
            endpoint=config.get("ENDPOINT") or "https://sms.tencentcloudapi.com/",
            secret_id=config["ACCESS_KEY_ID"],
            secret_key=config["ACCESS_KEY_SECRET"],
            sdk_app_id=config.get("SDK_APP_ID", ""),
        )
    return NullSms()
