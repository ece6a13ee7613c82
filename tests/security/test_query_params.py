"""Malformed query parameters and bodies answer 400 (or 404 for a cursor), never 500 (issue #21 item 11).

Unicode digits (``"²".isdigit()`` is true, ``int("²")`` fails), months and dates at the end of the
calendar (their next month/day does not exist), page numbers beyond the database's integers,
tampered pagination cursors and JSON nested 5,000 deep.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from csat import params
from csat.apis.parsers import too_deep
from tests.security.world import World, world_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    yield from world_fixture(django_db_blocker)


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"k": values, "b": False}).encode()).decode().rstrip("=")


# (who, method, url, data): each answered 500 before.
PAGE_CASES = [
    ("gm", "get", "/reports/?scope=²", None),
    ("gm", "get", "/reports/?month=9999-12", None),
    ("gm", "get", "/complaints/assessment/?month=9999-12", None),
    ("gm", "get", "/audit/?date_to=9999-12-31", None),
    ("gm", "get", "/audit/export.xlsx?date_to=9999-12-31", None),
    ("gm", "get", "/audit/settings/?date_to=9999-12-31", None),
    ("gm", "get", "/audit/?page=99999999999999999999", None),
    ("gm", "get", "/audit/settings/?page=99999999999999999999", None),
    ("gm", "post", "/notifications/", {"id": "²"}),
    ("assessor", "post", "/calendar/", {"delete": "²"}),
]
API_CASES = [
    ("gm", "/api/assessment/?month=2026-01&store=²"),
    ("gm", "/api/assessment/?month=9999-12"),
    ("gm", "/api/reports/monthly/?store=²"),
    ("gm", "/api/reports/monthly/?month=9999-12"),
    ("gm", "/api/reports/monthly/2026-01/xlsx?store=²"),
    ("gm", "/api/reports/monthly/9999-12/xlsx"),
    *[("gm", f"/api/{name}/?page_size=²") for name in ("customers", "callbacks", "complaints", "surveys")],
    # Tampered cursors: a list, an object, null, a NUL byte, text for a date, beyond bigint.
    ("gm", f"/api/customers/?cursor={_cursor([['x']])}"),
    ("gm", f"/api/vehicles/?cursor={_cursor([{'a': 1}])}"),
    ("gm", f"/api/sales/?cursor={_cursor([None])}"),
    ("gm", "/api/service-visits/?cursor=" + _cursor(["\x00"])),
    ("gm", f"/api/customers/?cursor={_cursor(['x'])}"),
    ("gm", f"/api/complaints/?cursor={_cursor([10**30, 1])}"),
    ("agent", f"/api/callbacks/?cursor={_cursor([10**30, 1])}"),
    ("gm", f"/api/surveys/?cursor={_cursor(['garbage', 1])}"),
]


def _user(world: World, who: str) -> Any:
    return world.users[who]


@pytest.mark.parametrize(("who", "method", "url", "data"), PAGE_CASES)
def test_pages_answer_400_for_malformed_parameters(
    world: World, who: str, method: str, url: str, data: Any
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(_user(world, who))
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    assert response.status_code < 500, (url, response.status_code)
    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize(("who", "url"), API_CASES)
def test_api_answers_400_or_404_for_malformed_parameters(world: World, who: str, url: str) -> None:
    client = APIClient()
    client.force_authenticate(_user(world, who))
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    if response.status_code == 400 and response["Content-Type"].startswith("application/json"):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in json.dumps(response.json(), ensure_ascii=False))


def test_json_nested_5000_deep_is_400(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.users["gm"])
    body = '{"name": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post("/api/customers/", body, content_type="application/json")
    assert response.status_code == 400
    shallow = '{"name": ' + "[" * 10 + "]" * 10 + "}"
    assert (
        client.post("/api/customers/", shallow, content_type="application/json").status_code == 400
    )  # a field error


def test_depth_check() -> None:
    assert not too_deep({"a": [[[1]]]})
    nested: Any = 1
    for _ in range(65):
        nested = [nested]
    assert too_deep(nested)


@pytest.mark.parametrize("raw", ["²", "٣", "1²", "-1", "", " ", "1e3", "99999999999999999999", "١٢"])
def test_int_parser_refuses_what_int_or_the_database_cannot_take(raw: str) -> None:
    with pytest.raises(params.BadParameter):
        params.parse_int(raw, name="store")


@pytest.mark.parametrize("raw", ["9999-12", "0000-01", "2026-13", "２０２６-01", "2026-1", "2026-01-01"])
def test_month_parser(raw: str) -> None:
    with pytest.raises(params.BadParameter):
        params.parse_month(raw)
    assert params.parse_month("2026-03").isoformat() == "2026-03-01"


def test_bad_parameter_message_is_chinese() -> None:
    with pytest.raises(params.BadParameter) as caught:
        params.int_param({"store": "²"}, "store")
    assert caught.value.name == "store" and "整数" in caught.value.message
