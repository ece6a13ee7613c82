"""The call page's customer card lists the customer's open complaints (未结投诉) of every department, as
the customer page names a survey's ticket: a link only to a ticket the reader may open
(complaints.selectors.openable_ticket_ids), the others' numbers as text, never a link that answers
404. Customer care opens every ticket of its store: every number stays a link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints.services import workflow
from csat.models import DepartmentKind

pytestmark = pytest.mark.django_db


def card_of(user: Any, task: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/callbacks/{task.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('data-testid="customer-card"') : html.index("</section>", html.index("未结投诉"))]


def linked(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/complaints/(\d+)/"', html)}


@pytest.fixture
def tickets(store_a: Any, agent: Any, dept: Callable[[str], Any], make_task: Any) -> tuple[Any, Any, Any]:
    """A callback task whose customer has an open sales ticket and an open service ticket."""
    task = make_task(store_a)
    made = [
        workflow.complaint_create(
            actor=agent,
            customer=task.customer,
            content=content,
            category="repair",
            received_by_department=dept(DepartmentKind.CUSTOMER_CARE),
            dispatch_to=dept(kind),
        )
        for kind, content in (
            (DepartmentKind.SALES, "交车时漆面有划痕"),
            (DepartmentKind.SERVICE, "保养后异响"),
        )
    ]
    return task, made[0], made[1]


def test_a_department_manager_gets_links_only_to_the_tickets_they_may_open(
    tickets: tuple[Any, Any, Any], sales_mgr: Any, agent: Any, ccm: Any
) -> None:
    task, sales_ticket, service_ticket = tickets
    card = card_of(sales_mgr, task)
    assert linked(card) == {sales_ticket.pk}
    # The other department's ticket is named, as text: its page is 404 for them.
    assert service_ticket.number in card
    assert (
        f'data-testid="ticket-not-openable" title="其他部门的工单，无查看权限">{service_ticket.number}<'
        in card
    )
    client = Client()
    client.force_login(sales_mgr)
    assert client.get(f"/complaints/{service_ticket.pk}/").status_code == 404
    assert client.get(f"/complaints/{sales_ticket.pk}/").status_code == 200
    # Customer care opens every ticket of its store: both numbers stay links on its call page.
    for user in (agent, ccm):
        card = card_of(user, task)
        assert linked(card) == {sales_ticket.pk, service_ticket.pk}, user.username
        assert "ticket-not-openable" not in card
