"""The header's search box finds a ticket by the end of its number (help-desk parity: "20261206-00019"
or "00019" found nothing there while the ticket list's own search did): the date and serial, the
serial alone (3 digits or more), only tickets the reader may open, and by the ticket's id rather
than a scan of every number (the box runs at group scope)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint
from complaints.search import ticket_hits
from complaints.services import workflow
from complaints.ticket_numbers import ticket_number_q
from tests.fixtures import T0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TSSZ01-20260311-00019", Q(pk=19, number__endswith="TSSZ01-20260311-00019")),
        ("sz01-20260311-00019", Q(pk=19, number__endswith="SZ01-20260311-00019")),
        ("20260311-00019", Q(pk=19, number__endswith="20260311-00019")),
        (" 20260311 - 00019 ", Q(pk=19, number__endswith="20260311-00019")),
        ("００019", Q(pk=19, number__endswith="00019")),  # a full-width IME
        ("00019", Q(pk=19, number__endswith="00019")),
        ("019", Q(pk=19, number__endswith="019")),
        ("123456", Q(pk=123456, number__endswith="123456")),
        ("19", None),  # too short to tell from anything else
        ("B12345", None),  # a plate's digits
        ("粤B12345", None),
        ("13800138000", None),  # a mobile
        ("张伟", None),
        ("", None),
    ],
)
def test_what_reads_as_the_end_of_a_number(text: str, expected: Q | None) -> None:
    assert ticket_number_q(text) == expected


@pytest.fixture
def ticket(clock: Any, agent: Any, customer: Any, care: Any) -> Complaint:
    return workflow.complaint_create(
        actor=agent,
        customer=customer,
        content="保养后发动机异响",
        received_by_department=care,
        category="sales",
    )


def _ends(ticket: Complaint) -> list[str]:
    serial = ticket.number.rsplit("-", 1)[1]
    return [
        ticket.number,
        ticket.number[2:].lower(),
        f"{T0:%Y%m%d}-{serial}",
        serial,
        serial[-3:] if int(serial[-3:]) == ticket.pk else serial,
    ]


@pytest.mark.django_db
def test_the_end_of_a_number_opens_the_ticket(
    browser: Callable[[Any], Client], agent: Any, ticket: Complaint
) -> None:
    client = browser(agent)
    for query in _ends(ticket):
        response = client.get("/customers/", {"q": query})
        assert response.status_code == 302 and response["Location"] == f"/complaints/{ticket.pk}/", query
        partial = client.get("/customers/", {"q": query}, headers={"HX-Request": "true"})
        assert ticket.number in partial.content.decode(), query


@pytest.mark.django_db
def test_a_ticket_the_reader_may_not_open_is_not_found(
    browser: Callable[[Any], Client],
    ticket: Complaint,
    sales_mgr: Any,
    other_agent: Any,
    viewer: Any,
) -> None:
    """Another store's agent and a department manager whose department neither received nor works
    the ticket: nothing, and no hint it exists. Head office (every store) finds it."""
    serial = ticket.number.rsplit("-", 1)[1]
    for user in (other_agent, sales_mgr):
        for query in (f"{T0:%Y%m%d}-{serial}", serial):
            response = browser(user).get("/customers/", {"q": query})
            html = response.content.decode()
            assert response.status_code == 200, (user, query)
            assert ticket.number not in html and f"/complaints/{ticket.pk}/" not in html
    assert [hit.label for hit in ticket_hits(viewer, serial)] == [ticket.number]


@pytest.mark.django_db
def test_the_wrong_date_or_a_longer_serial_finds_nothing(agent: Any, ticket: Complaint) -> None:
    serial = ticket.number.rsplit("-", 1)[1]
    assert ticket_hits(agent, f"20250101-{serial}") == []
    assert ticket_hits(agent, f"0{serial}") == []  # not the end of this number
    assert [hit.label for hit in ticket_hits(agent, serial)] == [ticket.number]


@pytest.mark.django_db
def test_the_lookup_reads_the_ticket_by_its_id(agent: Any, ticket: Complaint) -> None:
    """One query for the ticket, and it names the id: an indexed read of one row, not a scan of
    every number (``number LIKE '%…'``) at group scope."""
    serial = ticket.number.rsplit("-", 1)[1]
    with CaptureQueriesContext(connection) as queries:
        ticket_hits(agent, serial)
    ticket_queries = [q["sql"] for q in queries.captured_queries if '"complaints_complaint"' in q["sql"]]
    assert len(ticket_queries) == 1
    sql = ticket_queries[0]
    assert f'"complaints_complaint"."id" = {ticket.pk}' in sql
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # as at group scope: a scan is priced out
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on complaints_complaint" not in plan, plan
