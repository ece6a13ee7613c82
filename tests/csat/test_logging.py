"""Request ids: header in, header out, on every log line (web and Celery); JSON lines in production."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import shared_task
from django.conf import settings
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from csat.observability import RequestIdFilter, request_id_var, sane_request_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger also writes JSON lines (the production formatter) into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatters: dict[str, dict[str, Any]] = settings.LOGGING["formatters"]  # type: ignore[assignment]
    options = {k: v for k, v in formatters["json"].items() if k != "()"}
    handler.setFormatter(JsonFormatter(**options))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_response_carries_a_fresh_request_id() -> None:
    first = Client().get("/accounts/login/")["X-Request-ID"]
    second = Client().get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_incoming_request_id_is_kept() -> None:
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-7f3a9c21-0001")
    assert response["X-Request-ID"] == "nginx-7f3a9c21-0001"


@pytest.mark.parametrize(
    "bad", ["short", "x" * 65, "abc def 1234", "id\nFAKE LOG LINE", "<script>1234</script>"]
)
def test_an_odd_incoming_request_id_is_replaced(bad: str) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", sane_request_id(bad))


def test_log_lines_of_a_request_carry_its_id(json_lines: io.StringIO, agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get("/customers/987654/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 404
    lines = [r for r in records(json_lines) if r["logger"] == "django.request"]
    assert lines, "Django logs the 404"
    assert lines[-1]["request_id"] == "req-0123456789"
    assert lines[-1]["level"] == "WARNING"
    assert set(lines[-1]) >= {"time", "level", "logger", "message", "request_id"}


def test_a_failed_sign_in_is_logged_with_the_request_id(json_lines: io.StringIO, agent: Any) -> None:
    response = Client().post("/accounts/login/", {"username": "agent_a", "password": "wrong"})
    request_id = response["X-Request-ID"]
    axes_lines = [r for r in records(json_lines) if r["logger"].startswith("axes")]
    assert axes_lines
    assert {r["request_id"] for r in axes_lines} == {request_id}


@shared_task
def _log_something() -> None:
    logging.getLogger("csat.test").warning("task says hello")


def test_celery_task_lines_carry_the_task_id(json_lines: io.StringIO) -> None:
    result = _log_something.apply_async(task_id="task-0123456789abcdef")
    assert result.successful()
    lines = [r for r in records(json_lines) if r["message"] == "task says hello"]
    assert lines[0]["request_id"] == "task-0123456789abcdef"
    assert request_id_var.get() == "-"  # cleared after the task


def test_production_settings_log_json_lines() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "x",
    }
    env.pop("DATABASE_URL", None)
    code = "import logging; logging.getLogger('csat.probe').warning('probe 探针')"
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if "probe" in line]
    assert lines == [
        {
            "time": lines[0]["time"],
            "level": "WARNING",
            "logger": "csat.probe",
            "message": "probe 探针",
            "request_id": "-",
        }
    ]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0800", lines[0]["time"]
    )  # Beijing time, with offset
