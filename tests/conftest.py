import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached figures (the landing overview) must not leak from one test's data into the next.
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
