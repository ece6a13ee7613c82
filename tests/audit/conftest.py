"""The audit tests reuse the complaint tests' cast: one store with every role, a second store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.complaints.conftest import (  # noqa: F401 - fixtures
    _media,
    agent,
    api,
    assessor,
    business,
    care,
    ccm,
    clock,
    customer,
    dept,
    front_line,
    gm,
    make_complaint,
    other_agent,
    other_store,
    sales,
    sales_mgr,
    service_dept,
    store,
    viewer,
)


@pytest.fixture
def browser() -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
