"""Issue #18 (DOMAIN §9 "Who is responsible"): the agent who files a survey that creates a
dissatisfied or grievance ticket sees the department it will go to (the rules' default pre-selected)
and may choose another."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.models import Complaint, Kind
from csat.models import Department, DepartmentKind
from tests.callbacks.test_views import signed_in, survey_post

pytestmark = pytest.mark.django_db


def test_rule_agent_sees_the_default_department_and_may_choose_another(
    store_a: Any, agent: Any, make_task: Any
) -> None:
    task = make_task(store_a)  # a sales survey: the rules send a dissatisfied ticket to sales
    sales = Department.objects.get(store=store_a, kind=DepartmentKind.SALES)
    business, _ = Department.objects.get_or_create(
        store=store_a, kind=DepartmentKind.BUSINESS, defaults={"name": "业务部"}
    )
    client = signed_in(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    html = client.get(f"/callbacks/{task.pk}/").content.decode()
    assert 'data-testid="ticket-department"' in html
    assert f'<option value="{sales.pk}" selected>' in html
    response = client.post(
        f"/callbacks/{task.pk}/survey/",
        {**survey_post(score="60", remarks="维修预约没人回电"), "ticket_department": business.pk},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    ticket = Complaint.objects.get()
    assert ticket.kind == Kind.DISSATISFIED and ticket.department == business


def test_rule_without_a_choice_the_rules_department_is_used(store_a: Any, agent: Any, make_task: Any) -> None:
    task = make_task(store_a)
    client = signed_in(agent)
    client.post(f"/callbacks/{task.pk}/claim/")
    client.post(f"/callbacks/{task.pk}/attempts/", {"outcome": "reached"})
    client.post(f"/callbacks/{task.pk}/survey/", survey_post(score="60", remarks="交车仓促"))
    assert Complaint.objects.get().department.kind == DepartmentKind.SALES
