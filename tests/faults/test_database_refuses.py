"""The database rejecting a write in the middle of an action: the whole action rolls back and the
user reads a clear message (a page, or JSON from the API), never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError
from django.test import Client
from rest_framework.test import APIClient

from complaints.models import Complaint, ComplaintEvent, Deadline, Status
from complaints.services import deadlines

pytestmark = pytest.mark.django_db
MESSAGE = "数据库暂时无法保存，本次操作没有生效，请稍后重试。"


@pytest.fixture
def refusing_db(monkeypatch: pytest.MonkeyPatch) -> None:
    """The step after the ticket's own save (starting the next deadline) hits a refusing database."""

    def refuse(**kwargs: Any) -> None:
        raise DatabaseError("could not extend file: No space left on device")

    monkeypatch.setattr(deadlines, "deadline_start", refuse)


def _snapshot(ticket: Any) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.department_id,
        ticket.dispatched_at,
        ComplaintEvent.objects.filter(complaint=ticket).count(),
        Deadline.objects.filter(complaint=ticket).count(),
    )


def test_a_page_action_rolls_back_and_says_so(ticket: Any, agent: Any, sales: Any, refusing_db: None) -> None:
    before = _snapshot(ticket)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk})
    assert response.status_code == 503
    body = response.content.decode()
    assert MESSAGE in body and "Traceback" not in body and "DatabaseError" not in body
    assert _snapshot(ticket) == before
    assert before[0] == Status.REGISTERED


def test_an_api_action_rolls_back_and_answers_json(
    ticket: Any, agent: Any, sales: Any, refusing_db: None
) -> None:
    before = _snapshot(ticket)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agent)
    response = client.post(f"/api/complaints/{ticket.pk}/dispatch/", {"department": sales.pk}, format="json")
    assert response.status_code == 503
    assert response.json() == {"detail": MESSAGE}
    assert _snapshot(ticket) == before


def test_a_refused_create_leaves_no_half_ticket(
    agent: Any, care: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(deadlines, "deadline_start", refuse)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.post(
        "/complaints/new/",
        {
            "mobile": "13912345678",
            "name": "李女士",
            "kind": "complaint",
            "channel": "phone",
            "category": "repair",
            "content": "维修后仍有异响。",
        },
    )
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0


def test_other_failures_get_a_plain_message_too(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from complaints import views

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "board", crash)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.get("/complaints/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错，本次操作没有完成" in body and "boom" not in body


@pytest.mark.parametrize("path", ["/complaints/", "/api/complaints/"])
def test_a_connection_closed_under_the_request_is_a_503_too(
    agent: Any, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Soak test finding (issue #21): while PostgreSQL restarted, a worker's kept connection raised
    InterfaceError("connection already closed") — not a DatabaseError — and the page answered a bare
    500; it is the database being away, so the same 503 and message as a refused write."""
    from complaints import apis, views

    def gone(*args: Any, **kwargs: Any) -> None:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(views.selectors, "board", gone)
    monkeypatch.setattr(apis.ComplaintViewSet, "get_queryset", gone)
    client = (
        APIClient(raise_request_exception=False)
        if path.startswith("/api/")
        else Client(raise_request_exception=False)
    )
    client.force_login(agent)
    response = client.get(path)
    assert response.status_code == 503
    body = response.content.decode()
    assert MESSAGE in body and "connection already closed" not in body
