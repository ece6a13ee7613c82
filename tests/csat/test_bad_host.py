"""A request naming a host not in ALLOWED_HOSTS gets the app's 400 page and leaves no error in the log.

Audit (hostile input): every such request logged two errors with tracebacks — Django's
DisallowedHost, and "the 400 page could not be rendered" (the navigation read ``request.user``,
which the authentication middleware had not set yet) — so anyone could flood the error log.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/complaints/", "/accounts/login/"])
def test_a_refused_host_gets_the_400_page_and_logs_no_error(
    caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO):
        response = Client(HTTP_HOST="evil.example").get(path)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-400"' in html and "请求无效" in html  # the app's page, not the fallback
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    # One plain line still tells an administrator whose ALLOWED_HOSTS misses the site's own name.
    [refused] = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert refused.levelno == logging.WARNING and "evil.example" in refused.getMessage()


def test_the_api_answers_a_refused_host_in_json(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = Client(HTTP_HOST="evil.example").get("/api/me/")
    assert response.status_code == 400 and "detail" in response.json()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
