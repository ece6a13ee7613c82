"""The ticket tables' rows written in Python (complaints.rows, issue #25) are the markup the
templates wrote: every cell, class, link, badge, aria label and countdown of the full list's rows
(partials/_list_row.html) and of a board column's or queue's rows (partials/_ticket_row.html), for
rows that differ in everything a cell shows — in Chinese and in English, with and without the bulk
checkbox, with markup in the data escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.utils import translation

from complaints import rows, selectors
from complaints.models import Complaint, Status
from complaints.services.deadlines import enforce_deadlines
from tests.factories import CustomerFactory
from tests.fixtures import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    store: Any,
    care: Any,
    sales_mgr: Any,
    agent: Any,
    ccm: Any,
) -> list[Complaint]:
    """Breached, urgent and major with an assignee; one with markup in the customer's name and no
    plate, grade or department; one awaiting approval (amber or not, a countdown of its own)."""
    a = advance(make_complaint(urgent=True), Status.DISPATCHED)
    odd = CustomerFactory(store=store, name='<b>"王&李"</b>', mobile="13900002222")
    b = make_complaint(customer=odd, kind="grievance")
    c = advance(make_complaint(), Status.AWAITING_APPROVAL)
    enforce_deadlines(now=T0 + dt.timedelta(hours=3))
    Complaint.objects.filter(pk=a.pk).update(severity="major", grade="F", assignee=sales_mgr)
    Complaint.objects.filter(pk=b.pk).update(plate="", grade="", department=None)
    sales_mgr.first_name, sales_mgr.last_name = "", ""
    sales_mgr.save()
    Complaint.objects.filter(pk=c.pk).update(assignee=agent)
    agent.first_name, agent.last_name = "小明", "张"
    agent.save()
    shown = selectors.ticket_rows(user=ccm, ids=[a.pk, b.pk, c.pk])
    assert shown[0].breaches and shown[0].urgent and shown[1].department_id is None
    return shown


def _same(python: str, template: str) -> None:
    assert parse_html(python) == parse_html(template), (python, template)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("can_bulk", [True, False])
def test_list_rows_are_the_markup_of_the_row_template(
    tickets: list[Complaint], language: str, can_bulk: bool
) -> None:
    with translation.override(language):
        python = rows.list_rows(tickets, can_bulk=can_bulk)
        template = "".join(
            render_to_string(
                "complaints/partials/_list_row.html",
                {"c": c, "can_bulk": can_bulk, "tickets_url": "/complaints/"},
            )
            for c in tickets
        )
    _same(python, template)
    assert "&lt;b&gt;&quot;王&amp;李&quot;&lt;/b&gt;" in python and "<b>" not in python
    assert ('data-testid="pick"' in python) is can_bulk


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [True, False])
@pytest.mark.parametrize("with_store", [False, True])
def test_table_rows_are_the_markup_of_the_row_template(
    tickets: list[Complaint], language: str, status: bool, with_store: bool
) -> None:
    # status=False: the board's rows, grouped under their step's heading, carry no status cell;
    # store=True: head office's rows name their store before the department.
    with translation.override(language):
        python = rows.table_rows(tickets, status=status, store=with_store)
        template = "".join(
            render_to_string(
                "complaints/partials/_ticket_row.html",
                {"c": c, "tickets_url": "/complaints/", "grouped": not status, "show_store": with_store},
            )
            for c in tickets
        )
    _same(python, template)
    assert 'class="table-danger"' in python and "badge text-bg-danger" in python
    assert ('class="col-status"' in python) is status
    assert python.count('<td class="col-store">深圳福田店</td>') == (3 if with_store else 0)
