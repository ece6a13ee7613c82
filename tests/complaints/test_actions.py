"""The complaint action table and the one intake service: every action has a row, the page and the API
run the same rows, and a refused ticket leaves no new customer behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from complaints.actions import ACTIONS
from complaints.models import Complaint, Status
from complaints.services import intake
from complaints.services.ticket import RequiredTextError
from csat.domain import transitions
from csat.exceptions import ApplicationError
from csat.models import Customer, Role
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

NEW_MOBILE = "13912345678"


def _intake_form(**overrides: Any) -> dict[str, Any]:
    return {
        "mobile": NEW_MOBILE,
        "name": "李女士",
        "kind": "complaint",
        "channel": "phone",
        "category": "repair",
        "content": "维修后仍有异响。",
        **overrides,
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_table_has_one_row_per_complaint_action() -> None:
    assert set(ACTIONS) == set(transitions.ACTION_TRANSITIONS)
    for name, row in ACTIONS.items():
        assert row.name == name
        assert set(row.nullable) <= set(row.arguments)
        if row.required is not None:
            assert row.required.field in row.arguments


def test_a_row_checks_its_required_text_before_the_service(
    clock: Any, make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], people: Any
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    with pytest.raises(RequiredTextError) as refused:
        ACTIONS["reject"].run(complaint=ticket, actor=people["gm"], data={"comment": "  "})
    assert refused.value.field == "comment" and refused.value.message == "驳回时请填写意见。"
    assert refused.value.status_code == 409  # a page shows it as a refused step, the API as a 400
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL


def test_a_refused_ticket_leaves_no_new_customer_behind(clock: Any, agent: Any, store: Any) -> None:
    with pytest.raises(ApplicationError):
        intake.complaint_intake(actor=agent, store=store, mobile=NEW_MOBILE, name="李女士", content="   ")
    assert not Customer.objects.filter(mobile=NEW_MOBILE).exists()
    assert not Complaint.objects.exists()


def test_a_refused_ticket_on_the_intake_page_leaves_no_new_customer_behind(clock: Any, agent: Any) -> None:
    # Eight days back: the form accepts it, the service refuses it (at most seven days).
    response = _client(agent).post(
        "/complaints/new/", _intake_form(received_at="2026-03-03T10:00", received_at_reason="补录")
    )
    assert response.status_code == 400
    assert "接收时间不能早于 7 天前" in response.content.decode()
    assert not Customer.objects.filter(mobile=NEW_MOBILE).exists()
    assert not Complaint.objects.exists()


def test_the_intake_page_creates_the_new_customer_with_the_ticket(clock: Any, agent: Any, care: Any) -> None:
    response = _client(agent).post("/complaints/new/", _intake_form())
    assert response.status_code == 302
    ticket = Complaint.objects.get()
    assert ticket.customer.mobile == NEW_MOBILE and ticket.customer.name == "李女士"
    assert ticket.received_by_department == care


def test_page_and_api_choose_the_receiving_department_alike(
    clock: Any, store: Any, customer: Any, api: Callable[[Any], Any]
) -> None:
    """The recorder's own department; one with no department must name it (API) or is refused (page)."""
    nobody = StaffFactory(username="floater", role=Role.AGENT, store=store, department=None)
    response = api(nobody).post(
        "/api/complaints/", {"customer": customer.pk, "content": "漏油"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"received_by_department": ["请选择接收部门。"]}
    response = _client(nobody).post("/complaints/new/", _intake_form())
    assert response.status_code == 400
    assert "请选择接收部门。" in response.content.decode()
    assert not Customer.objects.filter(mobile=NEW_MOBILE).exists()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("status", "action", "who", "field", "message"),
    [
        (Status.REGISTERED, "dispatch", "agent", "department", "请选择责任部门。"),
        (Status.IN_PROGRESS, "progress", "sales_mgr", "note", "请填写进度说明。"),
        (Status.IN_PROGRESS, "propose", "sales_mgr", "solution", "请填写解决方案。"),
        (Status.AWAITING_APPROVAL, "reject", "gm", "comment", "驳回时请填写意见。"),
        (Status.IN_PROGRESS, "resolve", "sales_mgr", "result", "请填写处理结果。"),
        (Status.RESOLVED, "follow_up", "agent", "outcome", "请选择客户是否满意。"),
    ],
)
def test_the_api_answers_a_missing_required_input_with_400(
    clock: Any,
    api: Callable[[Any], Any],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    status: str,
    action: str,
    who: str,
    field: str,
    message: str,
) -> None:
    ticket = advance(make_complaint(), status)
    response = api(people[who]).post(f"/api/complaints/{ticket.pk}/{action}/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    ticket.refresh_from_db()
    assert ticket.status == status


def test_the_page_refuses_a_rejection_without_a_comment_as_before(
    clock: Any,
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
    response = _client(people["gm"]).post(f"/complaints/{ticket.pk}/reject/", {"comment": ""})
    assert response.status_code == 409
    assert "驳回时请填写意见。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_APPROVAL
