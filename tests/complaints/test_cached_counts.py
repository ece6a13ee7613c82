"""Cached counts and rankings stay exactly right (issue #25, csat.revisions): the lists' view counts
and their pager, the board's totals and the manager's queue are cached under the complaint tables'
revision token, and every path that writes a complaint or a deadline replaces it — an action through
the services, a queryset ``update()`` and ``bulk_create()`` that bypass model signals, a delete, raw
SQL, the deadline sweep (run twice), a reopen. Each test reads a count, writes through one path, and
reads the count again: a stale cache fails it. A view that reads the clock or the customers is
counted live (``selectors.ticket_q_is_stable``), and a cache that cannot be reached means live
counts, never an error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client

from complaints import selectors, ticket_lists
from complaints.models import Complaint, Deadline, DeadlineKind, Status
from complaints.services import workflow
from complaints.services.deadlines import enforce_deadlines
from csat import revisions
from tests.fixtures import T0, at

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _view_count(client: Client, key: str, query: str = "") -> int:
    body = client.get(f"/complaints/list/?{query}").content.decode()
    found = re.search(rf'data-testid="view-count-{key}">(\d+)<', body)
    assert found, key
    return int(found.group(1))


def _list_count(client: Client, query: str = "") -> int:
    body = client.get(f"/complaints/list/?{query}").content.decode()
    found = re.search(r'data-testid="list-count">(\d+)<', body)
    assert found
    return int(found.group(1))


def _live(user: Any, **filters: Any) -> int:
    return selectors.ticket_ids(user=user, order=selectors.BY_URGENCY, **filters).count()


# --- the revision token ------------------------------------------------------------------------


def test_every_kind_of_write_to_a_watched_table_replaces_the_token_and_reads_do_not(
    make_complaint: Callable[..., Complaint],
) -> None:
    ticket = make_complaint()

    def replaced(write: Callable[[], Any]) -> bool:
        before = revisions.revision("complaints")
        write()
        return revisions.revision("complaints") != before

    assert replaced(lambda: ticket.save(update_fields=["grade"]))
    assert replaced(lambda: Complaint.objects.filter(pk=ticket.pk).update(grade="A"))  # no signal
    assert replaced(lambda: Deadline.objects.filter(complaint=ticket).update(warned_at=T0))
    assert replaced(lambda: Deadline.objects.filter(complaint=ticket, kind=DeadlineKind.HANDOFF).delete())
    assert replaced(
        lambda: Deadline.objects.bulk_create(
            [Deadline(complaint=ticket, kind=DeadlineKind.FOLLOW_UP, sequence=9, started_at=T0,
                      opens_at=T0, warn_at=T0, due_at=T0)]
        )
    )  # fmt: skip
    with connection.cursor() as cursor:
        assert replaced(
            lambda: cursor.execute("UPDATE complaints_complaint SET grade = 'B' WHERE id = %s", [ticket.pk])
        )
        assert not replaced(lambda: cursor.execute("SELECT count(*) FROM complaints_complaint"))
        # Another table whose name begins the same is not watched.
        assert not replaced(
            lambda: cursor.execute("UPDATE complaints_complaintevent SET note = note WHERE id = 0")
        )
    assert not replaced(lambda: list(Complaint.objects.select_for_update().filter(pk=ticket.pk)))


def test_a_write_replaces_the_token_again_when_its_transaction_commits(
    make_complaint: Callable[..., Complaint], django_capture_on_commit_callbacks: Any
) -> None:
    """A reader between the write and the commit may store counts read before the commit under
    the token of the write: the commit replaces that token too (once per transaction)."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        ticket = make_complaint()
        Complaint.objects.filter(pk=ticket.pk).update(grade="A")
        Complaint.objects.filter(pk=ticket.pk).update(grade="B")
        during = revisions.revision("complaints")
    ours = [f for f in callbacks if "revision_bump_on_commit" in getattr(f, "__qualname__", "")]
    assert len(ours) == 1
    assert revisions.revision("complaints") != during


def test_an_unreachable_cache_means_live_counts(
    monkeypatch: pytest.MonkeyPatch, make_complaint: Callable[..., Complaint], ccm: Any
) -> None:
    from django.core.cache import cache

    def down(*_a: Any, **_k: Any) -> Any:
        raise ConnectionError("redis down")

    make_complaint()
    for name in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(cache, name, down)
    try:
        assert revisions.revision("complaints") is None
        counts = ticket_lists.view_counts(user=ccm, filter_sets={"open": {}})
        assert counts == {"open": 1}
        make_complaint()
        assert ticket_lists.view_counts(user=ccm, filter_sets={"open": {}}) == {"open": 2}
    finally:
        from csat.caching import cache_recovered

        cache_recovered()


# --- the pages ---------------------------------------------------------------------------------


