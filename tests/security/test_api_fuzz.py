"""Schemathesis against /api/schema/: every operation, a fixed number of derandomized examples.

Signed in with a token as the general manager of store A (a broad role that may act on most
operations) over the shared fixture world, 25 examples each; then every other kind of user (each
role of a store, head office, the superuser, a user without a profile), 2 examples each, every
example sent as each of them (issue #21). Checks: no 5xx, and every status code the API answers
with is declared for that operation in the schema.

No stateful (links) run: drf-spectacular writes no OpenAPI links, and schemathesis 4.32.5 would
have to infer them; the matrix and the service tests cover the sequences that matter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error, status_code_conformance

from tests.security.world import World, world_fixture

EXAMPLES = 25  # per operation, as the GM
ROLE_EXAMPLES = 1  # per operation, each sent as every other kind of user (keeps the CI run modest)
OTHER_USERS = ("agent", "ccm", "sales_mgr", "assessor", "staff", "viewer", "superuser", "noprofile")
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


@pytest.fixture(autouse=True)
def keep_test_connection() -> Iterator[None]:
    """Calls go straight to the WSGI app, whose request signals close "old" connections; on
    PostgreSQL that would close the test's own transaction. django.test.Client does the same."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def token(world: World, django_db_blocker: Any) -> str:
    with django_db_blocker.unblock():
        return str(AuthToken.objects.create(user=world.users["gm"])[1])


def _load_schema() -> Any:
    """The schema /api/schema/ serves, generated without a request (collection has no database)."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case: Any, token: str, db: None) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, status_code_conformance],
    )


@pytest.fixture(scope="module")
def tokens(world: World, django_db_blocker: Any) -> dict[str, str]:
    with django_db_blocker.unblock():
        return {user: str(AuthToken.objects.create(user=world.users[user])[1]) for user in OTHER_USERS}


@schema.parametrize()
@settings(
    max_examples=ROLE_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_as_every_role(case: Any, tokens: dict[str, str], db: None) -> None:
    for user in OTHER_USERS:
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[user]}"},
            checks=[not_a_server_error, status_code_conformance],
        )
