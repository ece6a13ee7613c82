"""API tokens expire, end on a password change/reset, deactivation or sign-out, and can be listed
and revoked by their owner and the admin (issue #21 item 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _token(username: str = "agent_a") -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return str(response.json()["token"])


def _me(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return int(client.get("/api/me/").status_code)


def test_a_token_expires(agent: Any, settings: Any) -> None:
    token = _token()
    assert _me(token) == 200
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert dt.timedelta(hours=1) <= ttl <= dt.timedelta(days=365)
    with time_machine.travel(dt.timedelta(seconds=ttl.total_seconds() + 60)):
        assert _me(token) in (401, 403)


def test_a_password_change_ends_every_token(agent: Any) -> None:
    first, second = _token(), _token()
    agent.set_password("another-long-pass-2026")
    agent.save()
    assert _me(first) in (401, 403) and _me(second) in (401, 403)
    assert not AuthToken.objects.filter(user=agent).exists()


def test_a_password_reset_ends_every_token(agent: Any) -> None:
    token = _token()
    form = SetPasswordForm(
        agent, {"new_password1": "reset-long-pass-2026", "new_password2": "reset-long-pass-2026"}
    )
    assert form.is_valid(), form.errors
    form.save()
    assert _me(token) in (401, 403)


def test_deactivation_ends_every_token(agent: Any) -> None:
    token = _token()
    agent.is_active = False
    agent.save()
    assert _me(token) in (401, 403)
    assert not AuthToken.objects.filter(user=agent).exists()


def test_an_unrelated_save_keeps_tokens(agent: Any) -> None:
    token = _token()
    agent.first_name = "新"
    agent.save()
    agent.save(update_fields=["last_login"])
    assert _me(token) == 200


def test_sign_out_ends_the_token_used(agent: Any) -> None:
    token, other = _token(), _token()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/auth/logout/").status_code == 204
    assert _me(token) in (401, 403) and _me(other) == 200


def test_owner_lists_and_revokes_tokens(agent: Any, ccmanager: Any) -> None:
    token, other = _token(), _token()
    theirs = _token(ccmanager.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    rows = client.get("/api/auth/tokens/").json()
    assert {row["token_key"] for row in rows} == {token[:15], other[:15]}
    assert all(set(row) == {"token_key", "created", "expiry", "current"} for row in rows)
    assert [row["current"] for row in rows if row["token_key"] == token[:15]] == [True]
    assert all(token not in str(value) for row in rows for value in row.values())  # never the token itself
    assert client.delete(f"/api/auth/tokens/{other[:15]}/").status_code == 204
    assert _me(other) in (401, 403) and _me(token) == 200
    if theirs:  # another user's token is not found, not revoked
        assert client.delete(f"/api/auth/tokens/{theirs[:15]}/").status_code == 404
        assert _me(theirs) == 200
    assert client.delete("/api/auth/tokens/").json() == {"revoked": 1}
    assert _me(token) in (401, 403)


def test_admin_lists_and_revokes_tokens(agent: Any) -> None:
    from django.contrib.auth import get_user_model

    _token()
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-2026x")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/knox/authtoken/")
    assert page.status_code == 200 and "agent_a" in page.content.decode()


def test_old_drf_tokens_do_not_authenticate() -> None:
    assert _me("0123456789abcdef0123456789abcdef01234567") in (401, 403)
