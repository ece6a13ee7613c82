"""Pages written outside base.html name the language they are written in (WCAG 3.1.1): a screen
reader picks its voice from <html lang>, and an English page marked zh-hans is read as Chinese."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from csat.errors import server_error


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_server_error_page_names_the_language_it_is_written_in(lang: str) -> None:
    with translation.override(lang):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            html = server_error(RequestFactory().get("/complaints/")).content.decode()
    assert f'<html lang="{lang}">' in html
