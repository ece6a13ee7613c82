"""Cached figures never take a page down with the cache: a stopped Redis means live figures."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache.backends.base import BaseCache
from django.test import Client, override_settings

from csat.caching import cached, forget

pytestmark = pytest.mark.django_db


class UnreachableCache(BaseCache):
    """Every call fails, as django's RedisCache does when the server is down."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    set = delete_many = get


DOWN = {"default": {"BACKEND": "tests.csat.test_caching.UnreachableCache"}}


@override_settings(CACHES=DOWN)
def test_a_figure_is_computed_live_when_the_cache_is_down() -> None:
    calls: list[int] = []
    assert cached("k", 60, lambda: calls.append(1) or 7) == 7
    assert cached("k", 60, lambda: calls.append(1) or 7) == 7
    assert len(calls) == 2
    forget(["k"])  # nothing to drop, no error


def test_a_figure_is_kept_while_the_cache_is_up() -> None:
    calls: list[int] = []
    assert cached("k", 60, lambda: calls.append(1) or 7) == 7
    assert cached("k", 60, lambda: calls.append(1) or 8) == 7
    forget(["k"])
    assert cached("k", 60, lambda: calls.append(1) or 9) == 9
    assert len(calls) == 2


@override_settings(CACHES=DOWN)
@pytest.mark.parametrize("url", ["/", "/callbacks/"])
def test_pages_with_cached_figures_work_while_the_cache_is_down(url: str, agent: Any) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200
    if url == "/callbacks/":
        assert 'data-testid="month"' in response.content.decode()


def test_a_kept_fragment_is_rebuilt_by_a_new_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report part kept for weeks (``{% kept_fragment %}``) is kept per release, as whole kept pages
    are: after a deployment the new markup shows at once, not when the figures next change."""
    from django.core.cache import cache
    from django.template import Context, Template

    from csat import fragments

    cache.clear()
    part = Template("{% load csat_tags %}{% kept_fragment 60 part key %}{{ markup }}{% end_kept_fragment %}")
    monkeypatch.setattr(fragments, "_release", "release-one")
    assert part.render(Context({"key": "march", "markup": "old"})) == "old"
    assert part.render(Context({"key": "march", "markup": "new"})) == "old"  # kept
    monkeypatch.setattr(fragments, "_release", "release-two")
    assert part.render(Context({"key": "march", "markup": "new"})) == "new"
