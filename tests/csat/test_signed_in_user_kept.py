"""The session and the signed-in user, read on every request, come from the cache (issue #25: a
page's floor). The user is kept under the revision of the tables it comes from (csat.backends,
csat.revisions ``accounts``): whatever changes who the user is or may do shows on the next request —
a new password signs the old sessions out, a deactivated user is signed out, a new role or store
changes the navigation at once. The session is kept in front of the database (csat.sessions): a
signed-out session is refused, and with the cache down sessions live in the database alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from csat.caching import cache_recovered
from csat.models import Role, StaffProfile
from tests.csat.test_caching import DOWN

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/")  # the user is read and kept
    return client


def test_a_warm_request_reads_no_user_row(agent: Any) -> None:
    client = _signed_in(agent)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/notifications/").status_code == 200
    assert not [q for q in ctx.captured_queries if 'FROM "auth_user"' in q["sql"]]


def test_a_new_password_signs_the_other_sessions_out(agent: Any) -> None:
    client = _signed_in(agent)
    agent.set_password("a-new-Passw0rd!")
    agent.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_user_is_signed_out_at_once(agent: Any) -> None:
    client = _signed_in(agent)
    get_user_model().objects.filter(pk=agent.pk).update(is_active=False)  # no signal, no save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_role_and_a_renamed_store_show_at_once(agent: Any, store: Any) -> None:
    client = _signed_in(agent)
    assert "危机事件" not in client.get("/").content.decode()  # not an agent's page
    StaffProfile.objects.filter(user=agent).update(role=Role.CUSTOMER_CARE_MANAGER)
    html = client.get("/").content.decode()
    assert "危机事件" in html  # the customer-care manager's navigation
    type(store).objects.filter(pk=store.pk).update(name="深圳南山店")
    assert "深圳南山店" in client.get("/").content.decode()


def test_a_warm_request_reads_no_session_row(agent: Any) -> None:
    client = _signed_in(agent)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/notifications/").status_code == 200
    assert not [q for q in ctx.captured_queries if "django_session" in q["sql"]]


def _sign_out_and_replay(client: Client) -> Any:
    """Sign out, then come back with the signed-out session's cookie."""
    stolen = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = stolen
    return replay.get("/")


def test_a_signed_out_session_is_refused_though_it_was_cached(agent: Any) -> None:
    response = _sign_out_and_replay(_signed_in(agent))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@override_settings(CACHES=DOWN)
def test_with_the_cache_down_sessions_live_in_the_database(agent: Any) -> None:
    """A stopped Redis costs the cache, not the sign-in: pages answer and sign-out holds."""
    cache_recovered()
    try:
        client = _signed_in(agent)
        assert client.get("/notifications/").status_code == 200
        response = _sign_out_and_replay(client)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    finally:
        cache_recovered()
