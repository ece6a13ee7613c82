"""Settings that depend on the environment, read in a fresh interpreter (issue #21 items 8 and 15)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgres://postgres@127.0.0.1:5432/csat_settings_probe"  # never connected to


def _settings(module: str, names: list[str], **env: str) -> dict[str, Any]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CONN_MAX_AGE", "TRUSTED_PROXY_COUNT"}
    }
    environ.update(
        {"DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "x"}
    )
    environ.update(env)
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_runserver_settings_keep_no_postgresql_connection_between_requests() -> None:
    """Under runserver each request has its own thread: a kept connection was never reused, and
    leaked one PostgreSQL backend per request."""
    local = _settings("config.settings.local", ["DATABASES"], DATABASE_URL=PG_URL)
    assert local["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_local_settings_keep_connections_when_explicitly_asked() -> None:
    local = _settings("config.settings.local", ["DATABASES"], DATABASE_URL=PG_URL, CONN_MAX_AGE="30")
    assert local["DATABASES"]["default"]["CONN_MAX_AGE"] == 30


def test_production_keeps_connections_for_its_workers() -> None:
    prod = _settings("config.settings.production", ["DATABASES"], DATABASE_URL=PG_URL)
    assert prod["DATABASES"]["default"]["CONN_MAX_AGE"] == 60


def test_production_trusts_x_forwarded_proto_only_behind_a_trusted_proxy() -> None:
    direct = _settings("config.settings.production", ["SECURE_PROXY_SSL_HEADER"])
    assert direct["SECURE_PROXY_SSL_HEADER"] is None
    proxied = _settings("config.settings.production", ["SECURE_PROXY_SSL_HEADER"], TRUSTED_PROXY_COUNT="1")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_forged_x_forwarded_proto_does_not_make_a_direct_request_secure(rf: Any, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = None  # what production has with TRUSTED_PROXY_COUNT=0
    request = rf.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert request.is_secure() is False
