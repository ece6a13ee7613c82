"""Issue #21 item 9: the monthly report's records follow each record's own access rules.

Before, the drill-down under the complaint figures listed every department's tickets (customer,
status, compensation) to a department manager who gets 404 on those tickets, and the feedback
lists showed survey records (remarks) to front-line staff who may not read surveys. Now everyone
with a profile gets the figures; the ticket rows are those the user's ticket selector returns and
the survey rows only go to who may read surveys.
"""

# ruff: noqa: F811 - the complaint tests' fixtures, imported by name, are the parameters below
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from complaints.models import Complaint
from tests.complaints.conftest import _media, advance, make_complaint, people  # noqa: F401 - fixtures
from tests.fixtures import clock  # noqa: F401 - the complaint tests' clock (March), not the reports' April one
from tests.reports.builders import make_survey

pytestmark = pytest.mark.django_db


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_departments(
    make_complaint: Any, agent: Any, sales: Any, business: Any, clock: Any
) -> tuple[Complaint, Complaint]:
    from complaints.services import workflow

    in_sales = workflow.complaint_dispatch(complaint=make_complaint(), actor=agent, department=sales)
    in_business = workflow.complaint_dispatch(
        complaint=make_complaint(content="保险理赔慢。"), actor=agent, department=business
    )
    return in_sales, in_business


def drilled_ids(user: Any, drill: str = "") -> set[int]:
    response = browser(user).get("/reports/", {"month": "2026-03", "drill": drill})
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'data-complaint="(\d+)"', response.content.decode())}


@pytest.mark.parametrize("drill", ["", "open", "category:sales", "status:dispatched"])
def test_a_department_manager_drills_down_to_their_departments_tickets_only(
    two_departments: tuple[Complaint, Complaint], sales_mgr: Any, business_mgr: Any, drill: str
) -> None:
    in_sales, in_business = two_departments
    sales_sees, business_sees = drilled_ids(sales_mgr, drill), drilled_ids(business_mgr, drill)
    assert in_business.pk not in sales_sees
    assert in_sales.pk not in business_sees
    if drill in ("", "status:dispatched"):
        assert sales_sees == {in_sales.pk} and business_sees == {in_business.pk}
    # Each row is a ticket the manager may open.
    for pk in sales_sees:
        assert browser(sales_mgr).get(f"/complaints/{pk}/").status_code == 200


def test_customer_care_and_the_gm_see_every_ticket_of_the_store(
    two_departments: tuple[Complaint, Complaint], ccm: Any, gm: Any
) -> None:
    expected = {c.pk for c in two_departments}
    assert drilled_ids(ccm) == expected
    assert drilled_ids(gm) == expected


def test_front_line_staff_get_the_figures_but_no_records(
    two_departments: tuple[Complaint, Complaint], front_line: Any, store: Any, agent: Any, clock: Any
) -> None:
    make_survey(
        store,
        type="sales",
        at=dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC),
        agent=agent,
        score=40,
        remarks="客户说服务很差",
    )
    response = browser(front_line).get("/reports/", {"month": "2026-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="drilled-count">0<' in html  # none of these tickets is theirs
    assert "客户说服务很差" not in html
    assert 'data-testid="feedback-hidden"' in html
    # Customer care reads the same survey record.
    assert "客户说服务很差" in browser(agent).get("/reports/", {"month": "2026-03"}).content.decode()
