"""Keyboard shortcuts (issue #22 "a `?` shortcut overview instead of accesskey hints that are wrong on
Firefox and macOS"): no template uses accesskey or prints an "Alt+" hint; every page loads
static/js/shortcuts.js from our own files (CSP: no inline script) and carries the "?" overview; the
agent's buttons opt in with data-shortcut. The browser behaviour is in tests/e2e/test_shortcuts.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_template_uses_accesskey_or_alt_hints() -> None:
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"accesskey=|\(Alt\+", path.read_text(encoding="utf-8"))
    ]
    assert not offenders


@pytest.mark.django_db
def test_pages_load_the_shortcut_script_and_overview(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r'<script src="/static/js/shortcuts\.js" defer></script>', html)
    assert 'id="shortcut-help"' in html and "data-shortcut-help" in html
    script = (Path(settings.BASE_DIR) / "static/js/shortcuts.js").read_text()
    assert "data-shortcut" in script and '"?"' in script and "header-search" in script


@pytest.mark.django_db
def test_the_queue_claim_button_opts_in_with_n(agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    html = client.get("/callbacks/").content.decode()
    button = re.search(r"<button[^>]*data-testid=\"claim-next\"[^>]*>", html)
    assert button and 'data-shortcut="n"' in button.group() and 'aria-keyshortcuts="n"' in button.group()
