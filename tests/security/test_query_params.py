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


# Hostile-input sweep (2026-12-04): times the database or the time-zone arithmetic cannot hold.
# "0001-01-01T00:00" is read as Shanghai time, and turning it into UTC falls before year 1;
# "9999-12-31T23:59:59-12:00" is after 9999 in UTC. Each was a 500 (OverflowError in DRF's own
# time-zone check, or when the query ran).
OUT_OF_RANGE_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59:59-12:00", "3000-01-01T00:00"]
FILTER_CASES = [
    *[
        ("gm", f"/api/complaints/?{name}={when}")
        for name in ("received_after", "received_before")
        for when in OUT_OF_RANGE_TIMES
    ],
    *[
        ("gm", f"/api/sales/?delivered_at__{op}={when}")
        for op in ("gte", "lt")
        for when in OUT_OF_RANGE_TIMES
    ],
    *[("gm", f"/api/service-visits/?handed_back_at__gte={when}") for when in OUT_OF_RANGE_TIMES],
    *[("agent", f"/api/callbacks/?due_after={when}") for when in OUT_OF_RANGE_TIMES],
    *[("gm", f"/api/surveys/?surveyed_before={when}") for when in OUT_OF_RANGE_TIMES],
    ("gm", "/api/callbacks/?agent=99999999999999999999"),
    ("agent", "/api/callbacks/?agent=1.5"),
    ("agent", "/api/callbacks/?agent=-3"),
]


@pytest.mark.parametrize(("who", "url"), FILTER_CASES)
def test_api_filters_refuse_times_and_ids_the_database_cannot_hold(world: World, who: str, url: str) -> None:
    client = APIClient()
    client.force_authenticate(_user(world, who))
    response = client.get(url.replace("+", "%2B"))
    assert response.status_code == 400, (url, response.status_code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in json.dumps(response.json(), ensure_ascii=False))


def test_api_filters_still_take_ordinary_times(world: World) -> None:
    client = APIClient()
    client.force_authenticate(_user(world, "gm"))
    for url in (
        "/api/complaints/?received_after=2026-01-01T00:00",
        "/api/complaints/?received_before=2999-12-31T00:00%2B08:00",
        "/api/sales/?delivered_at__gte=1900-01-02T00:00Z",
        "/api/callbacks/?due_after=2026-03-01T08:00:00%2B08:00&agent=1",
    ):
        assert client.get(url).status_code == 200, url


def _write_cases(world: World) -> list[tuple[str, str, str, dict[str, Any]]]:
    r = world.own.records
    owner = world.users["ccm"].pk
    cases: list[tuple[str, str, str, dict[str, Any]]] = []
    for when in OUT_OF_RANGE_TIMES:
        cases += [
            (
                "ccm",
                "post",
                "/api/complaints/",
                {"customer": r["customer"], "content": "刹车异响", "received_at": when},
            ),
            ("agent", "post", f"/api/callbacks/{r['task']}/attempts/", {"outcome": "no_answer", "at": when}),
            (
                "agent",
                "post",
                f"/api/callbacks/{r['task']}/attempts/",
                {"outcome": "call_back_later", "call_back_at": when},
            ),
            (
                "gm",
                "post",
                f"/api/crises/{r['crisis']}/actions/",
                {"title": "回访", "owner": owner, "due_at": when},
            ),
            ("gm", "post", "/api/sales/", {"vehicle": r["vehicle"], "delivered_at": when}),
            ("gm", "patch", f"/api/sales/{r['sale']}/", {"delivered_at": when}),
            ("gm", "patch", f"/api/service-visits/{r['visit']}/", {"handed_back_at": when}),
        ]
    cases += [
        ("gm", "post", f"/api/crises/{r['crisis']}/media_log/", {"outlet": "抖音", "date": "9999-12-31"}),
        (
            "gm",
            "post",
            f"/api/crises/{r['crisis']}/media_log/",
            {"outlet": "抖音", "date": "2026-03-01", "reach": 2**31},
        ),
    ]
    return cases


