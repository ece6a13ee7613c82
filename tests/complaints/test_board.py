"""The board at dealer-group scale: each column shows its most urgent tickets and the column's total,
with a link to the full, paginated list of that step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints import selectors, views_lists
from complaints.models import Complaint, Deadline, Status
from tests.fixtures import T0

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(html: str, testid: str) -> list[str]:
    """The ticket numbers of one step of the board (its group of rows in the board's table)."""
    start = html.index(f'data-testid="{testid}"')
    group = html[start : html.index("</tbody>", start)]
    return re.findall(r'href="/complaints/\d+/">([^<]+)</a>', group)


def _next_due(ticket: Complaint) -> dt.datetime:
    return min(d.due_at for d in Deadline.objects.filter(complaint=ticket, met_at=None, cancelled_at=None))


@pytest.fixture
def registered(clock: Any, make_complaint: Callable[..., Complaint]) -> list[Complaint]:
    """Five registered tickets received an hour apart (so their next deadlines differ), most urgent first."""
    made = []
    for hours in (4, 0, 3, 1, 2):
        clock.move_to(T0 + dt.timedelta(hours=hours))
        made.append(make_complaint())
    clock.move_to(T0 + dt.timedelta(hours=5))
    return sorted(made, key=lambda t: (_next_due(t), t.pk))


def test_a_column_shows_the_most_urgent_rows_and_the_total(
    monkeypatch: pytest.MonkeyPatch,
    registered: list[Complaint],
    agent: Any,
    advance: Callable[..., Complaint],
    make_complaint: Callable[..., Complaint],
) -> None:
    monkeypatch.setattr(selectors, "BOARD_ROWS", 2)
    assert len({_next_due(t) for t in registered}) == 5
    dispatched = advance(make_complaint(), Status.DISPATCHED)
    html = _client(agent).get("/complaints/").content.decode()

    assert re.search(r'data-testid="count-registered">5<', html)
    assert _numbers(html, "board-registered") == [t.number for t in registered[:2]]
    assert 'href="/complaints/list/?status=registered"' in html
    # A column with all its rows shown has no "show all" link.
    assert re.search(r'data-testid="count-dispatched">1<', html)
    assert _numbers(html, "board-dispatched") == [dispatched.number]
    assert 'data-testid="more-dispatched"' not in html
    assert 'data-testid="column-in_progress"' not in html


def test_show_all_lists_every_ticket_of_the_step_page_by_page(
    monkeypatch: pytest.MonkeyPatch,
    registered: list[Complaint],
    agent: Any,
    other_agent: Any,
    advance: Callable[..., Complaint],
) -> None:
    monkeypatch.setattr(views_lists, "LIST_PAGE_ROWS", 2)
    advance(registered[0], Status.DISPATCHED)
    rest = registered[1:]
    client = _client(agent)
    pages = []
    for page in (1, 2):
        response = client.get(f"/complaints/list/?status=registered&page={page}")
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(r'data-testid="list-count">4<', html)
        pages.append(_numbers(html, "ticket-list"))
    assert pages == [[t.number for t in rest[:2]], [t.number for t in rest[2:]]]
    assert "page=2" in client.get("/complaints/list/?status=registered").content.decode()

    # Without a status: every open ticket; an unknown status is a 400 (issue #22); another store sees none of them.
    everything = client.get("/complaints/list/?page=1").content.decode()
    assert re.search(r'data-testid="list-count">5<', everything)
    assert client.get("/complaints/list/?status=bogus").status_code == 400
    html = _client(other_agent).get("/complaints/list/?status=registered").content.decode()
    assert re.search(r'data-testid="list-count">0<', html)


def test_the_board_is_one_table_with_a_group_of_rows_per_step(
    agent: Any, advance: Callable[..., Complaint], make_complaint: Callable[..., Complaint]
) -> None:
    # Every step's rows sit in one table under one header, so the columns line up from step to
    # step (each step was its own table, sized by its own rows); the step's heading row names the
    # step and its total, so the rows carry no status column.
    registered = make_complaint()
    dispatched = advance(make_complaint(), Status.DISPATCHED)
    html = _client(agent).get("/complaints/").content.decode()
    board = html[
        html.index('data-testid="board"') : html.index("</table>", html.index('data-testid="board"'))
    ]
    assert "<table" not in board[1:] and board.count("<thead>") == 1
    steps = re.findall(r'<tbody data-testid="board-(\w+)">', board)
    assert steps == ["registered", "dispatched"]  # in the order of the workflow
    assert re.search(
        r'<th scope="rowgroup" colspan="7">已登记 <span[^>]*data-testid="count-registered">1<', board
    )
    assert board.count('<th scope="col"') == 7 and "col-status" not in board
    assert _numbers(html, "board-dispatched") == [dispatched.number]
    assert _numbers(html, "board-registered") == [registered.number]


def test_the_board_is_not_drawn_without_open_tickets(agent: Any) -> None:
    html = _client(agent).get("/complaints/").content.decode()
    assert 'data-testid="board"' not in html
    assert "目前没有未结投诉。" in html
