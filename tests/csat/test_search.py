"""The header's search box (issue #22 "A header search box on every page"): customers by name, mobile
(whole, prefix, tail), plate (with or without the province character, its start or its tail), VIN
(whole or its last 6–8), and tickets by number; the results show the plate. The tails read indexes
on PostgreSQL (csat migration 0012), checked on the query plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from complaints.services import workflow
from csat import selectors
from tests.factories import CustomerFactory, VehicleFactory, make_vin

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(store: Any, other_store: Any) -> dict[str, Any]:
    zhang = CustomerFactory(store=store, name="张伟", mobile="13800138000")
    ouyang = CustomerFactory(store=store, name="欧阳娜娜", mobile="13912340000")
    stranger = CustomerFactory(store=other_store, name="王芳", mobile="13700002345")
    return {
        "zhang": zhang,
        "ouyang": ouyang,
        "stranger": stranger,
        "zhang_car": VehicleFactory(customer=zhang, plate="粤B12345", vin=make_vin(11223344)),
        "ouyang_car": VehicleFactory(customer=ouyang, plate="湘AD54321", vin=make_vin(55667788)),
        "stranger_car": VehicleFactory(customer=stranger, plate="粤B12345", vin=make_vin(99887766)),
    }


def found(user: Any, query: str) -> list[str]:
    return sorted(c.name for c in selectors.customer_search(user=user, query=query))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("13800138000", ["张伟"]),  # whole mobile
        ("1391234", ["欧阳娜娜"]),  # its start
        ("8000", ["张伟"]),  # its last four
        ("0000", ["欧阳娜娜"]),
        ("粤B12345", ["张伟"]),  # plate with the province character
        ("粤b·123", ["张伟"]),  # its start, any case and separator
        ("粤Ｂ１２３４５", ["张伟"]),  # typed in a full-width IME
        ("１３８００１３８０００", ["张伟"]),
        ("２３４５", ["张伟"]),
        ("B12345", ["张伟"]),  # without the province character
        ("b 12345", ["张伟"]),
        ("AD543", ["欧阳娜娜"]),  # the start without the province
        ("2345", ["张伟"]),  # a plate's tail (the mobile tails end otherwise)
        ("54321", ["欧阳娜娜"]),
        ("D54321", ["欧阳娜娜"]),
        ("11223344", ["张伟"]),  # a VIN's last 8
        ("667788", ["欧阳娜娜"]),  # its last 6
        ("张伟", ["张伟"]),
        ("欧阳", ["欧阳娜娜"]),
        ("王芳", []),  # another store's customer
        ("99887766", []),  # another store's VIN
        ("Z9999", []),
    ],
)
def test_one_box_finds_customers_by_mobile_plate_vin_and_name(
    agent: Any, people: dict[str, Any], query: str, expected: list[str]
) -> None:
    assert found(agent, query) == expected


def test_a_whole_vin_in_any_case(agent: Any, people: dict[str, Any]) -> None:
    vin = people["ouyang_car"].vin
    assert found(agent, vin) == found(agent, vin.lower()) == ["欧阳娜娜"]


def test_the_results_show_the_plate_and_the_box_is_on_every_page(
    browser: Callable[[Any], Client], agent: Any, people: dict[str, Any]
) -> None:
    client = browser(agent)
    html = client.get(f"/customers/?q={quote('2345')}").content.decode()
    assert "张伟" in html and "粤B·12345" in html and "王芳" not in html
    for page in ("/", "/callbacks/", "/complaints/"):
        assert 'data-testid="header-search"' in client.get(page).content.decode(), page


def test_a_ticket_number_opens_the_ticket_and_another_stores_ticket_is_not_found(
    browser: Callable[[Any], Client],
    agent: Any,
    other_agent: Any,
    care: Any,
    people: dict[str, Any],
) -> None:
    ticket = workflow.complaint_create(
        actor=agent,
        customer=people["zhang"],
        content="保养后发动机异响",
        received_by_department=care,
        category="sales",
    )
    client = browser(agent)
    response = client.get(f"/customers/?q={ticket.number}")
    assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.pk}/"
    # Lower case and without "TS" too; the partial (htmx) answer lists it instead of redirecting.
    response = client.get(f"/customers/?q={ticket.number[2:].lower()}")
    assert response["Location"] == f"/complaints/{ticket.pk}/"
    partial = client.get(f"/customers/?q={ticket.number}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and ticket.number in partial.content.decode()
    # Another store's agent: nothing found, and no hint the ticket exists.
    response = browser(other_agent).get(f"/customers/?q={ticket.number}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="record-hits"' not in html and f"/complaints/{ticket.pk}/" not in html
    assert "没有找到匹配的客户或工单" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's expression indexes")
@pytest.mark.parametrize("query", ["8000", "2345", "B12345", "667788"])
def test_every_tail_search_can_use_an_index(agent: Any, people: dict[str, Any], query: str) -> None:
    """No branch reads a whole table: with sequential scans priced out, the plan of every query the
    search runs uses indexes only (at a million customers the planner picks them on its own)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        selectors.customer_search(user=agent, query=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for captured in queries.captured_queries:
            sql = captured["sql"]
            if "csat_customer" not in sql and "csat_vehicle" not in sql:
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for table in ("csat_customer", "csat_vehicle"):
                assert f"Seq Scan on {table}" not in plan, plan


def test_many_owners_of_a_plate_tail_give_the_newest_twenty_once_each(agent: Any, store: Any) -> None:
    """The owners of matching vehicles are read first, newest 20, then matched as customers (one
    query with LIMIT over a subquery walked every customer at group scope): the result is still
    the 20 newest matching customers, each once even with two matching cars."""
    owners = [CustomerFactory(store=store, name=f"车主{i:02d}") for i in range(25)]
    for i, owner in enumerate(owners):
        VehicleFactory(customer=owner, store=store, plate=f"粤B{i:02d}777", vin=make_vin(70000000 + i))
    VehicleFactory(customer=owners[-1], store=store, plate="粤C99777", vin=make_vin(79999999))
    result = selectors.customer_search(user=agent, query="777")
    newest = sorted(owners, key=lambda c: -c.pk)[:20]
    assert [c.pk for c in result] == [c.pk for c in newest]
    assert all(len({v.plate for v in c.vehicles.all()}) >= 1 for c in result)
