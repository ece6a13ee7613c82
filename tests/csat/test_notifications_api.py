"""/api/notifications/ (CONTRACT): the signed-in user's inbox, newest first, ?unread=1, mark read;
another user's notification is a 404."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from csat.models import Notification
from csat.notifications import notify
from tests.fixtures import at

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_inbox_newest_first_with_contract_fields(agent: Any, ccmanager: Any) -> None:
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False):
        notify(recipients=[agent], key="deadline:1:warning", title="即将超时", body="b", url="/complaints/1/")
    with time_machine.travel(at(2026, 3, 9, 11, 0), tick=False):
        notify(recipients=[agent], key="report:2026-02", title="月报")
    notify(recipients=[ccmanager], key="deadline:9:breach", title="别人的")
    body = api(agent).get("/api/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["月报", "即将超时"]
    first = body["results"][1]
    assert set(first) == {"id", "kind", "title", "body", "url", "created_at", "read_at"}
    assert first["kind"] == "deadline"
    assert first["url"] == "/complaints/1/"
    assert first["read_at"] is None


def test_unread_filter_and_mark_read(agent: Any) -> None:
    notify(recipients=[agent], key="a:1", title="一")
    notify(recipients=[agent], key="a:2", title="二")
    one = Notification.objects.get(recipient=agent, key="a:1")
    client = api(agent)
    response = client.post(f"/api/notifications/{one.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert [n["title"] for n in client.get("/api/notifications/?unread=1").json()["results"]] == ["二"]
    assert len(client.get("/api/notifications/").json()["results"]) == 2


def test_another_users_notification_is_404(agent: Any, ccmanager: Any) -> None:
    notify(recipients=[ccmanager], key="a:1", title="一")
    theirs = Notification.objects.get(recipient=ccmanager)
    assert api(agent).post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_is_refused() -> None:
    assert APIClient().get("/api/notifications/").status_code in (401, 403)
