from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# The suite shares two cores with other work (xdist, browsers, benchmarks): how fast Hypothesis
# generates inputs says nothing about the code under test, so a slow machine must not fail a test.
hypothesis_settings.register_profile(
    "shared-machine", suppress_health_check=[HealthCheck.too_slow], deadline=None
)
hypothesis_settings.load_profile("shared-machine")

# The one fixture world every area builds on: stores, departments, users per role, clock, clients.
pytest_plugins = ["tests.fixtures", "tests.kept"]

# Tests that start real processes (worker, beat, gunicorn, spare redis-servers) share Redis
# databases and ports: under pytest-xdist they run one after another on one worker.
_SERIAL = ("tests/integration/", "tests/faults/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(part in item.nodeid for part in _SERIAL):
            item.add_marker(pytest.mark.xdist_group("processes"))


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    # A test that switches to English must not leave the next test (in any order, on any
    # pytest-xdist worker) reading English messages.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached figures (the landing overview) must not leak from one test's data into the next.
    cache.clear()
