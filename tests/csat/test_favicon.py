"""Small polish (issue #22): /favicon.ico is the app's own static file (no CDN), linked from every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_favicon_is_served_from_our_static_files(agent: Any) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/static/favicon.ico")
    path = finders.find("favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO header
    client = Client()
    client.force_login(agent)
    assert 'rel="icon" href="/static/favicon.ico"' in client.get("/").content.decode()
