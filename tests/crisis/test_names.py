"""A crisis case's title, an action's title, a media outlet and a team member's role are what shows:
format characters (zero-width, direction overrides) are taken out wherever they stand, on the pages,
in the API and in the services (csat.text_limits.clean_name); nothing else left is a blank field.

Audit (hostile input): the title "\\u202e\\u200bx" was stored as it came.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from crisis.models import CrisisAction, CrisisCase, CrisisEvent, MediaEntry, TeamMember
from csat.exceptions import ApplicationError
from tests.fixtures import T0

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\u202e\u2066 \ufeff"


def test_the_api_refuses_an_invisible_title_and_cleans_a_spoofed_one(
    clock: Any, api: Callable[[Any], Any], agent: Any
) -> None:
    client = api(agent)
    response = client.post("/api/crises/", {"type": "a", "title": INVISIBLE}, format="json")
    assert response.status_code == 400 and response.json() == {"title": ["请填写标题。"]}
    assert not CrisisCase.objects.exists()
    response = client.post("/api/crises/", {"type": "a", "title": "\u202e\u200bx"}, format="json")
    assert response.status_code == 201 and response.json()["title"] == "x"
    assert CrisisCase.objects.get().title == "x"


def test_the_api_cleans_actions_media_and_roles(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    service_mgr: Any,
    open_crisis: Callable[..., CrisisCase],
) -> None:
    crisis = open_crisis()
    client = api(agent)
    url = f"/api/crises/{crisis.pk}"
    due = (T0 + dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"{url}/actions/", {"title": "\u200b", "owner": agent.pk, "due_at": due}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"title": ["请填写行动内容。"]}
    response = client.post(
        f"{url}/media_log/", {"outlet": "\u2066\u2069", "date": "2026-03-10"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"outlet": ["请填写媒体名称。"]}
    assert not CrisisAction.objects.exists() and not MediaEntry.objects.exists()
    body = {"title": "\u202e安抚客户", "owner": agent.pk, "due_at": due}
    assert client.post(f"{url}/actions/", body, format="json").status_code == 200
    body = {"outlet": "南方\u200b都市报", "date": "2026-03-10"}
    assert client.post(f"{url}/media_log/", body, format="json").status_code == 200
    body = {"user": service_mgr.pk, "role": "\u200b技术鉴定\u200e"}
    assert client.post(f"{url}/team/", body, format="json").status_code == 200
    assert CrisisAction.objects.get().title == "安抚客户"
    assert MediaEntry.objects.get().outlet == "南方都市报"
    assert TeamMember.objects.get(crisis=crisis, user=service_mgr).role == "技术鉴定"


def test_the_pages_refuse_an_invisible_title_saying_so(
    clock: Any, web: Callable[[Any], Any], agent: Any, open_crisis: Callable[..., CrisisCase]
) -> None:
    form = {"type": "c", "title": INVISIBLE, "reason": "客户拒绝第四次维修", "confirm": "on"}
    response = web(agent).post("/crisis/new/", form)
    assert response.status_code == 400 and "请填写标题。" in response.content.decode()
    assert not CrisisCase.objects.exists()
    assert web(agent).post("/crisis/new/", {**form, "title": "\u202e半月内\u200b三次返修"}).status_code == 302
    crisis = CrisisCase.objects.get()
    assert crisis.title == "半月内三次返修"
    response = web(agent).post(
        f"/crisis/{crisis.pk}/action/",
        {"title": "\u200b", "owner": agent.pk, "due_at": "2026-03-12T10:00"},
    )
    assert response.status_code == 400 and "请填写行动内容。" in response.content.decode()
    assert not CrisisAction.objects.exists()


def test_the_services_keep_the_same_title(clock: Any, open_crisis: Callable[..., CrisisCase]) -> None:
    with pytest.raises(ApplicationError):
        open_crisis(title=INVISIBLE)
    assert not CrisisEvent.objects.exists()
    assert open_crisis(title="\u202e\u200bx").title == "x"