def test_api_writes_refuse_times_the_database_cannot_hold_and_change_nothing(world: World) -> None:
    from callbacks.models import CallAttempt
    from complaints.models import Complaint
    from crisis.models import CrisisAction, MediaEntry
    from csat.models import SalesDelivery, ServiceVisit

    def snapshot() -> tuple[Any, ...]:
        return (
            Complaint.objects.count(),
            CallAttempt.objects.count(),
            CrisisAction.objects.count(),
            MediaEntry.objects.count(),
            SalesDelivery.objects.count(),
            list(SalesDelivery.objects.order_by("pk").values_list("delivered_at", flat=True)),
            list(ServiceVisit.objects.order_by("pk").values_list("handed_back_at", flat=True)),
        )

    before = snapshot()
    for who, method, url, body in _write_cases(world):
        client = APIClient()
        client.force_authenticate(_user(world, who))
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, (who, url, body, response.status_code)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in json.dumps(response.json(), ensure_ascii=False)), url
    assert snapshot() == before


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("media", {"outlet": "抖音", "date": "2026-03-01", "reach": "99999999999999999999"}),
        ("media", {"outlet": "抖音", "date": "2026-03-01", "reach": str(2**31)}),
        ("media", {"outlet": "抖音", "date": "9999-12-31"}),
        ("action", {"title": "回访", "due_at": "0001-01-01T00:00"}),
    ],
)
def test_crisis_forms_refuse_numbers_and_times_the_database_cannot_hold(
    world: World, what: str, data: dict[str, str]
) -> None:
    from crisis.models import CrisisAction, MediaEntry

    if what == "action":
        data = {**data, "owner": str(world.users["ccm"].pk)}
    before = (CrisisAction.objects.count(), MediaEntry.objects.count())
    client = Client(raise_request_exception=False)
    client.force_login(_user(world, "gm"))
    response = client.post(f"/crisis/{world.own.records['crisis']}/{what}/", data)
    assert response.status_code == 400, response.status_code
    assert (CrisisAction.objects.count(), MediaEntry.objects.count()) == before


def test_sign_in_with_a_username_longer_than_the_lockout_column_is_refused_not_a_server_error(
    world: World,
) -> None:
    # django-axes records every failed attempt's username in a varchar(255): on PostgreSQL a longer
    # one raised DataError and the user saw "the database is unavailable" (503).
    from axes.models import AccessAttempt

    name = "甲" * 300
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": name, "password": "wrong-pass-2026"}
    )
    assert response.status_code == 200  # the sign-in page again, with its error
    response = APIClient().post("/api/auth/token/", {"username": name, "password": "x"}, format="json")
    assert response.status_code in (400, 401, 403), response.status_code
    recorded = list(
        AccessAttempt.objects.filter(username__startswith="甲").values_list("username", flat=True)
    )
    assert recorded and all(len(username) == 255 for username in recorded)


def test_every_writable_date_and_time_of_every_serializer_is_bounded() -> None:
    # The sweep's largest class of 500s: a DateTimeField a ModelSerializer generated or a
    # serializer declared, left unbounded. Every writable one now is csat.apis.fields' bounded field.
    from rest_framework import serializers

    from csat.apis.fields import BoundedDateField, BoundedDateTimeField
    from tests.security.test_text_limits import OUTPUT_ONLY, _classes

    unbounded, walked = [], 0
    for cls in _classes():
        name = f"{cls.__module__}.{cls.__qualname__}"
        if not issubclass(cls, serializers.Serializer) or name in OUTPUT_ONLY:
            continue
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue
        for field_name, field in cls().fields.items():
            if field.read_only or not isinstance(field, serializers.DateField | serializers.DateTimeField):
                continue
            walked += 1
            if not isinstance(field, BoundedDateField | BoundedDateTimeField):
                unbounded.append(f"{name}.{field_name}")
    assert walked >= 8  # received_at, at, call_back_at, due_at, delivered_at, opened_at, date …
    assert unbounded == []
