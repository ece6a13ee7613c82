"""Issue #21 item 14: a too-large request is refused by its Content-Length, before the body is read.

Before, a 300 MB upload was streamed to a temporary file in full and only then refused by the
form. The test client's request body is a FakePayload that raises when more is read than it
holds: a declared 300 MB body with a few real bytes proves the 413 came without reading it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from csat.middleware import RequestSizeLimitMiddleware
from intake.models import ImportJob
from intake.reading import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
MB = 1024 * 1024
HUGE = str(300 * MB)


def _post(client: Any, path: str, length: str) -> Any:
    return client.generic(
        "POST", path, b"--x--", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=length
    )


def test_a_300_mb_import_page_upload_is_413_before_the_body_is_read(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = _post(client, "/imports/", HUGE)
    assert response.status_code == 413
    text = response.content.decode()
    assert "过大" in text and "31 MB" in text
    assert ImportJob.objects.count() == 0


def test_a_300_mb_api_upload_is_413_with_a_json_message(agent: Any) -> None:
    client = APIClient()
    client.force_authenticate(agent)
    response = _post(client, "/api/import/", HUGE)
    assert response.status_code == 413
    assert "过大" in response.json()["detail"]
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("path", ["/complaints/1/resolve/", "/api/complaints/1/resolve/", "/accounts/login/"])
def test_other_pages_take_at_most_12_mb(path: str) -> None:
    assert _post(Client(), path, str(12 * MB + 1)).status_code == 413


def test_anonymous_gets_413_too_before_anything_else() -> None:
    assert _post(Client(), "/imports/", HUGE).status_code == 413


def test_the_import_limit_still_allows_the_largest_legitimate_file() -> None:
    """A 30 MB file plus the multipart form around it (boundaries, the kind and store fields)."""
    limit = RequestSizeLimitMiddleware.limit_for("/imports/")
    assert limit >= MAX_UPLOAD_BYTES + 64 * 1024
    assert RequestSizeLimitMiddleware.limit_for("/api/import/") == limit
    assert RequestSizeLimitMiddleware.limit_for("/complaints/1/resolve/") == settings.MAX_REQUEST_BYTES
    from csat.uploads import AGREEMENT_MAX_BYTES

    assert settings.MAX_REQUEST_BYTES >= AGREEMENT_MAX_BYTES + 64 * 1024


def test_a_body_within_the_limit_is_read_as_usual(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post("/imports/", {"kind": "customers"})
    assert response.status_code == 400  # the form speaks: no file


def test_django_keeps_non_file_bodies_and_in_memory_files_small() -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440


# --- the reverse proxy in docker-compose.yml has the same limits ---------------------------------


def _nginx_limits() -> dict[str, int]:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    limits = {"/": int(re.search(r"^    client_max_body_size (\d+)m;", text, re.M).group(1))}  # type: ignore[union-attr]
    for location, size in re.findall(r"location (\S+) \{\s*client_max_body_size (\d+)m;", text):
        limits[location] = int(size)
    return limits


def test_the_proxy_limits_match_the_app() -> None:
    limits = _nginx_limits()
    assert limits["/"] * MB == settings.MAX_REQUEST_BYTES
    for prefix, limit in settings.MAX_REQUEST_BYTES_BY_PATH.items():
        assert limits[prefix] * MB == limit
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf" in compose


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_compose_file_is_valid() -> None:
    result = subprocess.run(  # noqa: S603 - a fixed command
        [
            shutil.which("docker-compose") or "docker-compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "config",
            "-q",
        ],
        env={"SECRET_KEY": "x", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
