"""GET /api/complaints/ kept whole (csat.apis.kept, issue #25): a warm read runs no query; a write
to any table the list reads shows at once; each user, filter, page and host has its own copy; the
browsable API and refused filters are never kept."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, Status
from csat import caching
from csat.models import Customer
from tests.kept import assert_watched

pytestmark = pytest.mark.django_db

_TABLES = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def _get(client: Any, url: str, **extra: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, [q["sql"] for q in queries.captured_queries]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_warm_list_runs_no_query_and_a_new_ticket_shows_at_once(
    clock: Any, api: Callable[[Any], Any], agent: Any, make_complaint: Callable[..., Complaint]
) -> None:
    first = make_complaint()
    client = api(agent)
    cold, reads = _get(client, "/api/complaints/")
    assert _ids(cold) == [first.pk]
    # every table the list read is watched by its revision: a write to one replaces the copy
    assert_watched(
        [{t.lower() for sql in reads for t in _TABLES.findall(sql)}], "complaint_lists", "the API list"
    )
    warm, reads = _get(client, "/api/complaints/")
    assert reads == []
    assert warm.content == cold.content and warm["Content-Type"] == "application/json"
    second = make_complaint()
    assert set(_ids(client.get("/api/complaints/"))) == {first.pk, second.pk}
    # a write to another table it reads (the customer's name is not in the list, its row is)
    Customer.objects.filter(pk=first.customer_id).update(name="新名字")
    _response, reads = _get(client, "/api/complaints/")
    assert reads, "a write to csat_customer must replace the kept list"


def test_each_user_filter_page_and_host_has_its_own_copy(
    settings: Any,
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "csat.example.com"]
    undispatched = make_complaint()
    dispatched = advance(make_complaint(), Status.DISPATCHED)
    assert set(_ids(api(agent).get("/api/complaints/"))) == {undispatched.pk, dispatched.pk}
    # the sales manager's own scope, not the agent's kept copy
    assert _ids(api(people["sales_mgr"]).get("/api/complaints/")) == [dispatched.pk]
    assert _ids(api(agent).get("/api/complaints/?status=dispatched")) == [dispatched.pk]
    first_page = api(agent).get("/api/complaints/?page_size=1")
    assert len(_ids(first_page)) == 1 and first_page.json()["next"].startswith("http://testserver/")
    other_host = api(agent).get("/api/complaints/?page_size=1", HTTP_HOST="csat.example.com")
    assert other_host.json()["next"].startswith("http://csat.example.com/")


def test_refused_filters_and_the_browsable_api_are_not_kept(
    clock: Any,
    api: Callable[[Any], Any],
    agent: Any,
    make_complaint: Callable[..., Complaint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_complaint()
    client = api(agent)
    kept: list[str] = []
    original = caching.keep

    def spy(key: str, value: Any, seconds: int) -> None:
        kept.append(key)
        original(key, value, seconds)

    monkeypatch.setattr(caching, "keep", spy)
    refused = client.get("/api/complaints/?status=nonsense")
    assert refused.status_code == 400 and "status" in refused.json()
    for _ in range(2):
        page, reads = _get(client, "/api/complaints/?format=api")
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html") and reads
    assert not [key for key in kept if ":api:" in key]
    assert client.get("/api/complaints/").status_code == 200
    assert [key for key in kept if ":api:" in key]  # the JSON list is


def test_a_long_filtered_address_keeps_a_key_every_cache_backend_takes(
    clock: Any, api: Callable[[Any], Any], agent: Any, make_complaint: Callable[..., Complaint]
) -> None:
    # The key names the address by a digest: a list filtered on every field (an address of some
    # 400 characters) is kept under a key short enough for memcached too, and still kept apart.
    first = make_complaint()
    client = api(agent)
    long = (
        "/api/complaints/?"
        + "&".join(f"{name}=" for name in ("category", "customer", "department", "kind", "ordering", "store"))
        + "&received_after=2000-01-01T00:00:00Z&received_before=2099-01-01T00:00:00Z"
        + "&x="
        + "y" * 300
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cold = client.get(long)
        warm, reads = _get(client, long)
    assert _ids(cold) == [first.pk] and reads == [] and warm.content == cold.content
    assert not [w for w in caught if issubclass(w.category, CacheKeyWarning)]