def test_the_breached_count_and_list_follow_the_sweep_run_twice(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], ccm: Any
) -> None:
    client = _client(ccm)
    advance(make_complaint(urgent=True), Status.DISPATCHED)
    assert _view_count(client, "breached") == 0 == _list_count(client, "breached=1")
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))  # the Celery task's service
    breached = _live(ccm, breached=True)
    assert breached >= 1
    assert _view_count(client, "breached") == breached == _list_count(client, "breached=1")
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))  # again: nothing new, nothing changes
    assert _view_count(client, "breached") == breached == _list_count(client, "breached=1")


def test_the_open_count_follows_an_action_a_bulk_update_and_a_delete(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], ccm: Any
) -> None:
    client = _client(ccm)
    a, b = make_complaint(), make_complaint()
    assert _view_count(client, "open") == 2 == _list_count(client)
    assert _view_count(client, "dispatch") == 2  # 待派单: registered
    advance(a, Status.DISPATCHED)  # an action through the services
    assert _view_count(client, "dispatch") == 1
    Complaint.objects.filter(pk=b.pk).update(status=Status.CLOSED)  # bypasses every signal
    assert _view_count(client, "open") == 1 == _list_count(client)
    Complaint.objects.filter(pk=a.pk).delete()
    assert _view_count(client, "open") == 0 == _list_count(client)


def test_a_reopened_ticket_is_counted_open_again_and_keeps_its_breach(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    agent: Any,
    ccm: Any,
) -> None:
    client = _client(ccm)
    ticket = advance(make_complaint(urgent=True), Status.DISPATCHED)
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))
    ticket = advance(ticket, Status.RESOLVED)
    assert _view_count(client, "breached") == 1  # resolved is still open (awaiting follow-up)
    clock.move_to(at(2026, 3, 16, 9, 0))
    client = _client(ccm)  # a new session on day 5
    Complaint.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    assert _view_count(client, "open") == 0 == _view_count(client, "breached")
    Complaint.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED)
    workflow.complaint_follow_up(complaint=ticket, actor=agent, outcome="unsatisfied", note="异响仍在")
    assert Complaint.objects.get(pk=ticket.pk).status == Status.DISPATCHED
    assert _view_count(client, "open") == 1 == _list_count(client)
    assert _view_count(client, "breached") == 1 == _live(ccm, breached=True)


def test_the_board_totals_and_the_queue_follow_every_write(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    ccm: Any,
    sales_mgr: Any,
) -> None:
    def board_total(status: str) -> int:
        return next(c["count"] for c in selectors.board(user=ccm) if c["status"] == status)

    def queue(name: str) -> tuple[int, list[int]]:
        section = selectors.manager_queue(user=sales_mgr)[name]
        return section["count"], [t.pk for t in section["tickets"]]

    a = advance(make_complaint(urgent=True), Status.DISPATCHED)
    assert board_total(Status.DISPATCHED) == 1 and queue("new") == (1, [a.pk])
    assert queue("breached") == (0, [])
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))
    # overdue, it moves from the new dispatches to the overdue group (each ticket in one group)
    assert queue("breached") == (1, [a.pk]) and queue("new") == (0, [])
    b = advance(make_complaint(), Status.DISPATCHED)
    assert board_total(Status.DISPATCHED) == 2 and queue("new") == (1, [b.pk])
    Complaint.objects.filter(pk=b.pk).update(status=Status.IN_PROGRESS)
    assert board_total(Status.DISPATCHED) == 1 and board_total(Status.IN_PROGRESS) == 1
    assert queue("new") == (0, []) and queue("open") == (1, [b.pk])


def test_care_todo_counts_follow_ups_opening_with_the_clock_without_a_write(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], ccm: Any
) -> None:
    """ "我的待办" of customer care includes the follow-ups whose day 5–7 window has opened by now:
    it changes with the clock alone, so it is never cached."""
    ticket = advance(make_complaint(), Status.RESOLVED)
    client = _client(ccm)
    before = _view_count(client, "todo")
    with time_machine.travel(at(2026, 3, 16, 9, 0), tick=False):  # day 5: the window opens
        client = _client(ccm)
        assert _view_count(client, "todo") == before + 1 == _live(ccm, todo=True)
    assert Complaint.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_a_search_is_counted_live(make_complaint: Callable[..., Complaint], ccm: Any, customer: Any) -> None:
    """A search reads the customers' names: a renamed customer is found at once."""
    make_complaint()
    assert ticket_lists.view_counts(user=ccm, filter_sets={"s": {"search": "赵六"}}) == {"s": 0}
    type(customer).objects.filter(pk=customer.pk).update(name="赵六")
    assert ticket_lists.view_counts(user=ccm, filter_sets={"s": {"search": "赵六"}}) == {"s": 1}
