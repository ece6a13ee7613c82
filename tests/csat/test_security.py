"""Sign-in lock-out, CSRF, security headers, password and session settings, check --deploy."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from csat.security import client_ip
from tests.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# --- lock-out -----------------------------------------------------------------------------------


def test_lockout_after_the_failure_limit_shows_the_chinese_page(agent: Any) -> None:
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = attempt(client, "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    locked = attempt(client, "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录已被暂时锁定" in html
    assert f"连续 {limit} 次登录失败" in html
    assert "15 分钟后再试" in html
    # Even the right password is refused while locked out.
    again = attempt(client, "agent_a", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(agent: Any, agent_b: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7")
    assert attempt(Client(), "agent_a", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 429
    # The same user from another desk, and another user from the locked desk, still sign in.
    assert attempt(Client(), "agent_a", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.8").status_code == 302
    assert attempt(Client(), "agent_b", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 302


def test_success_resets_the_failure_count(agent: Any) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        attempt(Client(), "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7")
    assert attempt(Client(), "agent_a", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 302
    for _ in range(limit - 1):
        assert attempt(Client(), "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7").status_code == 200


def test_a_direct_client_cannot_dodge_the_lockout_with_x_forwarded_for(agent: Any) -> None:
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(
            Client(), "agent_a", "wrong-password", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"
        )
    response = attempt(
        Client(), "agent_a", DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_forwarded_address_counts(agent: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "172.18.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # A spoofed left-most entry does not matter: the proxy appended the real address.
        attempt(Client(), "agent_a", "wrong-password", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.7", **proxy)
    assert (
        attempt(Client(), "agent_a", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.7", **proxy).status_code
        == 429
    )
    # Another desk behind the same proxy is not locked out.
    assert (
        attempt(Client(), "agent_a", DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.8", **proxy).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.7"),
        (1, {"REMOTE_ADDR": "172.18.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.7"}, "10.0.0.7"),
        (1, {"REMOTE_ADDR": "172.18.0.2"}, "172.18.0.2"),  # no header: the socket address
        (1, {"REMOTE_ADDR": "172.18.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "172.18.0.2"),
        (
            2,
            {"REMOTE_ADDR": "172.18.0.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.0.0.7, 172.18.0.2"},
            "10.0.0.7",
        ),
        (2, {"REMOTE_ADDR": "172.18.0.3", "HTTP_X_FORWARDED_FOR": "10.0.0.7"}, "172.18.0.3"),
    ],
)
def test_client_ip(settings: Any, proxies: int, meta: dict[str, str], expected: str) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)  # type: ignore[arg-type]
    request.META.update(meta)
    assert client_ip(request) == expected


def test_api_token_sign_in_is_locked_out_too(agent: Any) -> None:
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/auth/token/", {"username": "agent_a", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(
        "/api/auth/token/", {"username": "agent_a", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    # DRF answers "unable to sign in" (400): the right password gets no token while locked out.
    assert response.status_code in (400, 403, 429)
    assert '"token"' not in response.content.decode()


def test_axes_backend_comes_first() -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


# --- CSRF and session auth ----------------------------------------------------------------------


def test_session_api_post_without_csrf_token_is_403(agent: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get("/api/me/").status_code == 200  # DRF session auth still works
    payload = {"name": "李雷", "mobile": "13900139000"}
    response = client.post("/api/customers/", payload, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    token = client.get("/customers/").cookies["csrftoken"].value
    response = client.post("/api/customers/", payload, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_form_post_without_csrf_token_is_403(agent: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"username": "agent_a", "password": DEFAULT_PASSWORD}).status_code == 403
    client.force_login(agent)
    assert client.post("/accounts/logout/").status_code == 403


def test_no_view_is_csrf_exempt() -> None:
    offenders = []
    for folder in (
        "config",
        "csat",
        "intake",
        "callbacks",
        "complaints",
        "prevention",
        "crisis",
        "reports",
        "audit",
    ):
        for path in (ROOT / folder).rglob("*.py"):
            if "csrf_exempt" in path.read_text(encoding="utf-8"):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- headers and templates ----------------------------------------------------------------------


def test_security_headers_on_pages() -> None:
    response = Client().get(LOGIN)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_relax_only_styles(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" in directives["style-src"]
    assert "'unsafe-inline'" not in directives["script-src"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_no_inline_script_or_style() -> None:
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{path.relative_to(ROOT)}: {what}")
    assert found == []


def test_htmx_indicator_styles_come_from_our_css() -> None:
    html = Client().get(LOGIN).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html
    css = (ROOT / "static/css/csat.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


# --- passwords and sessions ---------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1!", "1234567890123", "password1234", "agent_a_2026"])
def test_weak_passwords_are_rejected(agent: Any, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=agent)


def test_a_long_uncommon_password_is_accepted(agent: Any) -> None:
    validate_password("晨光-回访-Qx7-满意度", user=agent)


def test_session_lasts_a_working_day_and_ends_with_the_browser(agent: Any) -> None:
    client = Client()
    assert attempt(client, "agent_a", DEFAULT_PASSWORD).status_code == 302
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 10 * 3600
    assert client.session.get_expire_at_browser_close() is True
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert not cookie["max-age"]  # a browser-session cookie


# --- production settings ------------------------------------------------------------------------


def test_production_settings_pass_check_deploy() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "x",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
