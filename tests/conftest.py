import pytest
from django.core.cache import cache

# The one fixture world every area builds on: stores, departments, users per role, clock, clients.
pytest_plugins = ["tests.fixtures"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached figures (the landing overview) must not leak from one test's data into the next.
    cache.clear()
