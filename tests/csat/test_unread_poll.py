"""The bell's unread count updates by itself (the help-desk parity audit): every signed-in page polls
``/notifications/unread/`` (htmx, every 60 s); the endpoint answers the user's own unread count as
the navigation's badge, in one indexed COUNT at most, needs a signed-in user (403, never the login
page's markup), and the login page and other anonymous pages do not poll.

Rules pinned here and their sources: a manager must see a new dispatch that starts the 2-hour clock
(DOMAIN §5 "Steps and deadlines"); a user reads only their own notifications (csat.apis
notifications: "the signed-in user's inbox")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from csat.models import Notification

pytestmark = pytest.mark.django_db

URL = "/notifications/unread/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _notify(user: Any, key: str, *, read: bool = False) -> Notification:
    return Notification.objects.create(
        recipient=user,
        key=key,
        title=f"新派单 {key}",
        url="/complaints/",
        read_at=timezone.now() if read else None,
    )


def _badge(html: str) -> int | None:
    found = re.fullmatch(r'<span class="badge [^"]*" data-testid="unread-count">(\d+)</span>', html.strip())
    return int(found.group(1)) if found else None


def test_the_endpoint_answers_the_users_own_unread_count_as_the_badge(sales_mgr: Any, ccm: Any) -> None:
    client = _client(sales_mgr)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content == b""  # nothing unread: no badge
    assert "no-store" in response["Cache-Control"]
    _notify(sales_mgr, "a")
    _notify(sales_mgr, "b")
    _notify(sales_mgr, "c", read=True)
    _notify(ccm, "a")  # someone else's
    assert _badge(client.get(URL).content.decode()) == 2
    # A new dispatch while the page is open: the next poll shows it.
    _notify(sales_mgr, "d")
    assert _badge(client.get(URL).content.decode()) == 3
    assert _badge(_client(ccm).get(URL).content.decode()) == 1


def test_the_endpoint_is_one_indexed_count_at_most(sales_mgr: Any) -> None:
    client = _client(sales_mgr)
    client.get(URL)  # warm: the session and the signed-in user are kept (csat.sessions, csat.backends)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    assert len(ctx.captured_queries) == 0  # nothing new: the kept count
    _notify(sales_mgr, "a")
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(URL).content.decode()
    assert _badge(body) == 1
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 1, sql
    assert sql[0].startswith("SELECT COUNT(*)") and '"csat_notification"' in sql[0]
    assert '"recipient_id" = ' in sql[0] and '"read_at" IS NULL' in sql[0]  # the (recipient, read_at) index


def test_the_endpoint_needs_a_signed_in_user_and_a_get(sales_mgr: Any) -> None:
    _notify(sales_mgr, "a")
    response = Client().get(URL)
    assert response.status_code == 403  # not a redirect: the poll would put the login page in the badge
    assert response.content == b""
    assert _client(sales_mgr).post(URL).status_code == 405


def test_signed_in_pages_poll_and_the_login_page_does_not(sales_mgr: Any) -> None:
    html = _client(sales_mgr).get("/complaints/list/").content.decode()
    bell = re.search(r'data-testid="bell">(.*?)</a>', html, re.S)
    assert bell is not None
    poll = re.search(r"<span data-unread [^>]*>", bell.group(1))
    assert poll is not None
    assert f'hx-get="{URL}"' in poll.group(0) and 'hx-trigger="every 60s, unread-refresh"' in poll.group(0)
    assert "js/unread" in html
    login = Client().get("/accounts/login/").content.decode()
    assert "data-unread" not in login and URL not in login and "js/unread" not in login
